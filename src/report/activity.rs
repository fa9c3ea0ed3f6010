//! The statistics section of the human outputs (table, markdown): a line per area that saw
//! anything, and the statements that cost the most. The JSON report has every figure.

use super::model::Activity;
use crate::collect::stats::queries::QueryEntry;

/// Top statements the human outputs list.
pub const TOP_QUERIES: usize = 5;

/// `label: figures` lines, one per area with something to say, in a fixed order.
pub fn lines(a: &Activity) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let q = &a.queries;
    if q.count > 0 {
        let types: Vec<String> = q.by_type.iter().map(|(t, n)| format!("{t} {n}")).collect();
        out.push((
            "queries",
            format!(
                "{} ({} shapes), {} total, p95 {}, max {}; {}",
                q.count,
                q.normalized,
                ms(q.total_ms),
                ms(q.p95_ms),
                ms(q.max_ms),
                types.join(", ")
            ),
        ));
    }
    let c = &a.checkpoints;
    if c.count > 0 {
        out.push((
            "checkpoints",
            format!(
                "{} ({} timed, {} requested), {} buffers written, write {}, sync {}; WAL files {} added, {} removed, {} recycled",
                c.count, c.timed, c.requested, c.buffers_written, ms(c.write_ms as f64),
                ms(c.sync_ms as f64), c.wal_added, c.wal_removed, c.wal_recycled
            ),
        ));
    }
    let v = &a.autovacuum.total;
    if v.vacuums + v.analyzes > 0 {
        out.push((
            "autovacuum",
            format!(
                "{} vacuums, {} analyzes on {} tables; {} pages and {} tuples removed",
                v.vacuums, v.analyzes, a.autovacuum.tables_seen, v.pages_removed, v.tuples_removed
            ),
        ));
    }
    let s = &a.sessions;
    if s.connections + s.sessions > 0 {
        out.push((
            "sessions",
            format!(
                "{} connections, {} sessions ended (mean {}, max {}), peak {} at once",
                s.connections,
                s.sessions,
                ms(s.mean_ms as f64),
                ms(s.max_ms as f64),
                s.peak_concurrent
            ),
        ));
    }
    waits(a, &mut out);
    out
}

/// Lock waits, temp files, cancels and errors.
fn waits(a: &Activity, out: &mut Vec<(&'static str, String)>) {
    let l = &a.locks;
    if l.waits + l.acquired.count > 0 {
        let max = ms(l.acquired.max as f64 / 1000.0);
        let line = format!(
            "{} waits logged, {} acquired after waiting (longest {max})",
            l.waits, l.acquired.count
        );
        out.push(("lock waits", line));
    }
    let t = &a.temp_files.files;
    if t.count > 0 {
        out.push((
            "temp files",
            format!(
                "{}, {} in total, largest {}",
                t.count,
                bytes(t.total),
                bytes(t.max)
            ),
        ));
    }
    if a.cancelled.count > 0 {
        let reasons: Vec<String> = a
            .cancelled
            .by_reason
            .iter()
            .map(|n| format!("{} {}", n.name, n.count))
            .collect();
        out.push((
            "cancelled",
            format!("{} ({})", a.cancelled.count, reasons.join(", ")),
        ));
    }
    let e = &a.errors;
    if e.warning + e.error + e.fatal + e.panic > 0 {
        let line = format!(
            "{} warning, {} error, {} fatal, {} panic",
            e.warning, e.error, e.fatal, e.panic
        );
        out.push(("errors", line));
    }
    if !e.by_sqlstate_class.is_empty() {
        let mut classes: Vec<_> = e.by_sqlstate_class.iter().collect();
        classes.sort_by_key(|c| std::cmp::Reverse(c.count));
        let line: Vec<String> = classes
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "{} {} {}",
                    c.class,
                    c.name.unwrap_or("(not PostgreSQL's)"),
                    c.count
                )
            })
            .collect();
        out.push(("by SQLSTATE", line.join(", ")));
    }
}

/// The statements with the most total time.
pub fn top_queries(a: &Activity) -> &[QueryEntry] {
    let top = &a.queries.top_by_total;
    &top[..top.len().min(TOP_QUERIES)]
}

/// Milliseconds as a person reads them: `870 ms`, `12.4 s`, `3.1 min`.
pub fn ms(v: f64) -> String {
    if v < 1000.0 {
        format!("{v:.1} ms")
    } else if v < 120_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        format!("{:.1} min", v / 60_000.0)
    }
}

fn bytes(v: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let (mut x, mut u) = (v as f64, 0);
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    format!("{x:.1} {}", UNITS[u])
}
