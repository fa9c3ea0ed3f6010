//! Collectors merge exactly: one collector per input, merged in either order, gives the
//! same report as one collector over all inputs — counts, first and last seen, samples
//! and unclassified groups included. Real logs from sample-logs/, read in-process.

mod common;

use pgtriage::catalogue::Catalogue;
use pgtriage::collect::seq_base;
use pgtriage::flow::Flow;
use pgtriage::pipeline::LogStream;
use pgtriage::report;
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;

fn verdict() -> Verdict {
    Verdict::new(Env::Prod, Severity::Error, None, None, false)
}

/// Feeds one log file into a flow, as `analyze` does.
fn feed(flow: &mut Flow<'_>, path: &str) {
    let bytes = std::fs::read(common::repo().join(path)).unwrap();
    feed_bytes(flow, path, &bytes);
}

fn feed_bytes(flow: &mut Flow<'_>, source: &str, bytes: &[u8]) {
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        flow.record(r, source, &[], &mut |_| {});
    };
    stream.feed(bytes, &mut sink);
    stream.finish(&mut sink);
}

fn report_json(cat: &Catalogue, v: &Verdict, flow: Flow<'_>) -> String {
    serde_json::to_string_pretty(&report::build(cat, v, flow.finish(), Vec::new())).unwrap()
}

fn assert_merge_is_exact(files: &[&str]) {
    let cat = Catalogue::embedded().unwrap();
    let v = verdict();
    let mut one = Flow::new(&cat, &v, seq_base(0));
    for (i, f) in files.iter().enumerate() {
        // One collector over all inputs, numbered as analyze numbers them.
        let mut part = Flow::new(&cat, &v, seq_base(i));
        feed(&mut part, f);
        one.merge(part);
    }
    let expected = report_json(&cat, &v, one);
    let parts = || {
        files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut p = Flow::new(&cat, &v, seq_base(i));
                feed(&mut p, f);
                p
            })
            .collect::<Vec<_>>()
    };
    let mut forward = parts().into_iter();
    let mut merged = forward.next().unwrap();
    forward.for_each(|p| merged.merge(p));
    assert_eq!(report_json(&cat, &v, merged), expected, "merged in order");
    let mut backward = parts().into_iter().rev();
    let mut merged = backward.next().unwrap();
    backward.for_each(|p| merged.merge(p));
    assert_eq!(report_json(&cat, &v, merged), expected, "merged in reverse");
}

/// A flow fed every file directly, one after the other, without merging.
fn sequential(cat: &Catalogue, v: &Verdict, files: &[&str]) -> String {
    let mut flow = Flow::new(cat, v, seq_base(0));
    for f in files {
        feed(&mut flow, f);
    }
    report_json(cat, v, flow)
}

#[test]
fn merging_collectors_equals_one_collector_over_both_inputs() {
    // The same entries in both (server.ready, checkpoints, …) and different ones.
    assert_merge_is_exact(&[
        "sample-logs/server-crash-cycle.log",
        "sample-logs/sql-errors.log",
        "sample-logs/server-crash-cycle.log",
    ]);
    assert_merge_is_exact(&[
        "sample-logs/first-start-no-locale.log",
        "sample-logs/out-of-memory.log",
    ]);
}

#[test]
fn a_merged_report_matches_reading_the_inputs_in_one_stream() {
    let cat = Catalogue::embedded().unwrap();
    let v = verdict();
    let files = [
        "sample-logs/server-crash-cycle.log",
        "sample-logs/sql-errors.log",
    ];
    let mut a = Flow::new(&cat, &v, seq_base(0));
    feed(&mut a, files[0]);
    let mut b = Flow::new(&cat, &v, seq_base(1));
    feed(&mut b, files[1]);
    b.merge(a);
    let merged: serde_json::Value = serde_json::from_str(&report_json(&cat, &v, b)).unwrap();
    let streamed: serde_json::Value = serde_json::from_str(&sequential(&cat, &v, &files)).unwrap();
    assert_eq!(merged, streamed);
    // Not vacuous: both inputs contribute findings, and some have times and samples.
    let findings = merged["findings"].as_array().unwrap();
    assert!(findings.len() > 5, "{findings:?}");
    assert!(findings
        .iter()
        .any(|f| f["first_seen"].is_string() && f["first_seen"] != f["last_seen"]));
    assert!(merged["unclassified"].as_array().is_some());
}

