//! Statistics tables stay within their caps on a log with a million distinct statements,
//! users and clients: the peak RSS stays at or under 64 MB (issue 13) read on one thread,
//! on the default number, and on two (CI's cores), where chunks are merged as they come
//! (ADR bounded-parallel-merge); and the tables, full past their caps, merge exactly:
//! every run gives the same report, byte for byte.
//!
//! The log is a stress input generated here, not server output: three real lines of
//! sample-logs (a `duration: ... statement:` line of sql-statements.log, `connection
//! received` and `connection authorized` of access-connection-lifecycle.log) repeated a
//! million times each, with the table name, the host and the user numbered so that every
//! repetition is a new key.

mod common;

use std::io::{BufWriter, Write};

const DISTINCT: usize = 1_000_000;
const MAX_RSS_KB: u64 = 64 * 1024;

/// The sample line of `file` that contains `needle`.
fn sample_line(file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(common::repo().join("sample-logs").join(file)).unwrap();
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{file} has no line with {needle:?}"))
        .to_string()
}

#[test]
#[ignore = "slow: writes and reads a 350 MB log"]
fn a_million_distinct_queries_users_and_clients_stay_within_64_mb() {
    let Some(time) = common::require_tool("time") else {
        return;
    };
    let statement = sample_line(
        "sql-statements.log",
        "ms  statement: SELECT id FROM customers WHERE",
    );
    let received = sample_line(
        "access-connection-lifecycle.log",
        "connection received: host=[local]",
    );
    let authorized = sample_line(
        "access-connection-lifecycle.log",
        "connection authorized: user=postgres",
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("distinct.log");
    let mut out = BufWriter::new(std::fs::File::create(&log).unwrap());
    for i in 0..DISTINCT {
        let (a, b) = (i / 256 % 256, i % 256);
        writeln!(
            out,
            "{}",
            statement.replace("FROM customers", &format!("FROM customers_{i}"))
        )
        .unwrap();
        writeln!(
            out,
            "{}",
            received.replace("host=[local]", &format!("host=10.{}.{a}.{b}", i >> 16))
        )
        .unwrap();
        writeln!(
            out,
            "{}",
            authorized.replace("user=postgres", &format!("user=u{i}"))
        )
        .unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    let (one, kb) = run(&time, &log, Some("1"));
    assert!(
        kb <= MAX_RSS_KB,
        "one thread: peak RSS {kb} kB, more than {MAX_RSS_KB} kB"
    );
    for threads in [None, Some("2")] {
        let (many, kb) = run(&time, &log, threads);
        let label = threads.map_or("default threads".to_string(), |n| format!("{n} threads"));
        assert!(
            kb <= MAX_RSS_KB,
            "{label}: peak RSS {kb} kB, more than {MAX_RSS_KB} kB"
        );
        assert!(one == many, "{label}: the report differs from one thread's");
    }
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let stats = &report["stats"];
    // Every key was seen: the tables are full and the rest is in `other`.
    assert_eq!(stats["queries"]["count"], DISTINCT as u64);
    assert_eq!(stats["queries"]["normalized"], stats["queries"]["cap"]);
    assert!(
        stats["queries"]["other"].is_object(),
        "{}",
        stats["queries"]
    );
    let last_name =
        |table: &str| stats["sessions"][table].as_array().unwrap().last().unwrap()["name"].clone();
    assert_eq!(last_name("by_user"), "other");
    assert_eq!(last_name("by_client"), "other");
}

/// The JSON report of `log` read on `threads` (the default when `None`), and the peak RSS
/// in kB that GNU time measured.
fn run(time: &std::path::Path, log: &std::path::Path, threads: Option<&str>) -> (Vec<u8>, u64) {
    let dir = tempfile::tempdir().unwrap();
    let rss = dir.path().join("rss");
    let mut args = vec!["analyze", "--output", "json", "--no-policy"];
    if let Some(n) = threads {
        args.extend(["--threads", n]);
    }
    let run = std::process::Command::new(time)
        .args(["-f", "%M", "-o", common::path_str(&rss)])
        .arg(env!("CARGO_BIN_EXE_pgtriage"))
        .args(&args)
        .arg(log)
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let kb = std::fs::read_to_string(&rss)
        .unwrap()
        .trim()
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    eprintln!("{threads:?} threads: peak RSS {kb} kB");
    (run.stdout, kb)
}
