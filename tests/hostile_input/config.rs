//! Policy and baseline files that are malformed, huge, or from a newer pgtriage. Each is
//! refused (or read) before any log is, so there are no findings to lose: a refusal is
//! exit 2 with the file named and nothing on stdout. The files are made here; the log is
//! the real sample-logs/sql-errors.log.

use super::{assert_no_panic, report, temp_file, GOOD};
use std::fmt::Write;

fn analyze_with(flag: &str, file: &tempfile::NamedTempFile) -> std::process::Output {
    let path = super::common::path_str(file.path());
    super::common::pgtriage(&["analyze", "--output", "json", flag, path, GOOD])
}

/// Exit 2, the reason on stderr naming the file, and no report.
fn assert_refused(out: &std::process::Output, file: &tempfile::NamedTempFile, reason: &str) {
    assert_no_panic(out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no report when a setting file is refused"
    );
    let path = super::common::path_str(file.path());
    assert!(err.contains(path) && err.contains(reason), "{err}");
}

#[test]
fn a_malformed_policy_is_refused_with_its_line() {
    let f = temp_file(".toml", b"env = \"prod\"\n[[accept]\nid = \"x\"\n");
    assert_refused(&analyze_with("--policy", &f), &f, ":2:");
    let f = temp_file(".toml", b"\xff\xfe not text\n");
    assert_refused(&analyze_with("--policy", &f), &f, "");
}

#[test]
fn a_policy_from_a_newer_pgtriage_names_what_it_does_not_know() {
    // A key and a table this version has no meaning for: refusing them beats ignoring an
    // acceptance rule the team relies on.
    let f = temp_file(".toml", b"env = \"prod\"\nversion = 2\n");
    assert_refused(&analyze_with("--policy", &f), &f, "unknown field `version`");
    let text =
        b"[[accept]]\nid = \"sql.division-by-zero\"\nreason = \"r\"\nexpires_on = \"2030-01-01\"\n";
    let f = temp_file(".toml", text);
    assert_refused(
        &analyze_with("--policy", &f),
        &f,
        "unknown field `expires_on`",
    );
}

#[test]
fn a_huge_policy_is_read() {
    // 20,000 acceptances of one entry, each narrowed to its own container: about 2 MB.
    let mut text = String::from("env = \"prod\"\n");
    for i in 0..20_000 {
        let _ = writeln!(
            text,
            "[[accept]]\nid = \"sql.division-by-zero\"\nreason = \"case {i}\"\ncontainer = \"c{i}\"\n"
        );
    }
    let f = temp_file(".toml", text.as_bytes());
    let out = analyze_with("--policy", &f);
    assert_no_panic(&out);
    // None of the containers is this log's: the gate fails as without a policy.
    assert_eq!(out.status.code(), Some(1));
    assert!(super::common::finding_counts(&report(&out)).contains_key("sql.division-by-zero"));
}

/// A real report of the good log, as `--baseline` takes it.
fn baseline_text() -> String {
    let out = super::common::pgtriage(&["analyze", "--no-policy", "--output", "json", GOOD]);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_malformed_baseline_is_refused() {
    let text = baseline_text();
    let f = temp_file(".json", &text.as_bytes()[..text.len() / 2]);
    assert_refused(&analyze_with("--baseline", &f), &f, "--baseline");
    let f = temp_file(".json", b"[1, 2, 3]");
    assert_refused(&analyze_with("--baseline", &f), &f, "--baseline");
}

#[test]
fn a_baseline_from_a_newer_schema_is_refused_with_both_versions() {
    let text = baseline_text().replacen("\"schema_version\": 1", "\"schema_version\": 2", 1);
    assert!(text.contains("\"schema_version\": 2"), "{text}");
    let f = temp_file(".json", text.as_bytes());
    let out = analyze_with("--baseline", &f);
    assert_refused(&out, &f, "schema_version 2 (this pgtriage reads 1)");
}

#[test]
fn a_huge_baseline_is_read() {
    // The real report with 100,000 more unclassified groups: about 20 MB.
    let mut doc: serde_json::Value = serde_json::from_str(&baseline_text()).unwrap();
    let groups = doc["unclassified"].as_array_mut().unwrap();
    for i in 0..100_000 {
        groups.push(serde_json::json!({
            "severity": "ERROR", "count": 1, "sample": format!("shape {i} of many"),
        }));
    }
    let f = temp_file(".json", doc.to_string().as_bytes());
    let out = analyze_with("--baseline", &f);
    assert_no_panic(&out);
    // Every finding of the log is in its own baseline: nothing new fails the gate.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
