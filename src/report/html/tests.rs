//! The page from the fixture report (src/report/fixture.rs), with statistics that take
//! every branch of the statistics sections, against src/report/snapshots/fixture.html; and
//! the rules every page keeps whatever it holds.

use super::render;
use super::stats::SECTIONS;
use crate::collect::stats::autovacuum::{TableEntry, TableRuns, VacuumStats};
use crate::collect::stats::capped::Named;
use crate::collect::stats::checkpoints::{CheckpointStats, Restartpoints};
use crate::collect::stats::errors::{ErrorStats, SqlstateClass};
use crate::collect::stats::events::{Amount, CancelStats, LockStats, NamedAmount, TempFileStats};
use crate::collect::stats::hourly::{Hour, HourCounts};
use crate::collect::stats::queries::{Names, Phases, QueryEntry, QueryStats};
use crate::collect::stats::sessions::{NamedSessions, SessionRow, SessionStats};
use crate::collect::stats::{Ctx, Stats};
use crate::collect::Collector;
use crate::report::fixture::{report, tests::assert_snapshot, HOSTILE};
use crate::report::model::Activity;
use serde_json::json;

fn named(name: &str, count: u64) -> Named {
    Named {
        name: name.to_string(),
        count,
    }
}

fn query(query: &str, count: u64, total_ms: f64, max_ms: f64) -> QueryEntry {
    QueryEntry {
        query: query.to_string(),
        count,
        total_ms,
        mean_ms: total_ms / count as f64,
        max_ms,
        p95_ms: max_ms * 0.9,
        first_seen: Some("2024-06-27T01:02:03.000+02:00".to_string()),
        last_seen: Some("2024-06-27T04:05:06.000+02:00".to_string()),
        databases: Names {
            names: vec!["app".to_string(), "<db>".to_string()],
            more: true,
        },
        users: Names::default(),
        example: Some("SELECT * FROM t WHERE id = $1".to_string()),
    }
}

fn queries() -> QueryStats {
    QueryStats {
        count: 1500,
        total_ms: 98_765.4,
        max_ms: 12_000.0,
        p95_ms: 250.5,
        normalized: 3,
        cap: 5000,
        by_type: json!({"select": 1200, "insert": 300, "ddl": 0})
            .as_object()
            .cloned()
            .unwrap(),
        phases: Phases {
            parse: 10,
            bind: 10,
            execute: 10,
            duration_only: 2,
            logged_without_duration: 4,
        },
        top_by_total: vec![
            query("SELECT * FROM t WHERE id = ?", 1200, 90_000.0, 12_000.0),
            query(HOSTILE, 3, 700.0, 400.0),
        ],
        top_by_count: vec![query(
            "SELECT * FROM t WHERE id = ?",
            1200,
            90_000.0,
            12_000.0,
        )],
        slowest: vec![],
        other: Some(query("other", 297, 8065.4, 90.0)),
    }
}

fn sessions() -> SessionStats {
    let row = |name: &str, sessions, total_ms| NamedSessions {
        name: name.to_string(),
        row: SessionRow { sessions, total_ms },
    };
    SessionStats {
        received: 380,
        connections: 378,
        replication_connections: 1,
        sessions: 370,
        total_ms: 3_700_000,
        mean_ms: 10_000,
        max_ms: 3_600_000,
        durations: json!({"<500ms": 300, "500ms-1s": 0, "1h-8h": 70})
            .as_object()
            .cloned()
            .unwrap(),
        peak_concurrent: 12,
        peak_at: Some("2024-06-27T02:30:00.000Z".to_string()),
        by_database: vec![named("app", 300), named(HOSTILE, 78)],
        by_user: vec![named("cloudsqladmin", 151)],
        by_application: vec![],
        by_client: vec![named("10.0.0.7", 378)],
        sessions_by_database: vec![row("app", 370, 3_700_000)],
        sessions_by_user: vec![],
        sessions_by_client: vec![row("10.0.0.7", 370, 3_700_000)],
        cap: 1000,
    }
}

fn amount(name: &str, count: u64, total: u64, max: u64) -> NamedAmount {
    NamedAmount {
        name: name.to_string(),
        amount: Amount { count, total, max },
    }
}

fn hourly() -> Vec<Hour> {
    let hour = |hour: &str, counts| Hour {
        hour: hour.to_string(),
        counts,
    };
    vec![
        hour(
            "2024-06-27T01:00:00.000+02:00",
            HourCounts {
                queries: 1000,
                query_us: 60_000_000,
                errors: 5,
                connections: 200,
                sessions: 190,
                checkpoints: 2,
                autovacuums: 474,
                autoanalyzes: 300,
                temp_files: 1,
                lock_waits: 3,
                cancelled: 1,
            },
        ),
        // Two quiet hours, then one.
        hour(
            "2024-06-27T04:00:00.000+02:00",
            HourCounts {
                queries: 500,
                query_us: 38_765_400,
                connections: 178,
                sessions: 180,
                autovacuums: 730,
                ..HourCounts::default()
            },
        ),
    ]
}

