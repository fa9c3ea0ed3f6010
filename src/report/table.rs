//! The terminal report: inputs, a summary table sorted by severity, then what to do.

use super::Report;
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

/// Renders the report; `color` only on a terminal.
pub fn render(r: &Report, color: bool) -> String {
    let mut out = String::new();
    let cell = |text: &str, sev: &str| {
        let c = Cell::new(text);
        if color {
            c.fg(severity_color(sev))
        } else {
            c
        }
    };
    for i in &r.inputs {
        let _ = writeln!(
            out,
            "{} ({}{}{}): {} lines, {} records, prefix {}",
            i.name,
            i.format,
            if i.framing.as_str() == "none" {
                String::new()
            } else {
                format!(", {}", i.framing)
            },
            if i.compression.as_str() == "none" {
                String::new()
            } else {
                format!(", {}", i.compression)
            },
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
    let _ = writeln!(out);
    if r.findings.is_empty() && r.unclassified.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let mut t = Table::new();
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
            let sev = f.severity.as_str();
            t.add_row(vec![
                cell(sev, sev),
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
                cell(u.severity, u.severity),
                Cell::new("unclassified"),
                Cell::new(u.count),
                Cell::new("-"),
                Cell::new("-"),
                Cell::new(truncate(&u.sample, 100)),
                Cell::new(match &u.baseline {
                    Some(b) if b.new => "new",
                    Some(b) if b.regression => "regression",
                    Some(_) => "in baseline",
                    None => "",
                }),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let advice: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity > crate::severity::Severity::Info && f.accepted.is_none())
        .collect();
    if !advice.is_empty() {
        let _ = writeln!(out, "\nWhat to do ({}):", r.env.as_str());
        for f in advice {
            let _ = writeln!(out, "\n[{}] {} — {}", f.severity.as_str(), f.id, f.title);
            if let Some(s) = &f.sample {
                let _ = writeln!(out, "  seen: {}", truncate(s, 160));
            }
            if let Some(d) = &f.detail {
                let _ = writeln!(out, "  detail: {}", truncate(d, 160));
            }
            for line in f.remediation.lines() {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(out, "  more: pgtriage explain {}", f.id);
        }
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "\n{}. {}",
        s.counts(),
        if s.failed {
            format!("FAILED: findings at or above '{}'.", r.fail_on.as_str())
        } else {
            format!("OK: nothing at or above '{}'.", r.fail_on.as_str())
        }
    );
    out
}

/// Why a finding does or does not count: its acceptance, or its baseline status.
fn note(f: &super::Finding) -> String {
    let mut parts = Vec::new();
    if let Some(a) = &f.accepted {
        let scope = f
            .scope
            .as_deref()
            .map_or(String::new(), |s| format!(" ({s})"));
        let until = a
            .until
            .as_deref()
            .map_or(String::new(), |u| format!(", until {u}"));
        parts.push(format!("accepted{scope}: {}{until}", a.reason));
    }
    if let Some(a) = &f.acceptance_expired {
        parts.push(format!(
            "acceptance expired {}",
            a.until.as_deref().unwrap_or("")
        ));
    }
    match &f.baseline {
        Some(b) if b.new => parts.push("new".into()),
        Some(b) if b.regression => parts.push(format!("regression (was {})", b.count.unwrap_or(0))),
        Some(_) => parts.push("in baseline".into()),
        None => {}
    }
    parts.join("; ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
