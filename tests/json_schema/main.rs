//! docs/schema/report-v1.json describes the report the binary really writes: every shipped
//! sample log (plain and as Docker frames it), compressed input, stdin, an empty file, a
//! policy (accepted, scoped and expired acceptances) and a baseline all give documents
//! the schema accepts. A stricter copy of the schema (no undeclared properties anywhere)
//! must accept them too, so a field added to the report without a schema entry fails here.
//! The names an input summary can carry are checked both ways: every variant the code has
//! is in the schema and nothing else is, and every input format and framing there is a
//! sample log or pgBadger fixture for gives a valid report.

#[path = "../common/mod.rs"]
mod common;

mod input_names;

use common::{path_str, pgtriage, pgtriage_stdin, repo};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn schema() -> Value {
    let path = repo().join("docs/schema/report-v1.json");
    let text = std::fs::read_to_string(&path).expect("read docs/schema/report-v1.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schema with `additionalProperties: false` on every object that lists properties.
fn strict(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), strict(v))).collect();
            if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strict).collect()),
        other => other.clone(),
    }
}

/// Validates `doc` against the schema and its strict copy; panics listing every error.
fn assert_valid(doc: &Value, what: &str) {
    let schema = schema();
    for (kind, s) in [
        ("schema", schema.clone()),
        ("strict schema", strict(&schema)),
    ] {
        let validator = jsonschema::draft202012::new(&s).expect("the schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("  at {}: {e}", e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the report does not match the {kind}:\n{}",
            errors.join("\n")
        );
    }
}

/// Runs `analyze --output json` with `args`; the exit code must be 0 or 1 (or `code`).
fn analyze(args: &[&str], code: Option<i32>) -> Value {
    let mut all = vec!["analyze", "--output", "json"];
    all.extend_from_slice(args);
    // A .pgtriage.toml in the working directory would apply by default: not here.
    if !args.contains(&"--policy") {
        all.push("--no-policy");
    }
    let out = pgtriage(&all);
    let got = out.status.code();
    match code {
        Some(c) => assert_eq!(got, Some(c), "pgtriage {all:?}: {}", stderr(&out)),
        None => assert!(
            matches!(got, Some(0 | 1)),
            "pgtriage {all:?} exited {got:?}: {}",
            stderr(&out)
        ),
    }
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pgtriage {all:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    // The verdict in the document is the exit code (2, unreadable input, overrides it).
    if got != Some(2) {
        assert_eq!(
            doc["summary"]["failed"].as_bool(),
            Some(got == Some(1)),
            "pgtriage {all:?}: summary.failed disagrees with the exit code"
        );
    }
    doc
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn logs_in(dir: &Path) -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read sample-logs")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs
}

/// Relative to the repository, so input names stay short.
fn rel(p: &Path) -> String {
    path_str(p.strip_prefix(repo()).unwrap_or(p)).to_string()
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    assert_eq!(
        s["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "declares draft 2020-12"
    );
    jsonschema::meta::validate(&s).expect("valid against the draft 2020-12 meta-schema");
    jsonschema::meta::validate(&strict(&s)).expect("the strict copy is valid too");
}

#[test]
fn every_sample_log_gives_a_valid_report_in_both_environments() {
    let mut logs = logs_in(&repo().join("sample-logs"));
    logs.extend(logs_in(&repo().join("sample-logs/framed")));
    assert!(logs.len() >= 20, "sample logs found: {logs:?}");
    common::par_map(&logs, |log| {
        let name = rel(log);
        for env in ["dev", "prod"] {
            let doc = analyze(&["--env", env, &name], None);
            assert_valid(&doc, &format!("{name} --env {env}"));
            assert_eq!(doc["env"], env);
            assert_eq!(doc["inputs"][0]["name"], name.as_str());
        }
    });
}

#[test]
fn all_sample_logs_in_one_run_with_every_threshold() {
    let logs: Vec<String> = logs_in(&repo().join("sample-logs"))
        .iter()
        .map(|p| rel(p))
        .collect();
    for fail_on in ["info", "warning", "error", "critical"] {
        let mut args = vec!["--fail-on", fail_on];
        args.extend(logs.iter().map(String::as_str));
        let doc = analyze(&args, None);
        assert_valid(&doc, &format!("all sample logs --fail-on {fail_on}"));
        assert_eq!(doc["inputs"].as_array().unwrap().len(), logs.len());
        assert_eq!(doc["fail_on"], fail_on);
    }
}

#[test]
fn framed_logs_report_their_framing() {
    let mut framings = std::collections::BTreeSet::new();
    for log in logs_in(&repo().join("sample-logs/framed")) {
        let doc = analyze(&[&rel(&log)], None);
        assert_valid(&doc, &rel(&log));
        framings.insert(doc["inputs"][0]["framing"].as_str().unwrap().to_string());
    }
    for f in ["compose", "docker-json-file", "docker-timestamps"] {
        assert!(framings.contains(f), "framing {f} among {framings:?}");
    }
}

#[test]
fn compressed_input_gives_a_valid_report() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("first-start.log.gz");
    let raw = std::fs::read(repo().join("sample-logs/first-start-no-locale.log")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&raw).unwrap();
    enc.finish().unwrap();
    let doc = analyze(&[path_str(&gz)], None);
    assert_valid(&doc, "gzip input");
    assert_eq!(doc["inputs"][0]["compression"], "gzip");
}

#[test]
fn input_that_stops_early_gives_a_valid_report_with_the_reason() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("truncated.log.gz");
    let raw = std::fs::read(repo().join("sample-logs/first-start-no-locale.log")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&raw).unwrap();
    let whole = enc.finish().unwrap();
    std::fs::write(&gz, &whole[..whole.len() / 2]).unwrap();
    let doc = analyze(&[path_str(&gz)], Some(2));
    assert_valid(&doc, "truncated gzip input");
    assert!(doc["inputs"][0]["error"].is_string(), "{doc}");
}

