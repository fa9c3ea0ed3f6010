//! Statements and errors: what the server spent its time on, and what went wrong.

use super::{
    chart, code, count, count_chart, empty, figures, names, num, table, text, Layout, Unit,
};
use crate::collect::stats::queries::QueryEntry;
use crate::report::activity::ms;
use crate::report::model::Activity;

pub fn queries(out: &mut String, a: &Activity) {
    let q = &a.queries;
    let p = &q.phases;
    if q.count + p.duration_only + p.logged_without_duration + p.parse + p.bind == 0 {
        empty(
            out,
            "No statement was logged (<code>log_min_duration_statement</code>, \
             <code>log_statement</code>).",
        );
        return;
    }
    let types: Vec<String> = q
        .by_type
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    figures(
        out,
        &[
            ("statements with a duration", q.count.to_string()),
            ("normalised shapes", q.normalized.to_string()),
            ("total time", ms(q.total_ms)),
            ("p95", ms(q.p95_ms)),
            ("slowest", ms(q.max_ms)),
            ("by type", types.join(", ")),
            (
                "extended protocol",
                format!("parse {}, bind {}, execute {}", p.parse, p.bind, p.execute),
            ),
            (
                "without statement or duration",
                format!(
                    "{} durations alone, {} statements without a duration",
                    p.duration_only, p.logged_without_duration
                ),
            ),
        ],
    );
    chart(
        out,
        a,
        "Query time per hour",
        &[("query time", |h| h.query_us as f64 / 1000.0)],
        Layout::Stacked,
        Unit::Millis,
    );
    let mut top: Vec<&QueryEntry> = q.top_by_total.iter().collect();
    top.extend(&q.other);
    query_table(out, "Statements by total time", &top);
    for (title, rows) in [
        ("Most frequent statements", &q.top_by_count),
        ("Slowest single statements", &q.slowest),
    ] {
        out.push_str("<details>\n<summary>");
        out.push_str(title);
        out.push_str("</summary>\n");
        query_table(out, title, &rows.iter().collect::<Vec<_>>());
        out.push_str("</details>\n");
    }
}

fn query_table(out: &mut String, title: &str, entries: &[&QueryEntry]) {
    if entries.is_empty() {
        empty(out, &format!("{title}: none with a duration."));
        return;
    }
    let rows: Vec<String> = entries
        .iter()
        .map(|e| {
            [
                num(ms(e.total_ms)),
                count(e.count),
                num(ms(e.mean_ms)),
                num(ms(e.p95_ms)),
                num(ms(e.max_ms)),
                super::text(&names(&e.databases)),
                super::text(&names(&e.users)),
                code(&e.query),
            ]
            .concat()
        })
        .collect();
    table(
        out,
        title,
        "total:n|count:n|mean:n|p95:n|max:n|databases|users|statement (normalised)",
        &rows,
    );
}

pub fn errors(out: &mut String, a: &Activity) {
    let e = &a.errors;
    if e.warning + e.error + e.fatal + e.panic == 0 {
        empty(out, "No WARNING, ERROR, FATAL or PANIC record.");
        return;
    }
    figures(
        out,
        &[
            ("warning", e.warning.to_string()),
            ("error", e.error.to_string()),
            ("fatal", e.fatal.to_string()),
            ("panic", e.panic.to_string()),
        ],
    );
    count_chart(
        out,
        a,
        "Warnings or worse per hour",
        "warnings or worse",
        |h| h.errors as f64,
    );
    if !e.by_sqlstate_class.is_empty() {
        let rows: Vec<String> = e
            .by_sqlstate_class
            .iter()
            .map(|c| {
                let name = c.name.unwrap_or("not a class PostgreSQL defines");
                [count(c.count), code(&c.class), text(name)].concat()
            })
            .collect();
        table(out, "By SQLSTATE class", "count:n|class|name", &rows);
    }
    let rows: Vec<String> = e
        .by_message
        .iter()
        .map(|m| [count(m.count), code(&m.name)].concat())
        .collect();
    table(out, "By message (values folded)", "count:n|message", &rows);
}