/// Statistics with a row in every table, hostile names, zeros, and gaps between hours.
pub fn activity() -> Activity {
    let runs = TableRuns {
        vacuums: 1204,
        analyzes: 300,
        pages_removed: 10,
        tuples_removed: 2000,
        buffer_hits: 5,
        buffer_misses: 6,
        buffer_dirtied: 7,
        elapsed_ms: 1500,
    };
    Activity {
        queries: queries(),
        checkpoints: CheckpointStats {
            count: 2,
            timed: 1,
            requested: 1,
            requested_wal: 1,
            buffers_written: 4096,
            wal_added: 1,
            write_ms: 2_500,
            sync_ms: 59,
            total_ms: 2_600,
            max_total_ms: 2_000,
            distance_kb: 388,
            max_distance_kb: 194,
            max_estimate_kb: 200,
            restartpoints: Restartpoints::default(),
            ..CheckpointStats::default()
        },
        autovacuum: VacuumStats {
            total: runs.clone(),
            tables_seen: 2,
            cap: 1000,
            tables: vec![TableEntry {
                table: format!("app.public.{HOSTILE}"),
                runs: runs.clone(),
            }],
            other: Some(TableRuns::default()),
        },
        sessions: sessions(),
        locks: LockStats {
            waits: 3,
            acquired: Amount {
                count: 2,
                total: 2_500_000,
                max: 2_000_000,
            },
            by_object: vec![named("relation 16384 of database 5", 3)],
            by_query: vec![amount(
                "UPDATE t SET a = ? WHERE id = ?",
                2,
                2_500_000,
                2_000_000,
            )],
        },
        temp_files: TempFileStats {
            files: Amount {
                count: 1,
                total: 10_485_760,
                max: 10_485_760,
            },
            by_query: vec![amount("(no statement logged)", 1, 10_485_760, 10_485_760)],
        },
        cancelled: CancelStats {
            count: 1,
            by_reason: vec![named("query.statement-timeout", 1)],
            by_query: vec![named("SELECT pg_sleep(?)", 1)],
        },
        errors: errors(),
        hourly: hourly(),
    }
}

fn errors() -> ErrorStats {
    ErrorStats {
        warning: 1,
        error: 3,
        fatal: 1,
        panic: 0,
        by_sqlstate_class: vec![
            SqlstateClass {
                class: "42".into(),
                name: Some("syntax error or access rule violation"),
                count: 3,
            },
            SqlstateClass {
                class: "P9".into(),
                name: None,
                count: 1,
            },
        ],
        by_message: vec![named("ERROR: relation \"<name>\" does not exist", 3)],
    }
}

#[test]
fn the_page_matches_its_snapshot() {
    let mut r = report();
    r.stats.activity = Some(activity());
    assert_snapshot("fixture.html", &render(&r));
}

/// What every page keeps: its sections, nothing fetched or run, log text inert.
fn assert_page_rules(page: &str) {
    for id in ["verdict", "findings", "advice", "unclassified", "inputs"]
        .into_iter()
        .chain(SECTIONS.iter().map(|s| s.id))
    {
        assert_eq!(
            page.matches(&format!(" id=\"{id}\"")).count(),
            1,
            "section {id}"
        );
    }
    for banned in [
        "<script", "<link", "<iframe", "<img", "@import", "url(", "src=", "on",
    ] {
        let at = |s: &str| {
            if banned == "on" {
                // Event handler attributes: ` onload=`, ` onclick=`...
                s.match_indices(" on").any(|(i, _)| {
                    let rest = &s[i + 3..];
                    let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
                    !name.is_empty() && rest[name.len()..].starts_with('=')
                })
            } else {
                s.contains(banned)
            }
        };
        assert!(!at(page), "the page holds {banned}");
    }
    // The only URL is SVG's namespace, which names rather than fetches.
    assert_eq!(
        page.matches("://").count(),
        page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(!page.contains("<script>x"), "hostile text is escaped");
    assert!(!page.contains('\u{1}'), "control characters are dropped");
}

#[test]
fn every_page_keeps_the_rules() {
    let mut r = report();
    r.stats.activity = Some(activity());
    let full = render(&r);
    assert_page_rules(&full);
    assert!(
        full.matches("<svg").count() >= 8,
        "a chart per area with data"
    );

    // Without statistics (tail, --no-stats): every section says so.
    let bare = render(&report());
    assert_page_rules(&bare);
    assert_eq!(
        bare.matches("Statistics were not collected").count(),
        SECTIONS.len()
    );
    assert!(!bare.contains("<svg"));

    // Statistics of a log without events: every section says what was not logged, and no
    // chart is drawn.
    let catalogue = crate::catalogue::Catalogue::builtin().unwrap();
    r.stats.activity = Some(Stats::new(&Ctx::new(catalogue, false)).finish());
    let quiet = render(&r);
    assert_page_rules(&quiet);
    assert!(!quiet.contains("<svg"));
    assert_eq!(quiet.matches("<p class=\"empty\">").count(), SECTIONS.len());
}
