//! The statistics of what the server did: pgBadger's published figures on its own fixtures
//! (its t/03_consistency.t, listed in ../shared/data/pgbadger-fixtures/SOURCE.md), and
//! exact merging of every statistics collector on real logs.

mod common;

use pgtriage::catalogue::Catalogue;
use pgtriage::collect::stats::{self, Ctx, Stats};
use pgtriage::collect::{seq_base, Collector};
use pgtriage::flow::Flow;
use pgtriage::pipeline::LogStream;
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;
use serde_json::Value;
use std::path::PathBuf;

/// The JSON report's `stats` of one pgBadger fixture, or `None` without the shared data.
fn fixture_stats(file: &str) -> Option<Value> {
    let path = common::shared_file(&format!("pgbadger-fixtures/{file}"))?;
    let r = common::analyze_json(
        &[
            "--no-policy",
            "--fail-on",
            "critical",
            common::path_str(&path),
        ],
        0,
    );
    Some(r["stats"].clone())
}

fn count_of(list: &Value, name: &str) -> u64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .map_or(0, |n| n["count"].as_u64().unwrap())
}

#[test]
fn light_log_has_pgbadgers_629_queries_by_postgres_on_postgres() {
    let Some(s) = fixture_stats("light.postgres.log.bz2") else {
        return;
    };
    let q = &s["queries"];
    assert_eq!(q["count"], 629);
    let top = &q["top_by_total"][0];
    assert_eq!(top["databases"]["names"], serde_json::json!(["postgres"]));
    assert_eq!(top["users"]["names"], serde_json::json!(["postgres"]));
    let by_type: u64 = q["by_type"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_type, 629);
    let per_hour: u64 = s["hourly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["queries"].as_u64().unwrap())
        .sum();
    assert_eq!(per_hour, 629);
}

#[test]
fn pg_vacuums_has_pgbadgers_autovacuum_figures_in_stderr_and_jsonlog() {
    for file in ["pg_vacuums.log.gz", "pg_vacuums.json.gz"] {
        let Some(s) = fixture_stats(file) else {
            return;
        };
        let v = &s["autovacuum"];
        assert_eq!(v["vacuums"], 2094, "{file}");
        assert_eq!(v["analyzes"], 1450, "{file}");
        let hour = |h: &str| {
            s["hourly"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["hour"] == h)
                .cloned()
                .unwrap_or_else(|| panic!("{file}: no hour {h}"))
        };
        assert_eq!(
            hour("2024-06-27T01:00:00.000+02:00")["autoanalyzes"],
            474,
            "{file}"
        );
        assert_eq!(
            hour("2024-06-27T02:00:00.000+02:00")["autovacuums"],
            730,
            "{file}"
        );
        // The continuation lines were read: removed tuples and buffer usage per table.
        assert!(v["tuples_removed"].as_u64().unwrap() > 0, "{file}");
        assert!(
            v["tables"][0]["buffer_hits"].as_u64().unwrap() > 0,
            "{file}"
        );
    }
}

#[test]
fn cnpg_has_pgbadgers_378_connections_to_postgres() {
    let Some(s) = fixture_stats("cnpg.log.gz") else {
        return;
    };
    assert_eq!(count_of(&s["sessions"]["by_database"], "postgres"), 378);
}

#[test]
fn cloudsql_has_pgbadgers_151_connections_to_cloudsqladmin() {
    let Some(s) = fixture_stats("cloudsql.log.gz") else {
        return;
    };
    assert_eq!(
        count_of(&s["sessions"]["by_database"], "cloudsqladmin"),
        151
    );
    // Cloud SQL's prefix has no time: each entry's `timestamp` gives it, so the half hour
    // of the export is one hour of the clock, holding every connection.
    let hours = s["hourly"].as_array().unwrap();
    assert_eq!(hours.len(), 1, "{hours:?}");
    assert_eq!(hours[0]["hour"], "2020-05-02T13:00:00.000Z");
    assert_eq!(hours[0]["connections"], s["sessions"]["connections"]);
}

/// `%m [%p] [queryid=%Q] %u@%d ` is detected (the `]` closes the labelled value), so the
/// queries have times: per hour as pgBadger counts them, 3 at 14:00 and 17 at 16:00.
#[test]
fn queryid_log_has_pgbadgers_queries_per_hour() {
    let Some(s) = fixture_stats("queryid.log.gz") else {
        return;
    };
    let hours: Vec<(&str, u64)> = s["hourly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["hour"].as_str().unwrap(), h["queries"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        hours,
        [
            ("2022-02-17T14:00:00.000Z", 3),
            ("2022-02-17T16:00:00.000Z", 17)
        ]
    );
}

#[test]
fn begin_and_end_keep_one_hour_of_the_clock_as_logged() {
    let Some(path) = common::shared_file("pgbadger-fixtures/pg_vacuums.log.gz") else {
        return;
    };
    let r = common::analyze_json(
        &[
            "--no-policy",
            "--fail-on",
            "critical",
            "--begin",
            "2024-06-27 02:00:00",
            "--end",
            "2024-06-27 02:59:59",
            common::path_str(&path),
        ],
        0,
    );
    let hours = r["stats"]["hourly"].as_array().unwrap();
    assert_eq!(hours.len(), 1, "{hours:?}");
    assert_eq!(r["stats"]["autovacuum"]["vacuums"], 730);
}

#[test]
fn no_stats_leaves_the_report_as_before() {
    let r = common::analyze_json(
        &[
            "--no-policy",
            "--no-stats",
            "sample-logs/sql-statements.log",
        ],
        0,
    );
    let keys: Vec<&String> = r["stats"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
}

/// Logs with every kind of event the collectors read: statements with durations, temp
/// files and cancels, lock waits, checkpoints, autovacuum reports, connections.
fn logs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "sample-logs/sql-statements.log",
        "sample-logs/sql-locks.log",
        "sample-logs/maintenance-checkpoints.log",
        "sample-logs/maintenance-autovacuum.log",
        "sample-logs/access-connection-lifecycle.log",
        "sample-logs/sql-errors.log",
    ]
    .iter()
    .map(|f| common::repo().join(f))
    .collect();
    if let Some(shared) = common::shared_data() {
        files.push(shared.join("pgbadger-fixtures/light.postgres.log.bz2"));
        files.push(shared.join("pgbadger-fixtures/cnpg.log.gz"));
    }
    files
}

