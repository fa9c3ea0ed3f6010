//! A real PostgreSQL 15, driven into events by scripts/gen-sample-logs.sh (which says in
//! expected-counts.tsv how many of each it caused); pgtriage must find exactly those.
//! The other majors: tests/real_majors.rs.

mod common;

use std::process::Command;

#[test]
#[ignore = "slow: needs PostgreSQL 15 (Debian's postgresql-15; runuser as root) and runs every scenario for minutes"]
fn findings_on_a_real_server_match_what_the_scenarios_caused() {
    if !common::require_postgres() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(common::repo().join("scripts/gen-sample-logs.sh"))
        .arg("--out")
        .arg(out.path())
        .status()
        .expect("run scripts/gen-sample-logs.sh");
    assert!(status.success(), "gen-sample-logs.sh failed");

    let want = common::planned::expected_counts(out.path());
    let failures = common::planned::count_mismatches(out.path(), &want);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let ids_seen: std::collections::BTreeSet<&String> = want
        .iter()
        .filter(|(_, planned)| planned.certain())
        .map(|((_, id), _)| id)
        .collect();
    assert!(
        ids_seen.len() >= 12,
        "only {} ids triggered for real: {ids_seen:?}",
        ids_seen.len()
    );
}
