//! The GitHub Actions rendering of a report: workflow commands, one line per finding and
//! per unclassified group, then a summary notice.
//!
//! - `::error` for rows that fail the gate at error or critical severity;
//! - `::warning` for rows that fail the gate at warning, and for warning-or-worse rows that
//!   do not (below `--fail-on`, or already in the baseline);
//! - `::notice` for info rows and for accepted rows (with the acceptance's reason).
//!
//! Message text is escaped as GitHub's runner expects (`%`, CR, LF), property values
//! (`title=`) also `:` and `,`, so no log line can end a command early or start another.

use super::text::{
    acceptance_note, baseline_note, expired_note, gating_rows, short_advice, truncate, verdict,
};
use super::{Finding, Report, UnclassifiedGroup};
use crate::severity::Severity;
use std::fmt::Write;

/// Messages are cut to this many characters (a log sample can be megabytes).
const MESSAGE_MAX: usize = 1000;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        finding(&mut out, f);
    }
    for u in &r.unclassified {
        unclassified(&mut out, u);
    }
    let mut summary = format!(
        "pgtriage: {} finding{}",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" }
    );
    if !r.unclassified.is_empty() {
        let _ = write!(summary, ", {} unclassified", r.unclassified.len());
    }
    let accepted = r.findings.iter().filter(|f| f.accepted.is_some()).count();
    let _ = write!(
        summary,
        " ({} failing the gate, {accepted} accepted), verdict {} (env {}, fail-on {})",
        gating_rows(r),
        verdict(r),
        r.env.as_str(),
        r.fail_on.as_str()
    );
    let _ = writeln!(out, "::notice::{}", escape_data(&summary));
    out
}

fn finding(out: &mut String, f: &Finding) {
    let (command, note) = finding_command(f);
    let mut msg = format!("{} ({}×)", f.title, f.count);
    if let Some(n) = note {
        let _ = write!(msg, " [{n}]");
    }
    if let Some(a) = &f.accepted {
        let _ = write!(msg, " — {}", acceptance_note(a));
    } else {
        let advice = short_advice(&f.remediation);
        if !advice.is_empty() {
            let _ = write!(msg, " — {advice}");
        }
    }
    let mut title = f.id.clone();
    if let Some(scope) = &f.scope {
        let _ = write!(title, " ({scope})");
    }
    line(out, command, &title, &msg);
}

fn unclassified(out: &mut String, u: &UnclassifiedGroup) {
    let command = match (u.gating, u.severity) {
        (true, "WARNING") => "warning",
        (true, _) => "error",
        (false, _) => "warning",
    };
    let mut msg = format!("unclassified {} ({}×)", u.severity, u.count);
    if let Some(b) = &u.baseline {
        let _ = write!(msg, " [{}]", baseline_note(b));
    }
    let _ = write!(msg, ": {}", u.sample);
    line(out, command, &format!("unclassified.{}", u.severity), &msg);
}

/// The command for a finding, and a note on why it is not failing when that needs saying.
fn finding_command(f: &Finding) -> (&'static str, Option<String>) {
    if f.accepted.is_some() {
        return ("notice", None);
    }
    let command = match (f.gating, f.severity) {
        (_, Severity::Info) => "notice",
        (true, Severity::Warning) => "warning",
        (true, _) => "error",
        (false, _) => "warning",
    };
    let notes: Vec<String> = f
        .acceptance_expired
        .iter()
        .map(expired_note)
        .chain(f.baseline.iter().map(baseline_note))
        .collect();
    (command, (!notes.is_empty()).then(|| notes.join("; ")))
}

fn line(out: &mut String, command: &str, title: &str, message: &str) {
    let _ = writeln!(
        out,
        "::{command} title={}::{}",
        escape_property(title),
        escape_data(&truncate(message, MESSAGE_MAX))
    );
}

/// A command's message: `%`, CR and LF are the characters the runner decodes. Other
/// control characters (terminal escapes, bells) from log lines are dropped.
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A property value: as a message, plus `:` and `,`, which end a value.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_decodes() {
        assert_eq!(
            escape_data("100%\r\nx::y\u{1b}[31m"),
            "100%25%0D%0Ax::y[31m"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
