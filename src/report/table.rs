//! The terminal report: inputs, a summary table sorted by severity, then what to do.

use super::activity;
use super::text::{
    acceptance_note, baseline_note, consequence_advice, consequence_note, expired_note, truncate,
};
use super::{Finding, InputSummary, Report};
use crate::severity::Severity;
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use std::fmt::Write;

fn severity_color(s: &str) -> Color {
    match s {
        "critical" | "PANIC" => Color::Magenta,
        "error" | "ERROR" | "FATAL" => Color::Red,
        "warning" | "WARNING" => Color::Yellow,
        _ => Color::Cyan,
    }
}

/// Renders the report; `color` only on a terminal, whose width the table then fits.
pub fn render(r: &Report, color: bool) -> String {
    render_at(r, color, None)
}

/// As `render`, the table `width` columns wide (`None`: the terminal's, when there is one).
/// Colour is decided by `color` alone, so that the same call renders the same anywhere.
pub(super) fn render_at(r: &Report, color: bool, width: Option<u16>) -> String {
    let mut out = String::new();
    for i in &r.inputs {
        input(&mut out, i);
    }
    let _ = writeln!(out);
    if r.findings.is_empty() && r.unclassified.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(out, "{}", rows(r, color, width));
    }
    what_to_do(&mut out, r);
    statistics(&mut out, r);
    let s = &r.summary;
    let fail_on = r.fail_on.as_str();
    let _ = writeln!(
        out,
        "\n{}. {}",
        s.counts(),
        if s.failed {
            format!("FAILED: findings at or above '{fail_on}'.")
        } else {
            format!("OK: nothing at or above '{fail_on}'.")
        }
    );
    out
}

fn input(out: &mut String, i: &InputSummary) {
    let optional = |v: &str| {
        if v == "none" {
            String::new()
        } else {
            format!(", {v}")
        }
    };
    let _ = writeln!(
        out,
        "{} ({}{}{}): {} lines, {} records, prefix {}",
        i.name,
        i.format,
        optional(i.framing.as_str()),
        optional(i.compression.as_str()),
        i.lines,
        i.records,
        i.prefix
            .as_deref()
            .map_or("not detected".to_string(), |p| format!("'{p}'")),
    );
    if let Some(e) = &i.error {
        let _ = writeln!(out, "  reading stopped early: {e}");
    }
}

/// The summary table: findings, then unclassified groups.
fn rows(r: &Report, color: bool, width: Option<u16>) -> Table {
    let cell = |text: &str| {
        let c = Cell::new(text);
        if color {
            c.fg(severity_color(text))
        } else {
            c
        }
    };
    let mut t = Table::new();
    if color {
        t.enforce_styling();
    }
    if let Some(w) = width {
        t.set_width(w);
    }
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "severity",
            "id",
            "count",
            "first seen",
            "last seen",
            "title",
            "note",
        ]);
    for f in &r.findings {
        t.add_row(vec![
            cell(f.severity.as_str()),
            Cell::new(&f.id),
            Cell::new(f.count),
            Cell::new(f.first_seen.as_deref().unwrap_or("-")),
            Cell::new(f.last_seen.as_deref().unwrap_or("-")),
            Cell::new(&f.title),
            Cell::new(note(f)),
        ]);
    }
    for u in &r.unclassified {
        t.add_row(vec![
            cell(u.severity),
            Cell::new("unclassified"),
            Cell::new(u.count),
            Cell::new("-"),
            Cell::new("-"),
            Cell::new(truncate(&u.sample, 100)),
            Cell::new(u.baseline.as_ref().map_or(String::new(), baseline_note)),
        ]);
    }
    t
}

/// Advice for every warning-or-worse finding the policy has not accepted.
fn what_to_do(out: &mut String, r: &Report) {
    let advice: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info && f.accepted.is_none())
        .collect();
    if advice.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWhat to do ({}):", r.env.as_str());
    for f in advice {
        let _ = writeln!(out, "\n[{}] {} — {}", f.severity.as_str(), f.id, f.title);
        if let Some(s) = &f.sample {
            let _ = writeln!(out, "  seen: {}", truncate(s, 160));
        }
        if let Some(d) = &f.detail {
            let _ = writeln!(out, "  detail: {}", truncate(d, 160));
        }
        let advice = match &f.caused_by {
            Some(cause) => consequence_advice(cause),
            None => f.remediation.clone(),
        };
        for line in advice.lines() {
            let _ = writeln!(out, "  {line}");
        }
        let _ = writeln!(out, "  more: pgtriage explain {}", f.id);
    }
}

/// What the server did, compactly: the JSON report has every figure.
fn statistics(out: &mut String, r: &Report) {
    let Some(a) = &r.stats.activity else {
        return;
    };
    let lines = activity::lines(a);
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nStatistics:");
    for (label, text) in lines {
        let _ = writeln!(out, "  {label}: {text}");
    }
    let top = activity::top_queries(a);
    if !top.is_empty() {
        let _ = writeln!(out, "  top statements by total time:");
    }
    for q in top {
        let cost = format!("{} in {}×", activity::ms(q.total_ms), q.count);
        let _ = writeln!(out, "    {cost:>20}  {}", truncate(&q.query, 120));
    }
}

/// Why a finding does or does not count: its acceptance, or its baseline status.
fn note(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(a) = &f.accepted {
        parts.push(acceptance_note(a));
    }
    if let Some(s) = &f.scope {
        parts.push(format!("scope {s}"));
    }
    if let Some(a) = &f.acceptance_expired {
        parts.push(expired_note(a));
    }
    if let Some(b) = &f.baseline {
        parts.push(baseline_note(b));
    }
    if let Some(cause) = &f.caused_by {
        parts.push(consequence_note(cause));
    }
    parts.join("; ")
}
