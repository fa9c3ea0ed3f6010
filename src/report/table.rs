//! The terminal report, read at a glance: the verdict in one line, then one line per
//! finding that matters (the rest summed up in one line), then what to do about each,
//! every line within the terminal's width (term.rs).

use super::activity;
use super::term::{self, fit, pad, paint, Look, Paint};
use super::text::{acceptance_note, baseline_note, consequence_advice, consequence_note};
use super::text::{expired_note, truncate};
use super::{Finding, InputSummary, Report, UnclassifiedGroup};
use crate::severity::{Level, Severity};
use crate::verdict::Verdict;
use std::borrow::Cow;

/// Columns between the columns of a finding line.
const GAP: &str = "  ";

/// Renders the report as `look` says.
pub fn render(r: &Report, look: Look) -> String {
    let mut out = vec![verdict_line(r, look), String::new()];
    for i in &r.inputs {
        input(&mut out, i, look);
    }
    out.push(String::new());
    let rows = rows(r, look);
    if rows.is_empty() && r.findings.is_empty() {
        out.push("No findings.".to_string());
    }
    out.extend(lines(&rows, look));
    out.extend(also_seen(r, look));
    what_to_do(&mut out, r, look);
    statistics(&mut out, r, look);
    out.push(String::new());
    let counts = format!("{}.", r.summary.counts());
    for l in term::wrap(&counts, look.width, "", "", false) {
        out.push(paint(look.color, Paint::Dim, &l));
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The lowest severity listed one line each: warning, or --fail-on when lower, or
/// everything with --all.
fn threshold(r: &Report, all: bool) -> Severity {
    if all {
        Severity::Info
    } else {
        r.fail_on.min(Severity::Warning)
    }
}

/// `FAILED (prod, --fail-on error): 2 errors, 1 warning; 1 accepted`.
fn verdict_line(r: &Report, look: Look) -> String {
    let shown = threshold(r, false);
    let mut counted = [0u64; 4];
    let mut accepted = 0;
    for (severity, is_accepted) in r
        .findings
        .iter()
        .map(|f| (f.severity, f.accepted.is_some()))
        .chain(r.unclassified.iter().map(|u| (level_severity(u), false)))
        .filter(|(s, _)| *s >= shown)
    {
        match is_accepted {
            true => accepted += 1,
            false => counted[severity as usize] += 1,
        }
    }
    let mut parts: Vec<String> = [
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ]
    .into_iter()
    .filter(|s| counted[*s as usize] > 0)
    .map(|s| {
        let n = counted[s as usize];
        let plural = if n > 1 && s != Severity::Critical && s != Severity::Info {
            "s"
        } else {
            ""
        };
        format!("{n} {}{plural}", s.as_str())
    })
    .collect();
    if parts.is_empty() {
        parts.push(format!("nothing at or above {}", shown.as_str()));
    }
    let mut what = parts.join(", ");
    if accepted > 0 {
        what.push_str(&format!("; {accepted} accepted"));
    }
    let (word, p) = match r.summary.failed {
        true => ("FAILED", Paint::Bad),
        false => ("OK", Paint::Bold),
    };
    let head = format!(
        "{word} ({}, --fail-on {}): ",
        r.env.as_str(),
        r.fail_on.as_str()
    );
    let rest = fit(&what, look.width.saturating_sub(term::width(&head)));
    format!("{}{rest}", paint(look.color, p, &head))
}

fn input(out: &mut Vec<String>, i: &InputSummary, look: Look) {
    if i.source == crate::report::Source::Config {
        let text = format!("{} (configuration): {} lines", i.name, i.lines).replace('`', "'");
        out.push(term::clean(&text).into_owned());
        return;
    }
    let optional = |v: &str| match v {
        "none" => String::new(),
        v => format!(", {v}"),
    };
    let prefix = i
        .prefix
        .as_deref()
        .map_or("not detected".to_string(), |p| format!("'{p}'"));
    let text = format!(
        "{} ({}{}{}): {} lines, {} records,",
        i.name,
        i.format,
        optional(i.framing.as_str()),
        optional(i.compression.as_str()),
        i.lines,
        i.records,
    );
    // Literal text: a backtick in a file name is not a code span. The prefix has spaces
    // of its own: it goes whole onto the next line when the line is full.
    let text = text.replace('`', "'");
    let whole = format!("{text} prefix {prefix}");
    if term::width(&whole) <= look.width {
        out.push(term::clean(&whole).into_owned());
    } else {
        out.extend(term::wrap(&text, look.width, "", "    ", false));
        out.push(format!("    prefix {}", fit(&prefix, look.width - 11)));
    }
    if !i.prefix_alternatives.is_empty() {
        let others: Vec<String> = i
            .prefix_alternatives
            .iter()
            .map(|p| format!("'{p}'"))
            .collect();
        let tie = format!(
            "prefix tie: {} read the lines as well; force one with --prefix",
            others.join(", ")
        );
        out.extend(term::wrap(&tie, look.width, "  ", "    ", false));
    }
    if let Some(e) = &i.error {
        let e = format!("reading stopped early: {e}");
        out.extend(term::wrap(&e, look.width, "  ", "    ", false));
    }
}

/// One finding line's cells.
struct Row<'a> {
    severity: Severity,
    count: u64,
    id: &'a str,
    title: Cow<'a, str>,
    when: String,
    /// Acceptance, baseline, consequence: on a line of its own below.
    note: String,
}

/// The rows at or above the threshold: findings and unclassified groups.
fn rows(r: &Report, look: Look) -> Vec<Row<'_>> {
    let from = threshold(r, look.all);
    let findings = r
        .findings
        .iter()
        .filter(|f| f.severity >= from)
        .map(|f| Row {
            severity: f.severity,
            count: f.count,
            id: &f.id,
            title: Cow::Borrowed(&f.title),
            when: when(f.first_seen.as_deref(), f.last_seen.as_deref()),
            note: note(f),
        });
    let unclassified = r.unclassified.iter().map(|u| Row {
        severity: level_severity(u),
        count: u.count,
        id: "unclassified",
        title: Cow::Owned(format!("{}: {}", u.severity, truncate(&u.sample, 200))),
        when: when(u.first_seen.as_deref(), u.last_seen.as_deref()),
        note: u.baseline.as_ref().map_or(String::new(), baseline_note),
    });
    let mut rows: Vec<Row<'_>> = findings
        .chain(unclassified.filter(|u| u.severity >= from))
        .collect();
    // Worst first; within a severity the report's order (consequences after causes).
    rows.sort_by_key(|r| std::cmp::Reverse(r.severity));
    rows
}

