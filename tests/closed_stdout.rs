//! A reader that went away (`| head` has its lines, `less` quit early) ends every command
//! quietly, with the status it would have had: the gate's verdict for `analyze`, 0 for the
//! rest. The pipe's read end is closed before pgtriage starts, so every write fails.
//! `tail` is swept in tests/docker_tail/closed_stdout.rs: it needs the engine.

mod common;

use std::process::{Command, Output};

fn with_closed_stdout(args: &[&str]) -> Output {
    let program = env!("CARGO_BIN_EXE_pgtriage");
    common::pipes::with_closed_stdout(program, args, &common::repo())
}

/// No panic text, the expected status, and nothing on stderr: a closed pipe is not news.
fn assert_quiet(args: &[&str], code: i32) {
    let out = with_closed_stdout(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(out.stderr.is_empty(), "{args:?}: {err}");
}

const FORMATS: [&str; 7] = [
    "table", "json", "jsonl", "markdown", "github", "junit", "html",
];

#[test]
fn analyze_in_every_format_keeps_its_gate_verdict() {
    // A real first start whose locale warning fails the prod gate and passes in dev.
    let log = "sample-logs/first-start-no-locale.log";
    for format in FORMATS {
        for (env, code) in [("prod", 1), ("dev", 0)] {
            let args = [
                "analyze",
                "--no-policy",
                "--env",
                env,
                "--output",
                format,
                log,
            ];
            assert_quiet(&args, code);
        }
    }
}

#[test]
fn patterns_explain_and_policy_init_end_with_0() {
    let log = "sample-logs/first-start-no-locale.log";
    let cases: [&[&str]; 7] = [
        &["patterns"],
        &["patterns", "--output", "json"],
        &["explain", "locale.no-system-locales"],
        &[
            "explain",
            "locale.no-system-locales",
            "--output",
            "markdown",
        ],
        &["policy", "init", "--file", "-", log],
        &["policy", "init", "--file", "/dev/stdout", "--force", log],
        &["policy", "init", "--file", "-", "--env", "dev", log],
    ];
    for args in cases {
        assert_quiet(args, 0);
    }
}

#[test]
fn policy_init_to_stdout_prints_the_stubs_and_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = common::repo().join("sample-logs/first-start-no-locale.log");
    let out = Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(["policy", "init", "--file", "-", common::path_str(&log)])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("# [[accept]]\n# id = \"locale.no-system-locales\""),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
