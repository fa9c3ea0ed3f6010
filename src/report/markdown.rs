//! The markdown rendering of a report: a summary for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY` (GitHub-flavoured markdown).
//!
//! Everything that comes from a log (samples, input names, prefixes, errors) is escaped so
//! that it can neither break a table (`|`, newlines) nor render as markup (HTML, emphasis,
//! links, code spans); samples are shown in `<code>` so GitHub does not turn `@name` or
//! `#123` in them into mentions or links. Catalogue remediation is markdown already and is
//! kept as such, with `<`, `>` and `&` outside code spans escaped.

use super::activity::ms;
use super::text::{
    acceptance_note, baseline_note, consequence_advice, expired_note, gating_rows,
    more_unclassified, truncate, unclassified_note, xml_escape,
};
use super::{Finding, InputSummary, Report};
use std::fmt::Write;

/// Samples in tables are cut to this many characters.
const SAMPLE_MAX: usize = 300;
/// At most this many unclassified groups are listed (a PR comment holds 65,536 characters).
const UNCLASSIFIED_MAX: usize = 50;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    heading(&mut out, r);
    inputs(&mut out, &r.inputs);
    findings(&mut out, &r.findings);
    unclassified(&mut out, r);
    if r.stats.warning_or_worse_records > 0 {
        let _ = writeln!(
            out,
            "The catalogue explains {} of {} WARNING-or-worse records.\n",
            r.stats.warning_or_worse_classified, r.stats.warning_or_worse_records
        );
    }
    what_to_do(&mut out, r);
    statistics(&mut out, r);
    let _ = writeln!(
        out,
        "<sub>{} {}, report schema v{}</sub>",
        r.tool.name, r.tool.version, r.schema_version
    );
    out
}

/// The heading with the verdict, the counts, and which rows fail the gate.
fn heading(out: &mut String, r: &Report) {
    let s = &r.summary;
    let fail_on = r.fail_on.as_str();
    let verdict = if s.failed { "❌ failed" } else { "✅ passed" };
    let _ = writeln!(
        out,
        "## pgtriage: {verdict} (env `{}`, fail-on `{fail_on}`)\n",
        r.env.as_str(),
    );
    out.push_str(&s.counts());
    if s.accepted > 0 {
        let _ = write!(out, "; {} accepted by policy", s.accepted);
    }
    let _ = writeln!(out, ".");
    let gate = if s.failed {
        let n = gating_rows(r);
        let (rows, fail) = if n == 1 {
            ("row", "fails")
        } else {
            ("rows", "fail")
        };
        format!("**{n} {rows} at or above `{fail_on}`** {fail} the gate.")
    } else {
        format!("Nothing at or above `{fail_on}` fails the gate.")
    };
    let _ = writeln!(out, "{gate}\n");
    if let Some(p) = &r.policy {
        let _ = writeln!(out, "Policy: <code>{}</code>\n", cell(p, usize::MAX));
    }
}

fn inputs(out: &mut String, inputs: &[InputSummary]) {
    let _ = writeln!(out, "### Inputs\n");
    let _ = writeln!(out, "| input | framing | prefix | lines | records |");
    let _ = writeln!(out, "|---|---|---|--:|--:|");
    for i in inputs {
        let mut framing = i.framing.to_string();
        if i.compression.as_str() != "none" {
            let _ = write!(framing, ", {}", i.compression);
        }
        let mut prefix = i.prefix.as_deref().map_or_else(
            || "not detected".to_string(),
            |p| format!("<code>{}</code>", cell(p, usize::MAX)),
        );
        for other in &i.prefix_alternatives {
            let _ = write!(prefix, " (or <code>{}</code>)", cell(other, usize::MAX));
        }
        let mut records = i.records.to_string();
        if let Some(e) = &i.error {
            let _ = write!(records, " (reading stopped early: {})", cell(e, SAMPLE_MAX));
        }
        let _ = writeln!(
            out,
            "| <code>{}</code> | {} | {} | {} | {} |",
            cell(&i.name, usize::MAX),
            cell(&framing, usize::MAX),
            prefix,
            i.lines,
            records
        );
    }
    let _ = writeln!(out);
}

fn findings(out: &mut String, findings: &[Finding]) {
    let _ = writeln!(out, "### Findings\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No catalogue entry matched.\n");
        return;
    }
    let _ = writeln!(out, "| severity | id | count | title | note |");
    let _ = writeln!(out, "|---|---|--:|---|---|");
    for f in findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            strong_if(f.gating, f.severity.as_str()),
            f.id,
            f.count,
            cell(&f.title, usize::MAX),
            finding_note(f)
        );
    }
    let _ = writeln!(out);
}

/// The largest unclassified groups, and how many more there are.
fn unclassified(out: &mut String, r: &Report) {
    if r.unclassified.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Unclassified warnings or worse\n");
    let _ = writeln!(out, "| level | count | sample | note |");
    let _ = writeln!(out, "|---|--:|---|---|");
    for u in r.unclassified.iter().take(UNCLASSIFIED_MAX) {
        let _ = writeln!(
            out,
            "| {} | {} | <code>{}</code> | {} |",
            strong_if(u.gating, u.severity),
            u.count,
            cell(&u.sample, SAMPLE_MAX),
            unclassified_note(u)
        );
    }
    let more = r.unclassified.len().saturating_sub(UNCLASSIFIED_MAX) as u64
        + r.stats.unclassified_overflow;
    if more > 0 {
        let _ = writeln!(out, "\n{}", more_unclassified(more));
    }
    let _ = writeln!(out);
}

