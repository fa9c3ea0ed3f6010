//! Log-derived Prometheus metrics for `tail --metrics ADDR`: what postgres_exporter cannot
//! see (authentication failures, crashes, OOM kills as the log and the engine tell them).
//!
//! Label cardinality is bounded (docs/reliability.md, "Resource bounds"): `id` is a
//! catalogue id and `severity` one of four words, both fixed by the build; `container` is
//! the only label that comes from outside, and a `tail --all` over containers that come
//! and go for weeks would grow it without end. The first `MAX_CONTAINERS` names keep
//! their own series; later ones are counted under `OTHER_CONTAINER`, so a scrape never
//! grows past (`MAX_CONTAINERS` + 1) × (entries × 4 + 4) series.

use crate::collect::{Collector, Event, Observation};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Distinct `container` label values kept. First come, first kept: a live scrape must not
/// move a container's counts from one series to another, which ranking keys as the
/// statistics tables do (src/collect/stats/capped.rs) would.
pub const MAX_CONTAINERS: usize = 100;

/// The `container` of every container past the cap. Docker names start with a letter or
/// a digit, so no container is called this.
pub const OTHER_CONTAINER: &str = "_other";

/// Counters, keyed by container (and entry id and severity for events).
#[derive(Debug, Default)]
pub struct Metrics {
    /// The containers that have a label value of their own, at most `MAX_CONTAINERS`.
    containers: BTreeSet<String>,
    events: BTreeMap<(String, String, &'static str), u64>,
    lines: BTreeMap<String, u64>,
    restarts: BTreeMap<String, u64>,
    oom_kills: BTreeMap<String, u64>,
    last_event: BTreeMap<String, f64>,
}

/// Counts every classified occurrence, as the collectors see it.
impl Collector for Metrics {
    type Output = Metrics;

    fn observe(&mut self, o: &Observation<'_>) {
        if let Event::Finding { id, judged, .. } | Event::Context { id, judged, .. } = &o.event {
            self.event(o.source, id, judged.severity.as_str(), now_unix());
        }
    }

    fn merge(&mut self, other: Self) {
        for ((c, id, sev), n) in other.events {
            let c = self.label(&c);
            *self.events.entry((c, id, sev)).or_default() += n;
        }
        for (from, pick) in [
            (other.lines, Self::lines as fn(&mut Self, &str, u64)),
            (other.restarts, Self::restarts),
            (other.oom_kills, Self::oom_kills),
        ] {
            for (c, n) in from {
                pick(self, &c, n);
            }
        }
        for (c, t) in other.last_event {
            let c = self.label(&c);
            let mine = self.last_event.entry(c).or_insert(t);
            *mine = mine.max(t);
        }
    }

    fn finish(self) -> Metrics {
        self
    }
}

/// Seconds since the epoch, now.
pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Metrics {
    /// The `container` label value of `name`: its own while there is room, else
    /// `OTHER_CONTAINER`.
    fn label(&mut self, name: &str) -> String {
        if !self.containers.contains(name) {
            if self.containers.len() >= MAX_CONTAINERS {
                return OTHER_CONTAINER.to_string();
            }
            self.containers.insert(name.to_string());
        }
        name.to_string()
    }

    fn event(&mut self, container: &str, id: &str, severity: &'static str, unix_time: f64) {
        let c = self.label(container);
        *self
            .events
            .entry((c.clone(), id.to_string(), severity))
            .or_default() += 1;
        let last = self.last_event.entry(c).or_insert(unix_time);
        *last = last.max(unix_time);
    }

    pub fn lines(&mut self, container: &str, n: u64) {
        let c = self.label(container);
        *self.lines.entry(c).or_default() += n;
    }

    pub fn restart(&mut self, container: &str) {
        self.restarts(container, 1);
    }

    fn restarts(&mut self, container: &str, n: u64) {
        let c = self.label(container);
        *self.restarts.entry(c).or_default() += n;
    }

    pub fn oom_kill(&mut self, container: &str) {
        self.oom_kills(container, 1);
    }

    fn oom_kills(&mut self, container: &str, n: u64) {
        let c = self.label(container);
        *self.oom_kills.entry(c).or_default() += n;
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP pgtriage_events_total PostgreSQL log events classified, by container, \
             catalogue id and severity.\n# TYPE pgtriage_events_total counter"
        );
        for ((c, id, sev), n) in &self.events {
            let _ = writeln!(
                out,
                "pgtriage_events_total{{container=\"{}\",id=\"{}\",severity=\"{sev}\"}} {n}",
                escape(c),
                escape(id)
            );
        }
        let simple: [(&str, &str, &str, &BTreeMap<String, u64>); 3] = [
            (
                "pgtriage_lines_total",
                "counter",
                "Log lines read.",
                &self.lines,
            ),
            (
                "pgtriage_restarts_total",
                "counter",
                "Container restarts seen.",
                &self.restarts,
            ),
            (
                "pgtriage_oom_kills_total",
                "counter",
                "Container OOM kills seen (docker inspect).",
                &self.oom_kills,
            ),
        ];
        for (name, kind, help, map) in simple {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (c, n) in map {
                let _ = writeln!(out, "{name}{{container=\"{}\"}} {n}", escape(c));
            }
        }
        let name = "pgtriage_last_event_timestamp_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Unix time of the last classified event.\n# TYPE {name} gauge"
        );
        for (c, t) in &self.last_event {
            let _ = writeln!(out, "{name}{{container=\"{}\"}} {t:.3}", escape(c));
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serves `GET /metrics` until the task is dropped. Binding errors are returned at once.
pub async fn serve(
    addr: &str,
    metrics: Arc<Mutex<Metrics>>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("--metrics {addr}: cannot listen: {e}"))?;
    Ok(tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let mut req = [0u8; 2048];
                let n = sock.read(&mut req).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&req[..n]);
                let (status, body) = if head.starts_with("GET /metrics") {
                    let text = metrics.lock().map(|m| m.render()).unwrap_or_default();
                    ("200 OK", text)
                } else {
                    (
                        "404 Not Found",
                        "pgtriage serves /metrics only\n".to_string(),
                    )
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    }))
}