#[test]
fn an_empty_file_and_empty_stdin_give_valid_reports() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let doc = analyze(&["--env", "dev", path_str(&empty)], Some(0));
    assert_valid(&doc, "empty file");
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["inputs"][0]["records"], 0);
    assert_eq!(doc["inputs"][0]["prefix"], Value::Null);

    let out = pgtriage_stdin(&["analyze", "--output", "json", "--no-policy", "-"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_valid(&doc, "empty stdin");
    assert_eq!(doc["inputs"][0]["source"], "stdin");
}

#[test]
fn a_report_with_a_policy_is_valid() {
    let policy = common::policy_file(concat!(
        "[[accept]]\n",
        "id = \"locale.no-system-locales\"\n",
        "reason = \"Alpine image on purpose; ICU provider set in POSTGRES_INITDB_ARGS\"\n",
        "until = \"2099-12-31\"\n",
        "\n",
        "[[accept]]\n",
        "id = \"auth.password-failed\"\n",
        "reason = \"the test suite tries a wrong password | on purpose\"\n",
        "match = { user = \"app\" }\n",
        "\n",
        "[[accept]]\n",
        "id = \"auth.trust-local\"\n",
        "reason = \"was fixed in the image\"\n",
        "until = \"2001-01-01\"\n",
    ));
    let policy = policy.path();
    let doc = analyze(
        &[
            "--env",
            "prod",
            "--fail-on",
            "warning",
            "--policy",
            path_str(policy),
            "sample-logs/first-start-no-locale.log",
            "sample-logs/auth-and-connections.log",
        ],
        None,
    );
    assert_valid(&doc, "report with a policy");
    assert_eq!(doc["policy"], path_str(policy));
    let finding = |id: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("finding {id}"))
            .clone()
    };
    let locale = finding("locale.no-system-locales");
    assert_eq!(
        locale["accepted"]["reason"],
        "Alpine image on purpose; ICU provider set in POSTGRES_INITDB_ARGS"
    );
    assert_eq!(locale["accepted"]["until"], "2099-12-31");
    assert_eq!(locale["gating"], false);
    assert!(doc["summary"]["accepted"].as_u64().unwrap() >= 1);
    let trust = finding("auth.trust-local");
    assert_eq!(trust["accepted"], Value::Null);
    assert_eq!(trust["acceptance_expired"]["until"], "2001-01-01");
    assert_eq!(trust["gating"], true);
    let scoped = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "auth.password-failed" && !f["accepted"].is_null())
        .expect("an accepted auth.password-failed row");
    assert_eq!(scoped["scope"], "user=app");
}

