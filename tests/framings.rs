//! Line shapes and outer framings of real pasted logs (tests/framings/, sources in
//! SOURCES.md there) and of the pgBadger fixtures' syslog and Heroku logs: each framing
//! is recognised and peeled, its records are classified as the same events are
//! elsewhere, and other programs' lines are not taken as the server's.

mod common;

use serde_json::Value;

/// The report, whether or not a critical finding gated it (a crash loop does).
fn analyze(path: &str) -> Value {
    let out = common::pgtriage(&["analyze", "--output", "json", "--no-policy", path]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{path}: {out:?}");
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn framings(file: &str) -> String {
    format!("tests/framings/{file}")
}

fn count(input: &Value, key: &str) -> u64 {
    input[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key}: {input}"))
}

/// Every line is a record, part of one, blank, an orphan or another program's.
fn assert_lines_accounted(input: &Value) {
    let parts = [
        "records",
        "continuation_lines",
        "orphan_lines",
        "blank_lines",
    ];
    let sum: u64 = parts.iter().map(|k| count(input, k)).sum();
    assert_eq!(
        count(input, "lines"),
        sum + count(input, "other_program_lines"),
        "{input}"
    );
}

#[test]
fn a_viewers_time_glued_to_the_level_is_peeled_and_the_crash_loop_classified() {
    let r = analyze(&framings("glued-time.log"));
    let input = &r["inputs"][0];
    assert_eq!(input["framing"], "glued-time");
    assert_eq!(
        count(input, "records"),
        11,
        "DETAIL and HINT join the WARNING"
    );
    let found = common::finding_counts(&r);
    for id in [
        "server.process-exited",
        "server.terminating-other-processes",
        "server.crash-of-another-process",
        "server.reinitializing",
        "server.crash-recovery",
        "server.ready",
    ] {
        assert_eq!(found.get(id), Some(&1), "{id}: {found:?}");
    }
    assert_eq!(r["stats"]["warning_or_worse_classified"], 1);
    assert_lines_accounted(input);
    // The viewer's day-first time is kept, as a time.
    let ready = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "server.ready")
        .unwrap();
    assert_eq!(ready["first_seen"], "2017-07-17T20:31:14.000");
}

#[test]
fn journald_output_is_peeled_and_its_notes_are_not_records() {
    let r = analyze(&framings("journald-short-iso.log"));
    let input = &r["inputs"][0];
    assert_eq!(input["framing"], "journald");
    assert_eq!(
        count(input, "other_program_lines"),
        1,
        "the `-- Logs begin` note"
    );
    assert_eq!(count(input, "records"), 1);
    assert_lines_accounted(input);
    let r = analyze(&framings("journald-short.log"));
    assert_eq!(
        common::finding_counts(&r).get("checkpoint.clean-start"),
        Some(&1)
    );
}

#[test]
fn patroni_and_client_lines_beside_the_server_are_not_server_records() {
    let r = analyze(&framings("spilo-patroni.log"));
    let input = &r["inputs"][0];
    // Eight Patroni lines and `psql: FATAL:  role "postgres" does not exist`.
    assert_eq!(count(input, "other_program_lines"), 9, "{input}");
    assert_eq!(r["stats"]["warning_or_worse_records"], 0);
    assert_eq!(input["prefix"], "%t [%p]: [%l-1] %c %l     ");
    assert_lines_accounted(input);
    let r = analyze(&framings("entrypoint-echo.log"));
    let input = &r["inputs"][0];
    assert_eq!(count(input, "other_program_lines"), 2, "Go's log lines");
    assert_eq!(r["stats"]["warning_or_worse_records"], 2);
    assert_eq!(r["stats"]["warning_or_worse_classified"], 2);
}

#[test]
fn lines_that_lost_their_prefix_are_still_records() {
    let r = analyze(&framings("lost-prefix.log"));
    let input = &r["inputs"][0];
    assert_eq!(count(input, "records"), 6);
    assert_eq!(r["stats"]["warning_or_worse_records"], 3);
    let found = common::finding_counts(&r);
    assert_eq!(found.get("server.crash-of-another-process"), Some(&1));
    assert_eq!(found.get("server.process-crashed"), Some(&1));
}

#[test]
fn cloudnativepg_stderr_passthrough_is_read_with_its_records() {
    let r = analyze(&framings("cnpg-passthrough.log"));
    let input = &r["inputs"][0];
    assert_eq!(input["format"], "jsonlog");
    assert_eq!(count(input, "records"), 2, "a passthrough LOG and a record");
    assert_eq!(
        count(input, "continuation_lines"),
        1,
        "the passthrough HINT"
    );
    assert_eq!(count(input, "unprefixed_records"), 0);
}

#[test]
fn csvlog_of_postgresql_9_is_detected_without_format() {
    let r = analyze(&framings("csvlog-9.3.csv"));
    let input = &r["inputs"][0];
    assert_eq!(input["format"], "csvlog");
    assert_eq!(count(input, "records"), 4);
    assert_eq!(
        common::finding_counts(&r).get("server.ready"),
        Some(&1),
        "{r}"
    );
}

/// pgBadger's pg-syslog.1 (rsyslog) and logplex.gz (Heroku): framing peeled, the prefix
/// learnt without it, `[N-2]` chunks and `#011` TABs joined to their record, systemd's
/// lines not the server's.
#[test]
fn syslog_and_logplex_fixtures_are_peeled() {
    let Some(shared) = common::shared_data() else {
        return;
    };
    let dir = shared.join("pgbadger-fixtures");
    let r = analyze(common::path_str(&dir.join("pg-syslog.1.bz2")));
    let input = &r["inputs"][0];
    assert_eq!(input["framing"], "syslog");
    assert_eq!(input["prefix"], "db=%d,user=%u,app=%a,client=%h ");
    assert_eq!(count(input, "records"), 59896);
    assert_eq!(count(input, "unprefixed_records"), 0);
    assert_eq!(count(input, "other_program_lines"), 3, "systemd's lines");
    assert_eq!(count(input, "prefix_mismatches"), 0);
    assert_lines_accounted(input);

    let r = analyze(common::path_str(&dir.join("logplex.gz")));
    let input = &r["inputs"][0];
    assert_eq!(input["framing"], "logplex");
    assert_eq!(input["prefix"], "sql_error_code = %e ");
    assert_eq!(count(input, "records"), 10);
    assert_eq!(count(input, "unprefixed_records"), 0);
    assert_eq!(count(input, "prefix_mismatches"), 0);
    let found = common::finding_counts(&r);
    assert_eq!(found.get("lock.deadlock"), Some(&1), "{found:?}");
    assert_eq!(found.get("lock.wait-logged"), Some(&1), "{found:?}");
    assert_lines_accounted(input);
}

#[test]
fn compose_lines_padded_to_the_terminal_width_still_match() {
    let r = analyze(&framings("compose-padded.log"));
    let input = &r["inputs"][0];
    assert_eq!(input["framing"], "compose");
    assert_eq!(
        common::finding_counts(&r).get("auth.password-failed"),
        Some(&1)
    );
    assert_eq!(r["stats"]["warning_or_worse_classified"], 1);
}

#[test]
fn a_container_name_before_cloudnativepg_json_is_peeled() {
    let r = analyze(&framings("cnpg-container-prefix.log"));
    let input = &r["inputs"][0];
    assert_eq!(input["format"], "jsonlog");
    assert_eq!(input["framing"], "kubernetes");
    assert_eq!(count(input, "records"), 2);
    assert_eq!(count(input, "unprefixed_records"), 0);
}

/// pg_ctl's progress dots with the server's first line glued after them (the official
/// image's first start under `docker compose up`): that line keeps its own prefix's time.
#[test]
fn a_server_line_glued_to_pg_ctl_dots_keeps_its_time() {
    let r = analyze(&framings("pg_ctl-dots.log"));
    assert_eq!(r["inputs"][0]["prefix_mismatches"], 0, "{}", r["inputs"][0]);
    let starting = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "server.starting")
        .expect("server.starting");
    assert_eq!(starting["first_seen"], "2023-11-16T04:59:54.861Z");
}
