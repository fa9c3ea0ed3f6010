//! The Prometheus metrics of `tail --metrics` have a bounded number of series: a
//! `tail --all` over containers that come and go keeps the first `MAX_CONTAINERS` names
//! as label values and counts the rest under `_other`, losing no count.
//!
//! `tail` feeds the metrics from the flow every follower shares (src/tail/tally.rs): each
//! record of container C goes through `Flow::record` with the metrics as its tap, and the
//! followers add lines, restarts and OOM kills by name. This test drives that same code
//! with the real records of sample-logs/sql-errors.log as if 3 × MAX_CONTAINERS
//! containers had logged them, then scrapes `/metrics` from the real endpoint. Only the
//! Docker Engine is left out: the bound does not depend on where the names come from, and
//! starting 300 containers would cost minutes.

mod common;

use pgtriage::catalogue::Catalogue;
use pgtriage::collect::Collector;
use pgtriage::flow::Flow;
use pgtriage::metrics::{self, Metrics, MAX_CONTAINERS, OTHER_CONTAINER};
use pgtriage::pipeline::LogStream;
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

const CONTAINERS: usize = 3 * MAX_CONTAINERS;

/// Every record of `log` as if each of `names` had logged it, into `metrics`.
fn feed(log: &[u8], names: &[String], metrics: &Arc<Mutex<Metrics>>) {
    let catalogue = Catalogue::builtin().unwrap();
    let verdict = Verdict::new(Env::Prod, Severity::Error, None, None, false);
    let mut flow = Flow::new(catalogue, &verdict, 0);
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        for name in names {
            let mut tap = |o: &pgtriage::collect::Observation<'_>| {
                metrics.lock().unwrap().observe(o);
            };
            flow.record(r, name, &[name, name], &mut tap);
        }
    };
    stream.feed(log, &mut sink);
    stream.finish(&mut sink);
    let lines = log.iter().filter(|&&b| b == b'\n').count() as u64;
    let mut m = metrics.lock().unwrap();
    for name in names {
        m.lines(name, lines);
        m.restart(name);
        m.oom_kill(name);
    }
}

/// `GET /metrics` from the endpoint `tail --metrics ADDR` serves.
fn scrape(metrics: Arc<Mutex<Metrics>>) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap().to_string()
    };
    let server = runtime.block_on(metrics::serve(&addr, metrics)).unwrap();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    sock.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    sock.read_to_string(&mut response).unwrap();
    server.abort();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_string()
}

/// (metric, container, value) of each series.
fn series(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, rest) = l.split_once('{').unwrap();
            let container = rest
                .split_once("container=\"")
                .and_then(|(_, r)| r.split_once('"'))
                .map(|(c, _)| c.to_string())
                .unwrap();
            let value = l.rsplit_once(' ').unwrap().1.parse().unwrap();
            (name.to_string(), container, value)
        })
        .collect()
}

#[test]
fn containers_past_the_cap_share_one_label_value_and_no_count_is_lost() {
    let log = std::fs::read(common::repo().join("sample-logs/sql-errors.log")).unwrap();
    let names: Vec<String> = (0..CONTAINERS).map(|i| format!("db-{i}")).collect();
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    feed(&log, &names, &metrics);
    let all = series(&scrape(metrics));

    let containers: BTreeSet<&str> = all.iter().map(|(_, c, _)| c.as_str()).collect();
    assert_eq!(containers.len(), MAX_CONTAINERS + 1, "{containers:?}");
    assert!(containers.contains(OTHER_CONTAINER));
    // First come, first kept: a container's series never moves to `_other` later.
    for name in &names[..MAX_CONTAINERS] {
        assert!(containers.contains(name.as_str()), "{name} lost its series");
    }
    // The ids are catalogue ids and the severities four words: the product is the bound.
    let catalogue = Catalogue::builtin().unwrap();
    let per_container = catalogue.patterns().len() * 4 + 4;
    assert!(all.len() <= (MAX_CONTAINERS + 1) * per_container);

    // Every count is there: `_other` holds the sum of the containers it stands for.
    let mut sums: BTreeMap<(&str, bool), f64> = BTreeMap::new();
    for (metric, c, v) in &all {
        if metric != "pgtriage_last_event_timestamp_seconds" {
            *sums.entry((metric, c == OTHER_CONTAINER)).or_default() += v;
        }
    }
    let kept = MAX_CONTAINERS as f64;
    let folded = (CONTAINERS - MAX_CONTAINERS) as f64;
    for metric in [
        "pgtriage_lines_total",
        "pgtriage_restarts_total",
        "pgtriage_oom_kills_total",
        "pgtriage_events_total",
    ] {
        let own = sums[&(metric, false)];
        let other = sums[&(metric, true)];
        assert!(own > 0.0, "{metric}: nothing counted");
        assert_eq!(
            own / kept,
            other / folded,
            "{metric}: counts lost past the cap"
        );
    }
}
