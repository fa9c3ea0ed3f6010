//! The HTML rendering of a report: one self-contained page to open in a browser or attach
//! to a ticket. The verdict and the findings with their advice come first, then what the
//! server did (stats.rs) with its charts as inline SVG (svg.rs).
//!
//! Nothing is fetched: the stylesheet is inline, fonts are the reader's own, and there is
//! no script, so the page reads the same with JavaScript off and a strict
//! Content-Security-Policy forbids nothing it uses. Every text from the report is escaped;
//! the report carries log text already redacted, and this renderer reads nothing else.
//! Every section is present in every report, saying briefly when it has nothing to show.

mod prose;
mod stats;
mod svg;

use super::text::{
    acceptance_note, baseline_note, consequence_advice, consequence_note, expired_note,
    gating_rows, more_unclassified, truncate, unclassified_note, verdict, xml_escape,
};
use super::{Finding, Report};
use crate::severity::Severity;
use std::fmt::Write;

/// Samples in table cells are cut to this many characters.
const CELL_MAX: usize = 300;
/// Inputs the header names, at most (the Inputs section lists them all).
const INPUTS_NAMED: usize = 3;
/// Unclassified groups listed, at most.
const UNCLASSIFIED_MAX: usize = 100;
/// The stylesheet, inline in every page.
const STYLE: &str = include_str!("style.css");

pub fn render(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, r);
    verdict_section(&mut out, r);
    contents(&mut out);
    out.push_str("<main>\n");
    findings(&mut out, r);
    advice(&mut out, r);
    unclassified(&mut out, r);
    stats::sections(&mut out, r);
    inputs(&mut out, r);
    out.push_str("</main>\n");
    let _ = writeln!(
        out,
        "<footer>{} {} · report schema v{} · the same document as <code>--output json</code>\
         </footer>\n</body>\n</html>",
        esc(r.tool.name),
        esc(r.tool.version),
        r.schema_version
    );
    out
}

/// HTML text, in content or a double-quoted attribute.
fn esc(s: &str) -> String {
    xml_escape(s)
}

/// Log text for a table cell: escaped, cut to `CELL_MAX` characters.
fn cell(s: &str) -> String {
    esc(&truncate(s, CELL_MAX))
}

fn head(out: &mut String, r: &Report) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>pgtriage: {} ({}, fail-on {})</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(r.tool.name),
        esc(r.tool.version),
        verdict(r),
        r.env.as_str(),
        r.fail_on.as_str()
    );
}

/// The verdict, the counts by severity, and what fails the gate.
fn verdict_section(out: &mut String, r: &Report) {
    let s = &r.summary;
    let v = verdict(r);
    let _ = writeln!(
        out,
        "<header id=\"verdict\" class=\"verdict {v}\">\n<h1><span class=\"badge\">{v}</span> \
         pgtriage report</h1>\n<p class=\"gate\">env <b>{}</b> · fail-on <b>{}</b>{}</p>",
        r.env.as_str(),
        r.fail_on.as_str(),
        r.policy.as_ref().map_or(String::new(), |p| format!(
            " · policy <code>{}</code>",
            esc(p)
        ))
    );
    let b = &s.by_severity;
    out.push_str("<ul class=\"counts\">");
    for (n, label, class) in [
        (s.records, "records", "plain"),
        (s.classified, "classified", "plain"),
        (s.unclassified, "unclassified", "plain"),
        (b.critical, "critical", "critical"),
        (b.error, "error", "error"),
        (b.warning, "warning", "warning"),
        (b.info, "info", "info"),
        (s.accepted, "accepted by policy", "plain"),
    ] {
        let zero = if n == 0 { " zero" } else { "" };
        let _ = write!(
            out,
            "<li class=\"{class}{zero}\"><b>{}</b> {label}</li>",
            group(n)
        );
    }
    out.push_str("</ul>\n");
    let gate = if s.failed {
        let n = gating_rows(r);
        let rows = if n == 1 { "row fails" } else { "rows fail" };
        format!(
            "<b>{n} {rows}</b> the gate (at or above {}).",
            r.fail_on.as_str()
        )
    } else {
        format!("Nothing at or above {} fails the gate.", r.fail_on.as_str())
    };
    let _ = writeln!(out, "<p class=\"gate\">{gate}</p>");
    let names: Vec<String> = r.inputs.iter().map(|i| esc(&i.name)).collect();
    if !names.is_empty() {
        let more = names.len().saturating_sub(INPUTS_NAMED);
        let mut read = names[..names.len() - more].join(", ");
        if more > 0 {
            let _ = write!(read, " and {more} more");
        }
        let _ = writeln!(out, "<p class=\"read\">Read: {read}</p>");
    }
    for i in r.inputs.iter().filter(|i| i.error.is_some()) {
        let _ = writeln!(
            out,
            "<p class=\"stopped\">Reading <code>{}</code> stopped early: {}. The findings up \
             to there are reported.</p>",
            esc(&i.name),
            esc(i.error.as_deref().unwrap_or_default())
        );
    }
    out.push_str("</header>\n");
}

