//! The statistics sections of the HTML page, one per area of what the server did, each
//! with its figures, its chart per hour and its tables. Without statistics (`tail`,
//! `--no-stats`) or without events of an area, a section says so instead of vanishing.

mod queries;
mod sessions;
mod upkeep;

use super::svg::{self, Layout, Series, Unit};
use super::{esc, group};
use crate::collect::stats::hourly::HourCounts;
use crate::report::model::Activity;
use crate::report::Report;
use std::fmt::{Display, Write};

/// One statistics section: its anchor, heading, and what it writes from the statistics.
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    body: fn(&mut String, &Activity),
}

/// The sections, in the order of the page.
pub const SECTIONS: [Section; 9] = [
    Section {
        id: "stats-queries",
        title: "Queries",
        body: queries::queries,
    },
    Section {
        id: "stats-errors",
        title: "Errors",
        body: queries::errors,
    },
    Section {
        id: "stats-checkpoints",
        title: "Checkpoints",
        body: upkeep::checkpoints,
    },
    Section {
        id: "stats-autovacuum",
        title: "Autovacuum",
        body: upkeep::autovacuum,
    },
    Section {
        id: "stats-sessions",
        title: "Sessions",
        body: sessions::sessions,
    },
    Section {
        id: "stats-locks",
        title: "Lock waits",
        body: sessions::locks,
    },
    Section {
        id: "stats-temp-files",
        title: "Temporary files",
        body: sessions::temp_files,
    },
    Section {
        id: "stats-cancelled",
        title: "Cancelled statements",
        body: sessions::cancelled,
    },
    Section {
        id: "stats-hourly",
        title: "Per hour",
        body: upkeep::hourly,
    },
];

pub fn sections(out: &mut String, r: &Report) {
    for s in &SECTIONS {
        let _ = writeln!(
            out,
            "<section id=\"{}\" class=\"stats\">\n<h2>{}</h2>",
            s.id, s.title
        );
        match &r.stats.activity {
            Some(a) => (s.body)(out, a),
            None => empty(
                out,
                "Statistics were not collected: <code>analyze</code> collects them unless \
                 <code>--no-stats</code> is given; <code>tail</code> does not.",
            ),
        }
        out.push_str("</section>\n");
    }
}

/// A section's or a table's "nothing here", in HTML.
fn empty(out: &mut String, html: &str) {
    let _ = writeln!(out, "<p class=\"empty\">{html}</p>");
}

/// Labelled figures, as tiles.
fn figures(out: &mut String, items: &[(&str, String)]) {
    out.push_str("<dl class=\"figures\">");
    for (label, value) in items {
        let _ = write!(out, "<div><dt>{label}</dt><dd>{}</dd></div>", esc(value));
    }
    out.push_str("</dl>\n");
}

/// A table: `head` names the columns, `|`-separated, numeric ones ending in `:n` (aligned
/// right); each row is its cells' HTML (`num`, `text`, `code`).
fn table(out: &mut String, caption: &str, head: &str, rows: &[String]) {
    let _ = write!(out, "<table>\n<caption>{caption}</caption>\n<thead><tr>");
    for col in head.split('|') {
        match col.strip_suffix(":n") {
            Some(name) => {
                let _ = write!(out, "<th class=\"n\">{name}</th>");
            }
            None => {
                let _ = write!(out, "<th>{col}</th>");
            }
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let _ = writeln!(out, "<tr>{row}</tr>");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn num(v: impl Display) -> String {
    format!("<td class=\"n\">{}</td>", esc(&v.to_string()))
}

fn count(n: u64) -> String {
    format!("<td class=\"n\">{}</td>", group(n))
}

fn text(s: &str) -> String {
    format!("<td>{}</td>", esc(s))
}

/// Log text (statements, messages), escaped and cut.
fn code(s: &str) -> String {
    format!("<td><code>{}</code></td>", super::cell(s))
}

/// What a chart reads from an hour's counts.
type Reading = fn(&HourCounts) -> f64;

/// A chart per hour of what `value` reads from each hour, one series per entry of
/// `series`, or a sentence when there is nothing to draw.
fn chart(
    out: &mut String,
    a: &Activity,
    label: &str,
    series: &[(&str, Reading)],
    layout: Layout,
    unit: Unit,
) {
    let hours: Vec<&str> = a.hourly.iter().map(|h| h.hour.as_str()).collect();
    let series: Vec<Series<'_>> = series
        .iter()
        .map(|(name, value)| Series {
            name,
            values: a.hourly.iter().map(|h| value(&h.counts)).collect(),
        })
        .collect();
    let Some(svg) = svg::hourly(label, &hours, &series, layout, unit) else {
        empty(out, &format!("No {} to chart.", esc(&label.to_lowercase())));
        return;
    };
    let _ = write!(
        out,
        "<figure>\n<figcaption>{}<span class=\"legend\">",
        esc(label)
    );
    if series.len() > 1 {
        for (k, s) in series.iter().enumerate() {
            let _ = write!(out, "<span><i class=\"s{k}\"></i>{}</span>", esc(s.name));
        }
    }
    let _ = writeln!(out, "</span></figcaption>\n{svg}\n</figure>");
}

/// A chart of one count per hour.
fn count_chart(out: &mut String, a: &Activity, label: &str, name: &str, reading: Reading) {
    chart(
        out,
        a,
        label,
        &[(name, reading)],
        Layout::Stacked,
        Unit::Count,
    );
}

/// Names as a list: `a, b, …` when there were more.
fn names(n: &crate::collect::stats::queries::Names) -> String {
    let mut s = n.names.join(", ");
    if n.more {
        s.push_str(", …");
    }
    s
}