/// The severity an unclassified group counts with (a FATAL counts as an error).
fn level_severity(u: &UnclassifiedGroup) -> Severity {
    Level::from_label(u.severity.as_bytes())
        .map_or(Severity::Warning, Verdict::unclassified_severity)
}

/// `19:48:21`, `19:48:21–20:02:10` within a day, `2026-11-27–2026-11-28` across days;
/// empty without times. Times are shown as logged (ISO 8601 in the report).
fn when(first: Option<&str>, last: Option<&str>) -> String {
    fn split(t: &str) -> Option<(&str, &str)> {
        t.get(..10).zip(t.get(11..19))
    }
    match (first.and_then(split), last.and_then(split)) {
        (Some((d1, _)), Some((d2, _))) if d1 != d2 => format!("{d1}–{d2}"),
        (Some((_, t1)), Some((_, t2))) if t1 != t2 => format!("{t1}–{t2}"),
        (Some((_, t)), _) | (None, Some((_, t))) => t.to_string(),
        (None, None) => String::new(),
    }
}

/// The finding lines in aligned columns: the title takes what is left of the width and
/// is shortened first; a column no row fills is left out.
fn lines(rows: &[Row<'_>], look: Look) -> Vec<String> {
    let col = |f: &dyn Fn(&Row<'_>) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let counts: Vec<String> = rows.iter().map(|r| format!("{}×", r.count)).collect();
    let sev_w = col(&|r| r.severity.as_str().len());
    let count_w = counts.iter().map(|c| term::width(c)).max().unwrap_or(0);
    let id_w = col(&|r| term::width(r.id));
    let when_w = col(&|r| term::width(&r.when));
    let fixed = sev_w + count_w + id_w + 3 * GAP.len();
    let when_room = if when_w > 0 { when_w + GAP.len() } else { 0 };
    let title_w = col(&|r| term::width(&r.title)).min(look.width.saturating_sub(fixed + when_room));
    let note_indent = " ".repeat(sev_w + count_w + 2 * GAP.len());
    let mut out = Vec::new();
    for (row, count) in rows.iter().zip(&counts) {
        let sev = paint(
            look.color,
            Paint::of(row.severity),
            &pad(row.severity.as_str(), sev_w),
        );
        let id = paint(look.color, Paint::Bold, &pad(row.id, id_w));
        let title = pad(&fit(&row.title, title_w), title_w);
        let when = paint(look.color, Paint::Dim, &row.when);
        let line = format!("{sev}{GAP}{count:>count_w$}{GAP}{id}{GAP}{title}{GAP}{when}");
        out.push(line.trim_end().to_string());
        if !row.note.is_empty() {
            let note = term::wrap(&row.note, look.width, &note_indent, &note_indent, false);
            out.extend(note.iter().map(|l| paint(look.color, Paint::Dim, l)));
        }
    }
    out
}

/// `also seen: 12 informational events (server.ready, …) — --all to list`: the findings
/// below the threshold in one line, the most frequent named first as room allows.
fn also_seen(r: &Report, look: Look) -> Option<String> {
    let from = threshold(r, look.all);
    let mut rest: Vec<&Finding> = r.findings.iter().filter(|f| f.severity < from).collect();
    if rest.is_empty() {
        return None;
    }
    rest.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    let events: u64 = rest.iter().map(|f| f.count).sum();
    let what = match from {
        Severity::Warning => "informational events",
        _ => "events below the threshold",
    };
    let head = format!("also seen: {events} {what}");
    let tail = format!(" — {} to list", look.all_flag);
    // The ids in ` (…)`, as many as fit.
    let room = look
        .width
        .saturating_sub(term::width(&head) + term::width(&tail) + 3);
    let mut ids = String::new();
    for (n, f) in rest.iter().enumerate() {
        let sep = if n == 0 { "" } else { ", " };
        // Room for this id, and for `, …` after it unless it is the last.
        let more = if n + 1 < rest.len() { 3 } else { 0 };
        if term::width(&ids) + sep.len() + term::width(&f.id) + more > room {
            if n > 0 {
                ids.push_str(", …");
            }
            break;
        }
        ids.push_str(sep);
        ids.push_str(&f.id);
    }
    let ids = if ids.is_empty() {
        ids
    } else {
        format!(" ({ids})")
    };
    Some(paint(look.color, Paint::Dim, &format!("{head}{ids}{tail}")))
}

/// Advice for every warning-or-worse finding the policy has not accepted.
fn what_to_do(out: &mut Vec<String>, r: &Report, look: Look) {
    let advice: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info && f.accepted.is_none())
        .collect();
    if advice.is_empty() {
        return;
    }
    let heading = format!("What to do ({})", r.env.as_str());
    out.extend(["".to_string(), paint(look.color, Paint::Bold, &heading)]);
    let w = look.width;
    for f in advice {
        let sev = f.severity.as_str();
        let room = w.saturating_sub(sev.len() + f.id.len() + 5);
        out.push(String::new());
        out.push(format!(
            "{} {} — {}",
            paint(look.color, Paint::of(f.severity), sev),
            paint(look.color, Paint::Bold, &f.id),
            fit(&f.title, room)
        ));
        for (label, text) in [("seen", &f.sample), ("detail", &f.detail)] {
            if let Some(t) = text {
                let t = t.lines().collect::<Vec<_>>().join(" ");
                out.push(format!(
                    "  {label}: {}",
                    fit(&t, w.saturating_sub(label.len() + 4))
                ));
            }
        }
        let advice = match &f.caused_by {
            Some(cause) => consequence_advice(cause),
            None => f.remediation.clone(),
        };
        out.extend(term::markdown(&advice, w, "  ", look.color));
        let more = format!("pgtriage explain {}", f.id);
        out.push(format!("  more: {}", paint(look.color, Paint::Code, &more)));
    }
}

/// What the server did, compactly: the JSON report has every figure.
fn statistics(out: &mut Vec<String>, r: &Report, look: Look) {
    let Some(a) = &r.stats.activity else {
        return;
    };
    let lines = activity::lines(a);
    if lines.is_empty() {
        return;
    }
    out.extend(["".to_string(), paint(look.color, Paint::Bold, "Statistics")]);
    for (label, text) in lines {
        let text = format!("{label}: {text}").replace('`', "'");
        out.extend(term::wrap(&text, look.width, "  ", "    ", false));
    }
    let top = activity::top_queries(a);
    if !top.is_empty() {
        out.push("  top statements by total time:".to_string());
    }
    for q in top {
        let cost = format!("{} in {}×", activity::ms(q.total_ms), q.count);
        let head = format!("    {cost:>20}  ");
        let query = fit(&q.query, look.width.saturating_sub(term::width(&head)));
        out.push(format!("{head}{query}"));
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
    parts.join("; ").replace('`', "'")
}