/// Links to the sections: plain anchors, no script.
fn contents(out: &mut String) {
    out.push_str(
        "<nav><a href=\"#findings\">Findings</a><a href=\"#advice\">What to do</a>\
         <a href=\"#unclassified\">Unclassified</a>",
    );
    for s in &stats::SECTIONS {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", s.id, s.title);
    }
    out.push_str("<a href=\"#inputs\">Inputs</a></nav>\n");
}

/// The findings, one row each, linking to their advice.
fn findings(out: &mut String, r: &Report) {
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if r.findings.is_empty() {
        out.push_str("<p class=\"empty\">No catalogue entry matched.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table>\n<thead><tr><th>severity</th><th>finding</th><th class=\"n\">count</th>\
         <th>last seen</th><th>note</th></tr></thead>\n<tbody>\n",
    );
    for f in &r.findings {
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td><a href=\"#{}\">{}</a><br><code>{}</code></td>\
             <td class=\"n\">{}</td><td class=\"time\">{}</td><td>{}</td></tr>",
            if f.gating { " class=\"gating\"" } else { "" },
            severity(f.severity.as_str()),
            anchor(&f.id),
            esc(&f.title),
            esc(&f.id),
            group(f.count),
            esc(f.last_seen.as_deref().unwrap_or("—")),
            esc(&finding_note(f))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if r.stats.warning_or_worse_records > 0 {
        let _ = writeln!(
            out,
            "<p class=\"aside\">The catalogue explains {} of {} WARNING-or-worse records.</p>",
            group(r.stats.warning_or_worse_classified),
            group(r.stats.warning_or_worse_records)
        );
    }
    out.push_str("</section>\n");
}

/// Each finding's sample and advice for this environment, open when it fails the gate.
fn advice(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"advice\">\n<h2>What to do <small>({})</small></h2>",
        r.env.as_str()
    );
    if r.findings.is_empty() {
        out.push_str("<p class=\"empty\">Nothing to do: no finding.</p>\n");
    }
    // Informational findings (the server said what it did) are folded together below the
    // ones to act on.
    let (info, act): (Vec<&Finding>, Vec<&Finding>) = r
        .findings
        .iter()
        .partition(|f| f.severity == Severity::Info && !f.gating);
    for f in act {
        card(out, f);
    }
    if !info.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"info-group\">\n<summary>{} informational finding{}</summary>",
            info.len(),
            if info.len() == 1 { "" } else { "s" }
        );
        for f in info {
            card(out, f);
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn card(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "<details id=\"{}\" class=\"card sev-{}\"{}>\n<summary>{} <b>{}</b> <code>{}</code> \
         <span class=\"times\">{}×</span></summary>",
        anchor(&f.id),
        f.severity.as_str(),
        if f.gating { " open" } else { "" },
        severity(f.severity.as_str()),
        esc(&f.title),
        esc(&f.id),
        group(f.count)
    );
    let note = finding_note(f);
    let seen = match (&f.first_seen, &f.last_seen) {
        (Some(a), Some(b)) if a != b => format!("seen {} to {}", esc(a), esc(b)),
        (Some(a), _) | (None, Some(a)) => format!("seen {}", esc(a)),
        (None, None) => String::new(),
    };
    let meta: Vec<String> = [seen, esc(&note)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !meta.is_empty() {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
    }
    let sample: Vec<&str> = [&f.sample, &f.detail, &f.statement]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .collect();
    if !sample.is_empty() {
        let _ = writeln!(
            out,
            "<pre class=\"sample\">{}</pre>",
            esc(&sample.join("\n"))
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"explain\">{}</p>",
        prose::inline(&f.explain)
    );
    let advice = match &f.caused_by {
        Some(cause) => consequence_advice(cause),
        None => f.remediation.clone(),
    };
    let _ = writeln!(
        out,
        "<div class=\"remedy\">\n{}</div>",
        prose::blocks(&advice)
    );
    let _ = writeln!(
        out,
        "<p class=\"more\">More: <code>pgtriage explain {}</code> · <code>{}</code></p>\n</details>",
        esc(&f.id),
        esc(&f.docs)
    );
}

/// WARNING-or-worse messages no catalogue entry explains, largest first.
fn unclassified(out: &mut String, r: &Report) {
    out.push_str("<section id=\"unclassified\">\n<h2>Unclassified warnings or worse</h2>\n");
    if r.unclassified.is_empty() {
        out.push_str("<p class=\"empty\">None: every WARNING-or-worse record is explained.</p>\n");
        out.push_str("</section>\n");
        return;
    }
    out.push_str(
        "<table>\n<thead><tr><th>level</th><th class=\"n\">count</th><th>sample</th>\
         <th>first seen</th><th>note</th></tr></thead>\n<tbody>\n",
    );
    for u in r.unclassified.iter().take(UNCLASSIFIED_MAX) {
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td class=\"n\">{}</td><td><code>{}</code></td>\
             <td class=\"time\">{}</td><td>{}</td></tr>",
            if u.gating { " class=\"gating\"" } else { "" },
            severity(&u.severity.to_ascii_lowercase()),
            group(u.count),
            cell(&u.sample),
            esc(u.first_seen.as_deref().unwrap_or("—")),
            esc(&unclassified_note(u))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let more = r.unclassified.len().saturating_sub(UNCLASSIFIED_MAX) as u64
        + r.stats.unclassified_overflow;
    if more > 0 {
        let _ = writeln!(
            out,
            "<p class=\"aside\">{}</p>",
            prose::inline(&more_unclassified(more))
        );
    }
    out.push_str("</section>\n");
}

/// What was read, and how it was understood.
fn inputs(out: &mut String, r: &Report) {
    out.push_str("<section id=\"inputs\">\n<h2>Inputs</h2>\n");
    if r.inputs.is_empty() {
        out.push_str("<p class=\"empty\">No input was read.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table>\n<thead><tr><th>input</th><th>format</th><th>framing</th><th>prefix</th>\
         <th class=\"n\">lines</th><th class=\"n\">records</th></tr></thead>\n<tbody>\n",
    );
    for i in &r.inputs {
        let mut framing = i.framing.to_string();
        if i.compression.as_str() != "none" {
            let _ = write!(framing, ", {}", i.compression);
        }
        let prefix = i.prefix.as_deref().map_or_else(
            || "not detected".to_string(),
            |p| format!("<code>{}</code>", esc(p)),
        );
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{prefix}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&i.name),
            esc(&i.format.to_string()),
            esc(&framing),
            group(i.lines),
            group(i.records)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// A severity or level as a coloured label.
fn severity(s: &str) -> String {
    format!("<span class=\"sev {0}\">{0}</span>", esc(s))
}

/// The id of a finding's card: `f-` and its catalogue id.
fn anchor(id: &str) -> String {
    format!("f-{}", esc(id))
}

fn finding_note(f: &Finding) -> String {
    let mut notes = Vec::new();
    if let Some(a) = &f.accepted {
        notes.push(acceptance_note(a));
    } else if f.gating {
        notes.push("fails the gate".to_string());
    }
    if let Some(a) = &f.acceptance_expired {
        notes.push(expired_note(a));
    }
    if let Some(b) = &f.baseline {
        notes.push(baseline_note(b));
    }
    if let Some(cause) = &f.caused_by {
        notes.push(consequence_note(cause));
    }
    if let Some(scope) = &f.scope {
        notes.push(format!("scope {scope}"));
    }
    notes.join("; ")
}

/// `1234567` as `1 234 567`, with narrow no-break spaces: long counts read at a glance.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