fn read(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut opened = pgtriage::source::open(path.to_str().unwrap()).unwrap();
    std::io::Read::read_to_end(&mut opened.reader, &mut bytes).unwrap();
    bytes
}

/// Feeds `bytes` as input `index` to a flow whose observations go to `c`.
fn feed<C: Collector>(cat: &Catalogue, v: &Verdict, index: usize, bytes: &[u8], c: &mut C) {
    let mut flow = Flow::new(cat, v, seq_base(index));
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        flow.record(r, "input", &[], &mut |o| c.observe(o));
    };
    stream.feed(bytes, &mut sink);
    stream.finish(&mut sink);
}

/// One collector over every log equals one per log, merged in order and in reverse.
fn assert_merge_is_exact<C>(name: &str, make: impl Fn(Ctx<'static>) -> C)
where
    C: Collector,
    C::Output: serde::Serialize,
{
    let cat = Catalogue::builtin().unwrap();
    let v = Verdict::new(Env::Prod, Severity::Error, None, None, false);
    let ctx = Ctx::new(cat, false);
    let inputs: Vec<Vec<u8>> = logs().iter().map(|p| read(p)).collect();
    let mut one = make(ctx.clone());
    for (i, bytes) in inputs.iter().enumerate() {
        feed(cat, &v, i, bytes, &mut one);
    }
    let expected = serde_json::to_value(one.finish()).unwrap();
    let parts = || {
        inputs.iter().enumerate().map(|(i, bytes)| {
            let mut c = make(ctx.clone());
            feed(cat, &v, i, bytes, &mut c);
            c
        })
    };
    for reverse in [false, true] {
        let mut all: Vec<C> = parts().collect();
        if reverse {
            all.reverse();
        }
        let mut it = all.into_iter();
        let mut merged = it.next().unwrap();
        it.for_each(|p| merged.merge(p));
        let got = serde_json::to_value(merged.finish()).unwrap();
        assert_eq!(got, expected, "{name}, reverse: {reverse}");
    }
    assert!(
        expected.to_string().len() > 200,
        "{name}: vacuous {expected}"
    );
}

#[test]
fn queries_merge_exactly() {
    assert_merge_is_exact("queries", stats::queries::Queries::new);
}

#[test]
fn checkpoints_merge_exactly() {
    assert_merge_is_exact("checkpoints", stats::checkpoints::Checkpoints::new);
}

#[test]
fn autovacuum_merges_exactly() {
    assert_merge_is_exact("autovacuum", stats::autovacuum::Autovacuum::new);
}

#[test]
fn sessions_merge_exactly() {
    assert_merge_is_exact("sessions", stats::sessions::Sessions::new);
}

#[test]
fn locks_temp_files_and_cancels_merge_exactly() {
    assert_merge_is_exact("events", stats::events::Events::new);
}

#[test]
fn errors_merge_exactly() {
    assert_merge_is_exact("errors", |_| stats::errors::Errors::default());
}

#[test]
fn hourly_merges_exactly() {
    assert_merge_is_exact("hourly", stats::hourly::Hourly::new);
}

#[test]
fn all_statistics_merge_exactly() {
    assert_merge_is_exact("stats", |c| Stats::new(&c));
}

/// A statement remembered with other numbers has the shape normalising it gives: every
/// statement of the real logs (the text after `statement: ` on its line), in log order,
/// through one `Shapes`.
#[test]
fn remembered_shapes_are_the_shapes_of_every_logged_statement() {
    use pgtriage::collect::stats::normalize::{normalize, statement_type};
    let mut shapes = stats::shapes::Shapes::default();
    let mut statements = 0;
    for path in logs() {
        for line in read(&path).split(|b| *b == b'\n') {
            let Some(at) = line.windows(11).position(|w| w == b"statement: ") else {
                continue;
            };
            let text = &line[at + 11..];
            let mut fresh = Vec::new();
            normalize(&mut fresh, text);
            let want = match String::from_utf8_lossy(&fresh) {
                s if s.is_empty() => "(empty statement)".to_string(),
                s => s.into_owned(),
            };
            let shape = shapes.of(text, None);
            assert_eq!(
                (shape.key, shape.kind),
                (want.as_str(), statement_type(&fresh))
            );
            statements += 1;
        }
    }
    let least = if common::shared_data().is_some() {
        1000
    } else {
        5
    };
    assert!(statements >= least, "{statements} statements");
}