#[test]
fn a_report_with_a_baseline_is_valid() {
    let (base, _) = common::baseline_of("sample-logs/first-start-no-locale.log");
    let base = base.path();
    let doc = analyze(
        &[
            "--baseline",
            path_str(base),
            "sample-logs/first-start-no-locale.log",
            "sample-logs/first-start-no-locale.log",
            "sample-logs/config-errors.log",
        ],
        None,
    );
    assert_valid(&doc, "report with a baseline");
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["baseline"].is_object()));
    assert!(findings
        .iter()
        .any(|f| f["baseline"]["new"] == true && f["baseline"]["count"].is_null()));
    assert!(findings
        .iter()
        .any(|f| f["baseline"]["new"] == false && f["baseline"]["count"].is_u64()));
}

/// Makes a valid report invalid in one way.
type Breaker = Box<dyn Fn(&mut Value)>;

/// `lint` writes the same document: its findings, and an accepted one from a policy.
#[test]
fn a_lint_report_is_valid() {
    for args in [
        &["tests/compose/broken/docker-compose.yml", "--no-policy"][..],
        &[
            "examples/compose/dev/docker-compose.yml",
            "--env",
            "dev",
            "--policy",
            "examples/compose/dev/.pgtriage.toml",
        ],
    ] {
        let out = pgtriage(&[&["lint", "--output", "json"][..], args].concat());
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("lint writes JSON");
        assert!(doc["findings"].as_array().is_some_and(|f| !f.is_empty()));
        assert_valid(&doc, &format!("lint {args:?}"));
    }
}

#[test]
fn the_schema_rejects_what_the_report_never_contains() {
    let good = analyze(&["sample-logs/first-start-no-locale.log"], None);
    assert_valid(&good, "first-start");
    let validator = jsonschema::draft202012::new(&schema()).unwrap();
    let broken: Vec<(&str, Breaker)> = vec![
        (
            "severity outside the enum",
            Box::new(|d| d["findings"][0]["severity"] = "fatal".into()),
        ),
        (
            "env outside the enum",
            Box::new(|d| d["env"] = "staging".into()),
        ),
        (
            "negative count",
            Box::new(|d| d["findings"][0]["count"] = (-1).into()),
        ),
        (
            "gating missing",
            Box::new(|d| {
                d["findings"][0].as_object_mut().unwrap().remove("gating");
            }),
        ),
        (
            "format outside the enum",
            Box::new(|d| d["inputs"][0]["format"] = "syslog".into()),
        ),
        (
            "framing outside the enum",
            Box::new(|d| d["inputs"][0]["framing"] = "podman".into()),
        ),
        (
            "schema_version 2",
            Box::new(|d| d["schema_version"] = 2.into()),
        ),
        (
            "accepted as a string",
            Box::new(|d| d["findings"][0]["accepted"] = "yes".into()),
        ),
        (
            "a time that is not one",
            Box::new(|d| d["findings"][1]["first_seen"] = "yesterday".into()),
        ),
        (
            "unclassified level in lower case",
            Box::new(|d| {
                d["unclassified"] = serde_json::json!([{"severity": "warning", "count": 1, "sample": "x", "gating": false}]);
            }),
        ),
    ];
    for (what, breakit) in broken {
        let mut doc = good.clone();
        breakit(&mut doc);
        assert!(
            !validator.is_valid(&doc),
            "the schema accepts a report with {what}"
        );
    }
}
