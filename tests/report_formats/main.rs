//! Every output format of `analyze`, from the real binary, compared with the files in
//! tests/snapshots/ (`UPDATE_SNAPSHOTS=1 cargo test --test report_formats` rewrites them;
//! review the diff). The tool's version is replaced with `[version]` so that a release
//! does not churn them. Beyond the snapshots: the JSON matches docs/schema/report-v1.json,
//! the JUnit is well-formed XML whose counts add up, every GitHub line is a workflow
//! command, and log text that looks like markup, XML or a workflow command stays inert
//! in every format.

#[path = "../common/mod.rs"]
mod common;

mod junit;

use common::{assert_snapshot, path_str, pgtriage, repo};
use junit::parse_junit;
use serde_json::Value;
use std::path::Path;

const SAMPLE: &str = "sample-logs/first-start-no-locale.log";

/// (format, snapshot file extension)
const FORMATS: [(&str, &str); 6] = [
    ("table", "txt"),
    ("json", "json"),
    ("markdown", "md"),
    ("github", "github.txt"),
    ("junit", "junit.xml"),
    ("html", "html"),
];

/// Runs `analyze --output <format>` with `args`; returns (exit code, stdout).
fn run(format: &str, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["analyze", "--output", format];
    all.extend_from_slice(args);
    // A .pgtriage.toml in the working directory would apply by default: not here.
    if !args.contains(&"--policy") {
        all.push("--no-policy");
    }
    let out = pgtriage(&all);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pgtriage {all:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), stdout)
}