/// What the server did, compactly: the JSON report has every figure.
fn statistics(out: &mut String, r: &Report) {
    let Some(a) = &r.stats.activity else {
        return;
    };
    let lines = super::activity::lines(a);
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Statistics
"
    );
    for (label, text) in lines {
        let _ = writeln!(out, "- **{label}**: {}", cell(&text, SAMPLE_MAX));
    }
    let top = super::activity::top_queries(a);
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "
| total | count | mean | max | statement |"
        );
        let _ = writeln!(out, "|--:|--:|--:|--:|---|");
        for q in top {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | <code>{}</code> |",
                ms(q.total_ms),
                q.count,
                ms(q.mean_ms),
                ms(q.max_ms),
                cell(&q.query, SAMPLE_MAX)
            );
        }
    }
    let _ = writeln!(out);
}

/// Advice for the rows that fail the gate, each folded in a `<details>`.
fn what_to_do(out: &mut String, r: &Report) {
    let todo: Vec<&Finding> = r.findings.iter().filter(|f| f.gating).collect();
    if todo.is_empty() {
        return;
    }
    let _ = writeln!(out, "### What to do ({})\n", r.env.as_str());
    for f in todo {
        let _ = writeln!(
            out,
            "<details><summary><b>{}</b> <code>{}</code> — {} ({}×)</summary>\n",
            f.severity.as_str(),
            html(&f.id),
            html(&f.title),
            f.count
        );
        if let Some(sample) = &f.sample {
            let _ = writeln!(out, "Seen:\n");
            let _ = writeln!(out, "{}\n", fenced(sample));
        }
        let advice = match &f.caused_by {
            Some(cause) => consequence_advice(cause),
            None => f.remediation.clone(),
        };
        let _ = writeln!(out, "{}\n", markdown_prose(&advice));
        let _ = writeln!(out, "More: `pgtriage explain {}`\n", f.id);
        let _ = writeln!(out, "</details>\n");
    }
}

/// Gating rows show their severity in bold.
fn strong_if(gating: bool, severity: &str) -> String {
    if gating {
        format!("**{severity}**")
    } else {
        severity.to_string()
    }
}

fn finding_note(f: &Finding) -> String {
    let mut notes = Vec::new();
    if let Some(a) = &f.accepted {
        notes.push(cell(&acceptance_note(a), SAMPLE_MAX));
    } else if f.gating {
        notes.push("fails the gate".to_string());
    }
    if let Some(a) = &f.acceptance_expired {
        notes.push(cell(&expired_note(a), SAMPLE_MAX));
    }
    if let Some(b) = &f.baseline {
        notes.push(baseline_note(b));
    }
    if let Some(cause) = &f.caused_by {
        notes.push(format!(
            "consequence of <code>{}</code>",
            cell(cause, usize::MAX)
        ));
    }
    if let Some(scope) = &f.scope {
        notes.push(format!("scope <code>{}</code>", cell(scope, usize::MAX)));
    }
    notes.join("; ")
}

/// Text for a table cell (or any inline position): one line, no markup, no HTML, `|`
/// escaped, at most `max` characters (then `…`).
pub(crate) fn cell(s: &str, max: usize) -> String {
    let chars: Vec<char> = truncate(s, max).chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' | '\\' | '`' | '*' | '[' | ']' | '~' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                // An underscore between two letters or digits never starts or ends
                // emphasis (GFM's flanking rules); escape it everywhere else.
                let alnum = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
                let inner = i > 0 && alnum(chars.get(i - 1)) && alnum(chars.get(i + 1));
                if !inner {
                    out.push('\\');
                }
                out.push('_');
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text inside raw HTML (a `<summary>`): entities, on one line.
fn html(s: &str) -> String {
    xml_escape(&s.replace(['\n', '\r', '\t'], " "))
}

/// A fenced code block holding `s` verbatim, its fence longer than any backtick run in it.
fn fenced(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body: String = s
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    format!("{fence}text\n{body}\n{fence}")
}

/// Catalogue prose (markdown with code spans): `<`, `>` and `&` outside code spans become
/// entities so that text like `<dbname>` is shown rather than taken as an HTML tag.
fn markdown_prose(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_markup_and_html() {
        assert_eq!(cell("a|b", 100), "a\\|b");
        assert_eq!(cell("<script>&", 100), "&lt;script&gt;&amp;");
        assert_eq!(cell("`x` *y* [z](u)", 100), "\\`x\\` \\*y\\* \\[z\\](u)");
        assert_eq!(cell("a\nb\u{7}c", 100), "a<br>bc");
        assert_eq!(cell("POSTGRES_HOST _x_", 100), "POSTGRES_HOST \\_x\\_");
        assert_eq!(cell("abcdef", 3), "abc…");
    }

    #[test]
    fn fences_outgrow_backticks_in_the_sample() {
        assert_eq!(fenced("a ```` b"), "`````text\na ```` b\n`````");
        assert_eq!(fenced("plain"), "```text\nplain\n```");
    }

    #[test]
    fn prose_keeps_code_spans() {
        assert_eq!(
            markdown_prose("use `a<b>` not <dbname> & co"),
            "use `a<b>` not &lt;dbname&gt; &amp; co"
        );
    }
}
