//! Secrets planted on a real PostgreSQL 15 (scripts/scenarios/redaction.sh) never reach
//! any output format by default; with --show-sensitive they do, which shows they were
//! there to leak. The canaries sit everywhere a server log carries credentials or personal
//! data: a password in CREATE ROLE and in ALTER ROLE, a bind parameter, a unique
//! violation's row value, statement text, a connection string's password, an
//! application_name, a user mapping's password option, a COPY row, an error's CONTEXT.

mod common;

use std::process::Command;

const MARKERS: &[&str] = &[
    "pw-marker-7f3a",
    "param-marker-91c2",
    "row-marker-5d8e",
    "canary-stmt-3b1e",
    "canary-conn-8d2f",
    "canary-alter-4c6a",
    "canary-app-9e7b",
    "canary-fdw-2a9d",
    "canary-copy-6f1c",
    "canary-ctx-7a3e",
];

#[test]
#[ignore = "slow: needs PostgreSQL 15 (Debian's postgresql-15; runuser as root)"]
fn planted_secrets_appear_in_no_output_format() {
    if !common::require_postgres() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(common::repo().join("scripts/gen-sample-logs.sh"))
        .args(["--only", "redaction", "--out"])
        .arg(out.path())
        .status()
        .expect("run scripts/gen-sample-logs.sh");
    assert!(status.success());
    let log = out.path().join("redaction-secrets.log");
    let log = common::path_str(&log);
    let raw = std::fs::read_to_string(log).unwrap();
    for m in MARKERS {
        assert!(raw.contains(m), "the server log holds {m}");
    }
    // Every level fails the gate, so every finding and group is rendered in full.
    for format in [
        "table", "json", "jsonl", "markdown", "github", "junit", "html",
    ] {
        let out = common::pgtriage(&[
            "analyze",
            "--no-policy",
            "--fail-on",
            "info",
            "--output",
            format,
            log,
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.trim().is_empty(), "{format}: empty output");
        for m in MARKERS {
            assert!(!text.contains(m), "{format} output shows {m}:\n{text}");
        }
    }
    let out = common::pgtriage(&[
        "analyze",
        "--no-policy",
        "--show-sensitive",
        "--output",
        "json",
        log,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let shown: Vec<&&str> = MARKERS.iter().filter(|m| text.contains(**m)).collect();
    assert!(
        !shown.is_empty(),
        "--show-sensitive shows what redaction hides:\n{text}"
    );
}