/// The findings of one log, in report order, as (id, caused_by).
fn causes_of(path: &str) -> Vec<(String, Option<String>)> {
    let cat = Catalogue::embedded().unwrap();
    let v = verdict();
    let mut flow = Flow::new(&cat, &v, seq_base(0));
    feed(&mut flow, path);
    let r = report::build(&cat, &v, flow.finish(), Vec::new());
    r.findings
        .into_iter()
        .map(|f| (f.id, f.caused_by))
        .collect()
}

#[test]
fn a_crash_episode_leads_with_its_cause_and_lists_the_aftermath_under_it() {
    // A real PostgreSQL 15 whose WAL volume filled up: PANIC, signal 6, every other
    // process terminated, reinitialisation, recovery.
    let found = causes_of("sample-logs/server-wal-full.log");
    let position = |id: &str| found.iter().position(|(f, _)| f == id).unwrap();
    let cause = position("disk.wal-full");
    for consequence in [
        "server.process-crashed",
        "server.terminating-other-processes",
        "server.reinitializing",
        "server.crash-recovery",
    ] {
        let at = position(consequence);
        assert_eq!(
            found[at].1.as_deref(),
            Some("disk.wal-full"),
            "{consequence}"
        );
        assert!(
            at > cause,
            "{consequence} is listed after its cause: {found:?}"
        );
    }
    assert_eq!(
        found[0].0, "disk.wal-full",
        "the report leads with the cause"
    );
    assert_eq!(found[position("server.ready")].1, None);
    // A clean start of another log has no causes at all.
    assert!(causes_of("sample-logs/first-start-no-locale.log")
        .iter()
        .all(|(_, c)| c.is_none()));
}

/// `locale.no-system-locales` in a report of `bytes`, read as `analyze` reads a file.
fn locale_finding(bytes: &[u8]) -> serde_json::Value {
    let cat = Catalogue::embedded().unwrap();
    let v = verdict();
    let mut flow = Flow::new(&cat, &v, seq_base(0));
    feed_bytes(&mut flow, "log", bytes);
    let report: serde_json::Value = serde_json::from_str(&report_json(&cat, &v, flow)).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "locale.no-system-locales")
        .cloned()
        .expect("locale.no-system-locales found")
}

/// A companion line (`fold`) gives a finding its times as it gives its count: only when
/// the event itself is missing. In this `docker logs --timestamps` capture the shell's
/// `sh: 1: locale: not found` is stamped 19:48:52 by Docker, the server's WARNING carries
/// its own 19:48:21: one occurrence, not a half-minute span (a live tail showed a range
/// for one occurrence when the two lines fell either side of a second).
#[test]
fn a_companion_line_times_a_finding_only_when_its_event_is_missing() {
    let path = "sample-logs/framed/first-start-no-locale.docker-ts.log";
    let log = std::fs::read(common::repo().join(path)).unwrap();
    let both = locale_finding(&log);
    assert_eq!(both["count"], 1);
    assert_eq!(both["first_seen"], "2026-11-27T19:48:21.343Z");
    assert_eq!(both["last_seen"], both["first_seen"]);
    // The same capture cut before the WARNING: the companion alone stands for the event.
    let cut = log.windows(9).position(|w| w == b"WARNING: ").unwrap();
    let line_start = log[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let alone = locale_finding(&log[..line_start]);
    assert_eq!(alone["count"], 1);
    assert_eq!(alone["first_seen"], "2026-11-27T19:48:52.415Z");
    assert_eq!(alone["last_seen"], alone["first_seen"]);
}
