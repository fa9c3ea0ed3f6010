//! Helpers shared by the integration tests: running the real binary, and finding the
//! shared data (pgBadger fixtures) that is not part of this repository.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared data directory: `PGTRIAGE_SHARED_DATA`, by default `../shared/data` beside
/// the repository. `None` when it is not there; tests that need it then skip, saying so.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PGTRIAGE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} not found; set PGTRIAGE_SHARED_DATA to run the tests that need it",
            dir.display()
        );
        None
    }
}

pub fn pgtriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("run pgtriage")
}

pub fn pgtriage_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pgtriage");
    // The binary may stop reading early (binary input); a broken pipe here is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().expect("wait for pgtriage")
}

/// Runs `analyze --output json` with `args`, checks the exit code, returns the document.
pub fn analyze_json(args: &[&str], expect_code: i32) -> serde_json::Value {
    let mut all = vec!["analyze", "--output", "json"];
    all.extend_from_slice(args);
    let out = pgtriage(&all);
    assert_eq!(
        out.status.code(),
        Some(expect_code),
        "pgtriage {all:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// `id → count` of a report's findings.
pub fn finding_counts(report: &serde_json::Value) -> std::collections::BTreeMap<String, u64> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `pgtriage tail ARGS --output json`: exit code, report, stderr.
pub fn tail_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut all = vec!["tail", "--output", "json"];
    all.extend_from_slice(args);
    let out = pgtriage(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pgtriage {all:?}: not JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), report, stderr)
}

/// The ids of a report's findings that count toward `--fail-on`.
pub fn gating_ids(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["gating"] == true)
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

/// A policy file with `text`, removed when dropped.
pub fn policy_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    f
}

/// `log`'s JSON report (no policy) saved for `--baseline`, and the exit code of that run.
pub fn baseline_of(log: &str) -> (tempfile::NamedTempFile, Option<i32>) {
    let out = pgtriage(&["analyze", "--output", "json", "--no-policy", log]);
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::io::Write::write_all(&mut f, &out.stdout).unwrap();
    (f, out.status.code())
}
