//! The hostile-input table of docs/reliability.md, one test per row: what the user sees,
//! the exit code, and that the findings made before the bad spot are kept.
//!
//! The good part of each input is real: lines from sample-logs/, which the project's
//! scripts took from real PostgreSQL servers. The hostile part (random bytes, a cut, NULs,
//! CRs, a reordering) is synthetic, made here, and each test says so.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod compressed;
mod config;
mod moving;
mod plain;
mod records;
mod structured;
mod sweep;

use std::process::Output;

/// A real log whose records raise findings of every kind: syntax errors, a missing
/// relation, a division by zero, each with its STATEMENT line.
pub const GOOD: &str = "sample-logs/sql-errors.log";

pub fn good() -> Vec<u8> {
    std::fs::read(common::repo().join(GOOD)).unwrap()
}

/// The findings the good part alone gives, to compare with what survives the damage.
pub fn good_counts() -> std::collections::BTreeMap<String, u64> {
    let r = common::analyze_json(&["--no-policy", GOOD], 1);
    common::finding_counts(&r)
}

/// No panic and no "internal error" reached the user, and the status is not 3.
pub fn assert_no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    assert_ne!(out.status.code(), Some(3), "{err}");
}

/// The report of a run that read past the damage, whose gate failed as the good part's
/// does.
pub fn failed_report(out: &Output) -> serde_json::Value {
    assert_no_panic(out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    report(out)
}

/// Each finding of the good part: its id, its count there, and its count in `r`.
pub fn beside_good(r: &serde_json::Value) -> Vec<(String, u64, u64)> {
    let now = common::finding_counts(r);
    good_counts()
        .into_iter()
        .map(|(id, n)| {
            let got = now.get(&id).copied().unwrap_or(0);
            (id, n, got)
        })
        .collect()
}

/// The JSON report on stdout, which must be whole even when reading failed.
pub fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a whole JSON document ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Every finding of the good part is there, at least as often.
pub fn assert_kept(r: &serde_json::Value) {
    for (id, n, got) in beside_good(r) {
        assert!(got >= n, "{id}: {got} < {n} before the damage");
    }
}

/// `analyze --output json` over stdin.
pub fn analyze_stdin(input: &[u8]) -> Output {
    common::pgtriage_stdin(&["analyze", "--no-policy", "--output", "json", "-"], input)
}

/// A deterministic stream of pseudo-random bytes (xorshift), so a failure can be replayed.
pub fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// Writes `bytes` to a temporary file named `*suffix`.
pub fn temp_file(suffix: &str, bytes: &[u8]) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}