fn normalise(s: &str) -> String {
    let v = env!("CARGO_PKG_VERSION");
    s.replace(
        &format!("\"version\": \"{v}\""),
        "\"version\": \"[version]\"",
    )
    .replace(&format!("pgtriage {v}"), "pgtriage [version]")
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("docs/schema/report-v1.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path))
        .collect()
}

#[test]
fn every_format_matches_its_snapshot() {
    for (format, ext) in FORMATS {
        let (code, out) = run(format, &["--env", "prod", SAMPLE]);
        // auth.trust-local is an error in prod: the default --fail-on error gate fails.
        assert_eq!(code, Some(1), "--output {format}");
        // Deterministic: a second run prints the same.
        assert_eq!(
            out,
            run(format, &["--env", "prod", SAMPLE]).1,
            "--output {format}"
        );
        assert_snapshot(
            &format!("first-start-no-locale.prod.{ext}"),
            &normalise(&out),
        );
    }
}

#[test]
fn the_json_snapshot_matches_the_schema() {
    let (_, out) = run("json", &["--env", "prod", SAMPLE]);
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
    let snap = repo().join("tests/snapshots/first-start-no-locale.prod.json");
    if let Ok(text) = std::fs::read_to_string(&snap) {
        let doc: Value = serde_json::from_str(&text).expect("the snapshot is JSON");
        assert_eq!(schema_errors(&doc), Vec::<String>::new(), "the snapshot");
    }
}

#[test]
fn junit_is_well_formed_and_fails_exactly_the_gating_rows() {
    let (_, xml) = run("junit", &["--env", "prod", "--fail-on", "warning", SAMPLE]);
    let cases = parse_junit(&xml);
    let failing: Vec<(&str, &str, &str)> = cases
        .iter()
        .filter_map(|(c, n, f)| f.as_deref().map(|f| (c.as_str(), n.as_str(), f)))
        .collect();
    assert_eq!(
        failing,
        [
            ("pgtriage.auth", "auth.trust-local", "error"),
            ("pgtriage.locale", "locale.sql-ascii-encoding", "error"),
            ("pgtriage.locale", "locale.no-system-locales", "warning"),
        ]
    );
    assert!(cases
        .iter()
        .any(|(c, n, _)| c == "pgtriage.input" && n == SAMPLE));

    // The verdict rows in JSON are the failing test cases.
    let (_, json) = run("json", &["--env", "prod", "--fail-on", "warning", SAMPLE]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let gating = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gating"] == true)
        .count();
    assert_eq!(gating, failing.len());
}

#[test]
fn junit_shows_accepted_findings_as_passing_with_the_reason() {
    let policy = common::policy_file(
        "[[accept]]\nid = \"locale.no-system-locales\"\nreason = \"Alpine on purpose & <ICU>\"\n",
    );
    let policy = policy.path();
    let args = [
        "--env",
        "prod",
        "--fail-on",
        "warning",
        "--policy",
        path_str(policy),
        SAMPLE,
    ];
    let (_, xml) = run("junit", &args);
    let cases = parse_junit(&xml);
    let locale = cases
        .iter()
        .find(|c| c.1 == "locale.no-system-locales")
        .expect("a test case for the accepted finding");
    assert_eq!(locale.2, None, "accepted findings pass");
    assert!(xml.contains("<system-out>accepted: Alpine on purpose &amp; &lt;ICU&gt;"));

    let (_, gh) = run("github", &args);
    assert!(
        gh.lines().any(|l| l.starts_with(
            "::notice title=locale.no-system-locales::initdb found no system locales \
             (Alpine/musl image) (1×) — accepted: Alpine on purpose & <ICU>"
        )),
        "{gh}"
    );
    let (_, md) = run("markdown", &args);
    assert!(
        md.contains("accepted: Alpine on purpose &amp; &lt;ICU&gt;"),
        "{md}"
    );
}

#[test]
fn github_lines_are_all_workflow_commands() {
    let (_, out) = run("github", &["--env", "prod", "--fail-on", "warning", SAMPLE]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().all(|l| l.starts_with("::")), "{out}");
    assert!(lines[0].starts_with(
        "::error title=auth.trust-local::initdb enabled trust authentication for local \
         connections (1×) — Set it before the first start"
    ));
    assert!(lines[1].starts_with("::error title=locale.sql-ascii-encoding::"));
    assert!(lines[2].starts_with("::warning title=locale.no-system-locales::"));
    // Every other finding of a first start is an info-level lifecycle or checkpoint line.
    assert!(lines[3..lines.len() - 1].iter().all(|l| {
        l.starts_with("::notice title=server.") || l.starts_with("::notice title=checkpoint.")
    }));
    assert_eq!(
        lines.last().unwrap(),
        &"::notice::pgtriage: 15 findings (3 failing the gate, 0 accepted), verdict failed \
          (env prod, fail-on warning)"
    );
}

/// A log whose messages look like markdown, HTML, XML, workflow commands and control
/// characters; PostgreSQL prints whatever a client sends it in some messages.
fn hostile_log(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("hostile.log");
    let lines = [
        "2026-01-01 00:00:00.000 UTC [1] ERROR:  weird | pipe <b>bold</b> `tick` *star* 100% & more",
        "2026-01-01 00:00:01.000 UTC [1] WARNING:  fake ::error title=x::injected, a%0Ab ]]> \u{1}\u{8}bell \u{7}",
        "2026-01-01 00:00:02.000 UTC [1] FATAL:  role <script>alert(1)</script> \"quoted\" 'single' [link](http://x) @team #12",
        "2026-01-01 00:00:03.000 UTC [1] PANIC:  ```` fence ```` _under_ ~strike~ \\ back",
        "2026-01-01 00:00:04.000 UTC [1] LOG:  database system is ready to accept connections",
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn log_text_stays_inert_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path());
    let args = [
        "--prefix",
        "%m [%p] ",
        "--env",
        "prod",
        "--fail-on",
        "warning",
        path_str(&log),
    ];
    let (doc, groups) = inert_in_json(&args);
    inert_in_junit(&args, groups);
    inert_in_github(&args, &doc, groups);
    inert_in_markdown(&args, groups);
}

/// JSON: valid, the three unclassified messages kept apart; the report and their count.
fn inert_in_json(args: &[&str]) -> (Value, usize) {
    let (code, json) = run("json", args);
    assert_eq!(code, Some(1));
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
    let groups = doc["unclassified"].as_array().unwrap().len();
    // The PANIC is taken by the catch-all entry; the three others stay unclassified.
    assert_eq!(groups, 3, "{json}");
    assert_eq!(doc["findings"][0]["id"], "server.panic", "{json}");
    (doc, groups)
}

/// JUnit: well-formed, each unclassified group is a failing test case.
fn inert_in_junit(args: &[&str], groups: usize) {
    let (_, xml) = run("junit", args);
    let cases = parse_junit(&xml);
    let unclassified: Vec<_> = cases
        .iter()
        .filter(|c| c.0 == "pgtriage.unclassified")
        .collect();
    assert_eq!(unclassified.len(), groups);
    assert!(unclassified
        .iter()
        .all(|c| c.1.starts_with("unclassified.") && c.2.is_some()));
    assert!(!xml.contains("<script>") && !xml.contains("<b>"));
}

/// GitHub: one command per line, data escaped, nothing injected.
fn inert_in_github(args: &[&str], doc: &Value, groups: usize) {
    let (_, gh) = run("github", args);
    let lines: Vec<&str> = gh.lines().collect();
    assert_eq!(
        lines.len(),
        groups + doc["findings"].as_array().unwrap().len() + 1
    );
    assert!(lines.iter().all(|l| l.starts_with("::")), "{gh}");
    assert!(gh.contains("100%25 & more"), "{gh}");
    assert!(gh.contains("a%250Ab"), "% in a log line is escaped: {gh}");
    assert!(!gh.contains('\r') && gh.matches('\n').count() == lines.len());
    assert!(!gh.chars().any(|c| c.is_control() && c != '\n'), "{gh:?}");
    for l in &lines {
        let title = l.split("::").nth(1).unwrap();
        assert!(
            !title.contains(',') || title.contains("%2C"),
            "property values escape commas: {l}"
        );
    }
}

/// Markdown: table rows keep their column count; no raw HTML from the log.
fn inert_in_markdown(args: &[&str], groups: usize) {
    let (_, md) = run("markdown", args);
    assert!(!md.contains("<script>") && !md.contains("<b>bold"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    let mut in_table = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let cells = unescaped_pipes(line);
            match in_table {
                None => in_table = Some(cells),
                Some(n) => assert_eq!(cells, n, "a row with a stray column: {line}"),
            }
        } else {
            in_table = None;
        }
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "control characters in markdown: {line:?}"
        );
    }
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| **") && l.contains("<code>"))
        .collect();
    assert_eq!(rows.len(), groups, "{md}");

    // HTML: log text is text, and each unclassified group is a row of its table.
    let (_, html) = run("html", args);
    assert!(
        !html.contains("<script") && !html.contains("<b>bold"),
        "{html}"
    );
    assert!(
        html.contains("role &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.chars().any(|c| c.is_control() && c != '\n'),
        "{html:?}"
    );
    let table = html.split("<section id=\"unclassified\">").nth(1).unwrap();
    let table = table.split("</section>").next().unwrap();
    assert_eq!(
        table.matches("<tr class=\"gating\">").count(),
        groups,
        "{html}"
    );
}

/// The `|` that separate GFM table cells (not those escaped as `\|`).
fn unescaped_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            n += 1;
        }
    }
    n
}
