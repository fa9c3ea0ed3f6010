//! The server's own work: checkpoints and autovacuum, and the activity of every area per
//! hour.

use super::{chart, code, count, count_chart, empty, figures, num, table, Layout, Unit};
use crate::collect::stats::autovacuum::TableRuns;
use crate::report::activity::{bytes, ms};
use crate::report::model::Activity;

pub fn checkpoints(out: &mut String, a: &Activity) {
    let c = &a.checkpoints;
    let r = &c.restartpoints;
    if c.count + r.count == 0 {
        empty(
            out,
            "No checkpoint or restartpoint was logged (<code>log_checkpoints</code>).",
        );
        return;
    }
    let mean_distance = c.distance_kb.checked_div(c.count).unwrap_or(0);
    figures(
        out,
        &[
            ("checkpoints", c.count.to_string()),
            (
                "started by",
                format!(
                    "time {}, request {} (WAL {})",
                    c.timed, c.requested, c.requested_wal
                ),
            ),
            ("buffers written", c.buffers_written.to_string()),
            (
                "write / sync / total",
                format!(
                    "{} / {} / {}",
                    ms(c.write_ms as f64),
                    ms(c.sync_ms as f64),
                    ms(c.total_ms as f64)
                ),
            ),
            ("longest", ms(c.max_total_ms as f64)),
            (
                "distance (mean / max)",
                format!(
                    "{} / {}",
                    bytes(mean_distance * 1024),
                    bytes(c.max_distance_kb * 1024)
                ),
            ),
            ("largest estimate", bytes(c.max_estimate_kb * 1024)),
            (
                "WAL files",
                format!(
                    "{} added, {} removed, {} recycled",
                    c.wal_added, c.wal_removed, c.wal_recycled
                ),
            ),
            (
                "restartpoints",
                format!(
                    "{} (time {}, request {}), {} buffers, {}",
                    r.count,
                    r.timed,
                    r.requested,
                    r.buffers_written,
                    ms(r.total_ms as f64)
                ),
            ),
        ],
    );
    count_chart(out, a, "Checkpoints per hour", "checkpoints", |h| {
        h.checkpoints as f64
    });
}

pub fn autovacuum(out: &mut String, a: &Activity) {
    let v = &a.autovacuum;
    let t = &v.total;
    if t.vacuums + t.analyzes == 0 {
        empty(
            out,
            "No automatic vacuum or analyze was logged \
             (<code>log_autovacuum_min_duration</code>).",
        );
        return;
    }
    figures(
        out,
        &[
            ("vacuums", t.vacuums.to_string()),
            ("analyzes", t.analyzes.to_string()),
            ("tables", v.tables_seen.to_string()),
            ("pages removed", t.pages_removed.to_string()),
            ("tuples removed", t.tuples_removed.to_string()),
            (
                "buffers: hits / misses / dirtied",
                format!(
                    "{} / {} / {}",
                    t.buffer_hits, t.buffer_misses, t.buffer_dirtied
                ),
            ),
            ("elapsed", ms(t.elapsed_ms as f64)),
        ],
    );
    chart(
        out,
        a,
        "Autovacuum and autoanalyze runs per hour",
        &[
            ("autovacuum", |h| h.autovacuums as f64),
            ("autoanalyze", |h| h.autoanalyzes as f64),
        ],
        Layout::Stacked,
        Unit::Count,
    );
    let mut rows: Vec<String> = v
        .tables
        .iter()
        .map(|e| table_row(&code(&e.table), &e.runs))
        .collect();
    if let Some(other) = &v.other {
        rows.push(table_row(&super::text("other"), other));
    }
    table(
        out,
        "By table",
        "table|vacuums:n|analyzes:n|pages removed:n|tuples removed:n|hits:n|misses:n|dirtied:n|elapsed:n",
        &rows,
    );
}

fn table_row(name: &str, r: &TableRuns) -> String {
    [
        name.to_string(),
        count(r.vacuums),
        count(r.analyzes),
        count(r.pages_removed),
        count(r.tuples_removed),
        count(r.buffer_hits),
        count(r.buffer_misses),
        count(r.buffer_dirtied),
        num(ms(r.elapsed_ms as f64)),
    ]
    .concat()
}

/// Everything per hour: a chart of the main areas, then every count.
pub fn hourly(out: &mut String, a: &Activity) {
    if a.hourly.is_empty() {
        empty(out, "No timed event to count per hour.");
        return;
    }
    chart(
        out,
        a,
        "Activity per hour",
        &[
            ("statements", |h| h.queries as f64),
            ("connections", |h| h.connections as f64),
            ("warnings or worse", |h| h.errors as f64),
            ("checkpoints and autovacuum", |h| {
                (h.checkpoints + h.autovacuums + h.autoanalyzes) as f64
            }),
        ],
        Layout::Stacked,
        Unit::Count,
    );
    let rows: Vec<String> = a
        .hourly
        .iter()
        .map(|h| {
            let c = &h.counts;
            [
                super::text(&h.hour),
                count(c.queries),
                num(ms(c.query_us as f64 / 1000.0)),
                count(c.errors),
                count(c.connections),
                count(c.sessions),
                count(c.checkpoints),
                count(c.autovacuums),
                count(c.autoanalyzes),
                count(c.temp_files),
                count(c.lock_waits),
                count(c.cancelled),
            ]
            .concat()
        })
        .collect();
    table(
        out,
        "Every count per hour",
        "hour|statements:n|time:n|warnings+:n|connections:n|sessions:n|checkpoints:n|\
         vacuums:n|analyzes:n|temp files:n|lock waits:n|cancelled:n",
        &rows,
    );
}
