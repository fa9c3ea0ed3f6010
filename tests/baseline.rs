//! `--baseline` matches unclassified groups by fingerprint (level and message shape), the
//! identity that groups them within a run. The log lines here are HAND-MADE in
//! PostgreSQL's stderr layout: an invented message ("frobnicator") that no catalogue entry
//! will ever explain, so the lines stay unclassified by construction.

mod common;

use common::pgtriage;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// `analyze` exit code and stdout for `args` (never the repository's own policy).
fn analyze(args: &[&str]) -> (i32, String) {
    let mut all = vec!["analyze", "--no-policy"];
    all.extend_from_slice(args);
    let out = pgtriage(&all);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// A baseline taken from `log` with `extra` flags.
fn baseline(dir: &Path, log: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["--output", "json", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, json) = analyze(&args);
    assert_eq!(code, 1, "the unclassified ERROR gates without a baseline");
    let p = dir.join(format!("baseline-{}.json", extra.len()));
    std::fs::write(&p, json).unwrap();
    p
}

fn gate_with(base: &Path, log: &Path) -> i32 {
    analyze(&["--baseline", base.to_str().unwrap(), log.to_str().unwrap()]).0
}

const START: &str =
    "2026-11-27 19:48:20.001 CET [1] LOG:  database system is ready to accept connections";

#[test]
fn an_unclassified_group_in_the_baseline_is_known_whatever_its_names_values_or_zone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let alpha = write(
        d,
        "alpha.log",
        &[
            START,
            "2026-11-27 19:48:21.343 CET [57] ERROR:  frobnicator \"alpha\" exploded after 3 tries",
        ],
    );
    let beta = write(
        d,
        "beta.log",
        &[
            START,
            "2026-11-28 08:00:00.000 CET [91] ERROR:  frobnicator \"beta\" exploded after 12 tries",
        ],
    );
    let other = write(
        d,
        "other.log",
        &[
            START,
            "2026-11-28 08:00:00.000 CET [91] ERROR:  frobnicator \"beta\" imploded after 12 tries",
        ],
    );
    let base = baseline(d, &alpha, &[]);
    assert_eq!(
        gate_with(&base, &beta),
        0,
        "the same group, other names and numbers"
    );
    assert_eq!(gate_with(&base, &other), 1, "a different message is new");

    // Taken with --show-sensitive (the sample shows the literal), read without it.
    let secret = write(
        d,
        "secret.log",
        &[
            START,
            "2026-11-27 19:48:21.343 CET [57] ERROR:  frobnicator 'hunter2' exploded",
        ],
    );
    let later = write(
        d,
        "later.log",
        &[
            START,
            "2026-11-29 10:00:00.000 CET [12] ERROR:  frobnicator 'swordfish' exploded",
        ],
    );
    let base = baseline(d, &secret, &["--show-sensitive"]);
    assert_eq!(gate_with(&base, &later), 0, "--show-sensitive baseline");

    // Across a time-zone change: the prefix differs, the message does not.
    let summer = write(
        d,
        "summer.log",
        &[
            "2027-04-01 09:00:00.000 CEST [1] LOG:  database system is ready to accept connections",
            "2027-04-01 09:00:01.000 CEST [8] ERROR:  frobnicator \"gamma\" exploded after 1 tries",
        ],
    );
    let base = baseline(d, &alpha, &[]);
    assert_eq!(gate_with(&base, &summer), 0, "CET baseline, CEST log");
}

#[test]
fn a_baseline_from_before_fingerprints_still_matches_by_its_sample() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let alpha = write(
        d,
        "alpha.log",
        &[
            START,
            "2026-11-27 19:48:21.343 CET [57] ERROR:  frobnicator \"alpha\" exploded",
        ],
    );
    let beta = write(
        d,
        "beta.log",
        &[
            START,
            "2026-11-28 08:00:00.000 UTC [91] ERROR:  frobnicator \"beta\" exploded",
        ],
    );
    let base = baseline(d, &alpha, &[]);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    for u in doc["unclassified"].as_array_mut().unwrap() {
        assert!(u.as_object_mut().unwrap().remove("fingerprint").is_some());
    }
    std::fs::write(&base, doc.to_string()).unwrap();
    assert_eq!(gate_with(&base, &beta), 0);
}
