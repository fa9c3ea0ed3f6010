//! Translated and verbose logs: a server with `lc_messages` in another language, or with
//! `log_error_verbosity` verbose or terse, reports the same events as its English twin.
//! sample-logs/translated/ holds one run of the same workload per language and verbosity
//! (scripts/gen-translated-logs.sh, real servers); the slow test reruns it.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Languages the issue requires at least; the committed logs cover all eleven.
const REQUIRED: &[&str] = &["de", "fr", "es", "ja", "ru", "zh_CN"];
/// `log_error_verbosity` runs (`LANG:VERBOSITY` for the script, `LANG-VERBOSITY.log`).
const VERBOSITIES: &[&str] = &["C:verbose", "C:terse", "de:verbose"];
/// The named log_line_prefix runs (`C@NAME`; the script's `all-prefixes` runs them all):
/// together every escape, and the platforms' defaults.
const PREFIXES: &[&str] = &[
    "C@rds",
    "C@pgbadger",
    "C@session-q",
    "C@azure",
    "C@session-line",
    "C@cloudsql",
    "C@spilo",
    "C@crunchy",
    "C@heroku",
    "C@type-tag",
    "C@numbers",
    "C@addresses",
];
/// Prefixes without a time (Cloud SQL's and Heroku's: their platforms' frames carry it).
const TIMELESS: &[&str] = &["C@cloudsql", "C@heroku"];
/// Prefixes with words no shape names (Spilo's `%d %u %a`, `%b %i`, `%u %d %a`): detection
/// reads them as `%i` and reports the tie with a named reading.
const TIED: &[&str] = &["C@spilo", "C@type-tag", "C@addresses"];

/// What must be equal across languages: each finding's id and count, and the totals; and
/// the SQLSTATE classes, which only verbose runs carry.
struct Outcome {
    findings: BTreeMap<String, u64>,
    totals: Value,
    classes: Vec<String>,
}

/// Reads `log` without `--prefix`: every finding has a time (unless the prefix has none)
/// and its range is in order; a `C@NAME` log's prefix is detected for every line, with a
/// tie reported exactly where the words are unnamed.
fn outcome(log: &Path, name: &str) -> Outcome {
    let out = common::pgtriage(&["analyze", "--output", "json", common::path_str(log)]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e})", log.display()));
    for f in report["findings"].as_array().expect("findings") {
        let (first, last) = (&f["first_seen"], &f["last_seen"]);
        if TIMELESS.contains(&name) {
            continue;
        }
        assert!(first.is_string(), "{name}: {} has no time", f["id"]);
        assert!(
            first.as_str() <= last.as_str(),
            "{name}: {} runs from {first} back to {last}",
            f["id"]
        );
    }
    if name.starts_with("C@") {
        let input = &report["inputs"][0];
        assert_eq!(input["prefix_mismatches"], 0, "{name}: {input}");
        let tie = input.get("prefix_alternatives").is_some();
        assert_eq!(tie, TIED.contains(&name), "{name}: {input}");
    }
    let s = &report["summary"];
    let totals = serde_json::json!([s["records"], s["classified"], s["by_severity"]]);
    let classes = report["stats"]["errors"]["by_sqlstate_class"]
        .as_array()
        .expect("stats.errors.by_sqlstate_class")
        .iter()
        .map(|c| c["class"].as_str().unwrap().to_string())
        .collect();
    Outcome {
        findings: common::finding_counts(&report),
        totals,
        classes,
    }
}

/// Compares every `NAME.log` of `dir` with `C.log`; returns each one's SQLSTATE classes.
fn compare_with_english(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let english = outcome(&dir.join("C.log"), "C");
    assert!(
        english.findings.len() >= 15,
        "too few findings in C.log: {:?}",
        english.findings
    );
    let mut classes = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "C" || path.extension().is_none_or(|x| x != "log") {
            continue;
        }
        let got = outcome(&path, &name);
        assert_eq!(
            got.findings, english.findings,
            "{name}: findings differ from C"
        );
        assert_eq!(got.totals, english.totals, "{name}: totals differ from C");
        classes.insert(name, got.classes);
    }
    for p in PREFIXES {
        assert!(classes.contains_key(*p), "no {p}.log in {}", dir.display());
    }
    classes
}

/// The languages and verbosities of the main set, and their SQLSTATE classes.
fn check_languages(dir: &Path, classes: &BTreeMap<String, Vec<String>>) {
    for l in REQUIRED {
        assert!(classes.contains_key(*l), "no {l}.log in {}", dir.display());
    }
    for v in VERBOSITIES {
        let name = v.replace(':', "-");
        let Some(found) = classes.get(&name) else {
            panic!("no {name}.log in {}", dir.display());
        };
        assert_eq!(
            found.is_empty(),
            !v.ends_with("verbose"),
            "{name}: SQLSTATE classes only where the server wrote SQLSTATEs"
        );
    }
    // The workload's errors, by the class of their SQLSTATE: failed logins (28), missing
    // database (3D), syntax error and missing table (42), unique violation (23), division
    // by zero (22), lock timeout (55), statement timeout (57), deadlock (40).
    assert_eq!(
        classes["C-verbose"],
        ["22", "23", "28", "3D", "40", "42", "55", "57"]
    );
}

#[test]
fn committed_translated_logs_read_as_the_english_one() {
    let dir = common::repo().join("sample-logs/translated");
    let classes = compare_with_english(&dir);
    check_languages(&dir, &classes);
    assert_eq!(
        classes.len(),
        11 + VERBOSITIES.len() + PREFIXES.len(),
        "{:?}",
        classes.keys()
    );
}

/// The same prefixes on PostgreSQL 18, whose `%L` prints the server's address.
#[test]
fn committed_pg18_prefixed_logs_read_as_its_english_one() {
    let classes = compare_with_english(&common::repo().join("sample-logs/translated/pg18"));
    assert_eq!(classes.len(), PREFIXES.len(), "{:?}", classes.keys());
}

#[test]
#[ignore = "slow: needs postgresql-15 and locales"]
fn translated_servers_report_what_the_english_one_does() {
    if !common::require_postgres() || !locales_ready() {
        return;
    }
    let mut specs = vec!["C", "all-prefixes"];
    specs.extend(REQUIRED);
    specs.extend(VERBOSITIES);
    let out = common::gen_translated(&specs);
    check_languages(out.path(), &compare_with_english(out.path()));
}

/// The required languages' UTF-8 locales exist, or the script can generate them (root).
fn locales_ready() -> bool {
    let run = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_lowercase())
            .unwrap_or_default()
    };
    let have = run("locale", &["-a"]);
    let ready = run("id", &["-u"]).trim() == "0"
        || REQUIRED.iter().all(|l| {
            let region = if *l == "zh_CN" {
                "zh_cn".to_string()
            } else {
                format!("{l}_")
            };
            have.lines()
                .any(|x| x.starts_with(&region) && x.contains("utf"))
        });
    if !ready {
        common::unavailable("UTF-8 locales for de, fr, es, ja, ru, zh_CN (locale-gen)");
    }
    ready
}

/// The text report names the other reading and the option that forces it.
#[test]
fn a_prefix_tie_is_named_in_the_text_report() {
    let log = common::repo().join("sample-logs/translated/C@spilo.log");
    let out = common::pgtriage(&["analyze", "--no-stats", common::path_str(&log)]);
    let text = String::from_utf8_lossy(&out.stdout).replace("\n    ", " ");
    assert!(
        text.contains("prefix tie: '%t [%p]: [%l-1] %c %l %u %d %a %h '")
            && text.contains("force one with --prefix"),
        "{text}"
    );
}
