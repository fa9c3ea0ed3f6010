//! Who connected, and what made statements wait, spill or stop.

use super::{chart, code, count, count_chart, empty, figures, num, table, text, Layout, Unit};
use crate::collect::stats::capped::Named;
use crate::collect::stats::events::NamedAmount;
use crate::collect::stats::sessions::{NamedSessions, DURATION_BOUNDS};
use crate::report::activity::{bytes, ms};
use crate::report::model::Activity;

pub fn sessions(out: &mut String, a: &Activity) {
    let s = &a.sessions;
    if s.received + s.connections + s.sessions == 0 {
        empty(
            out,
            "No connection or disconnection was logged (<code>log_connections</code>, \
             <code>log_disconnections</code>).",
        );
        return;
    }
    let peak = match &s.peak_at {
        Some(at) => format!("{} at {at}", s.peak_concurrent),
        None => s.peak_concurrent.to_string(),
    };
    figures(
        out,
        &[
            ("connections received", s.received.to_string()),
            ("logins", s.connections.to_string()),
            ("replication", s.replication_connections.to_string()),
            ("sessions ended", s.sessions.to_string()),
            ("mean session", ms(s.mean_ms as f64)),
            ("longest session", ms(s.max_ms as f64)),
            ("peak concurrent sessions", peak),
        ],
    );
    chart(
        out,
        a,
        "Connections and sessions per hour",
        &[
            ("logins", |h| h.connections as f64),
            ("sessions ended", |h| h.sessions as f64),
        ],
        Layout::Grouped,
        Unit::Count,
    );
    out.push_str("<div class=\"tables\">\n");
    for (title, rows) in [
        ("Logins by database", &s.by_database),
        ("Logins by user", &s.by_user),
        ("Logins by application", &s.by_application),
        ("Logins by client", &s.by_client),
    ] {
        named_table(out, title, "name", rows);
    }
    // Shortest first: the JSON map holds the buckets by name.
    let mut buckets: Vec<(&String, u64)> = s
        .durations
        .iter()
        .map(|(bucket, n)| (bucket, n.as_u64().unwrap_or(0)))
        .collect();
    buckets.sort_by_key(|(b, _)| {
        DURATION_BOUNDS
            .iter()
            .position(|(_, label)| label == b)
            .unwrap_or(DURATION_BOUNDS.len())
    });
    let durations: Vec<String> = buckets
        .into_iter()
        .map(|(bucket, n)| [text(bucket), count(n)].concat())
        .collect();
    table(out, "Session durations", "duration|sessions:n", &durations);
    for (title, rows) in [
        ("Sessions by database", &s.sessions_by_database),
        ("Sessions by user", &s.sessions_by_user),
        ("Sessions by client", &s.sessions_by_client),
    ] {
        session_table(out, title, rows);
    }
    out.push_str("</div>\n");
}

fn named_table(out: &mut String, title: &str, what: &str, rows: &[Named]) {
    if rows.is_empty() {
        return;
    }
    let rows: Vec<String> = rows
        .iter()
        .map(|n| [name(&n.name), count(n.count)].concat())
        .collect();
    table(out, title, &format!("{what}|count:n"), &rows);
}

fn session_table(out: &mut String, title: &str, rows: &[NamedSessions]) {
    if rows.is_empty() {
        return;
    }
    let rows: Vec<String> = rows
        .iter()
        .map(|n| {
            [
                name(&n.name),
                count(n.row.sessions),
                num(ms(n.row.total_ms as f64)),
            ]
            .concat()
        })
        .collect();
    table(out, title, "name|sessions:n|total time:n", &rows);
}

/// A database, user, application or client; the log may name none.
fn name(n: &str) -> String {
    if n.is_empty() {
        text("(not logged)")
    } else {
        code(n)
    }
}

pub fn locks(out: &mut String, a: &Activity) {
    let l = &a.locks;
    if l.waits + l.acquired.count == 0 {
        empty(
            out,
            "No lock wait was logged (<code>log_lock_waits</code>, past \
             <code>deadlock_timeout</code>).",
        );
        return;
    }
    // Lock waits are kept in microseconds.
    let us = |v: u64| ms(v as f64 / 1000.0);
    figures(
        out,
        &[
            ("still waiting", l.waits.to_string()),
            ("acquired after waiting", l.acquired.count.to_string()),
            ("waited in total", us(l.acquired.total)),
            ("longest wait", us(l.acquired.max)),
        ],
    );
    count_chart(out, a, "Lock waits per hour", "lock waits", |h| {
        h.lock_waits as f64
    });
    named_table(out, "Waits by object", "object", &l.by_object);
    amount_table(
        out,
        "Acquired waits by statement",
        "waited",
        &l.by_query,
        us,
    );
}

pub fn temp_files(out: &mut String, a: &Activity) {
    let t = &a.temp_files;
    if t.files.count == 0 {
        empty(
            out,
            "No temporary file was logged (<code>log_temp_files</code>).",
        );
        return;
    }
    figures(
        out,
        &[
            ("files", t.files.count.to_string()),
            ("written in total", bytes(t.files.total)),
            ("largest", bytes(t.files.max)),
        ],
    );
    count_chart(out, a, "Temporary files per hour", "temporary files", |h| {
        h.temp_files as f64
    });
    amount_table(out, "By statement", "size", &t.by_query, bytes);
}

fn amount_table(
    out: &mut String,
    title: &str,
    what: &str,
    rows: &[NamedAmount],
    unit: fn(u64) -> String,
) {
    if rows.is_empty() {
        return;
    }
    let rows: Vec<String> = rows
        .iter()
        .map(|n| {
            let a = &n.amount;
            [
                count(a.count),
                num(unit(a.total)),
                num(unit(a.max)),
                code(&n.name),
            ]
            .concat()
        })
        .collect();
    let head = format!("count:n|{what} in total:n|largest:n|statement (normalised)");
    table(out, title, &head, &rows);
}

pub fn cancelled(out: &mut String, a: &Activity) {
    let c = &a.cancelled;
    if c.count == 0 {
        empty(out, "No statement was cancelled or timed out.");
        return;
    }
    figures(out, &[("cancelled or timed out", c.count.to_string())]);
    count_chart(out, a, "Cancelled statements per hour", "cancelled", |h| {
        h.cancelled as f64
    });
    named_table(out, "By reason", "catalogue entry", &c.by_reason);
    named_table(out, "By statement", "statement (normalised)", &c.by_query);
}
