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

use super::{BaselineDiff, Finding, Report};
use crate::severity::Severity;
use std::fmt::Write;

/// Messages are cut to this many characters (a log sample can be megabytes).
const MESSAGE_MAX: usize = 1000;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let (command, note) = finding_command(f);
        let mut msg = format!("{} ({}×)", f.title, f.count);
        if let Some(n) = note {
            let _ = write!(msg, " [{n}]");
        }
        if let Some(a) = &f.accepted {
            let _ = write!(msg, " — accepted: {}", a.reason);
            if let Some(u) = &a.until {
                let _ = write!(msg, " (until {u})");
            }
        } else if let Some(first) = f.remediation.lines().map(str::trim).find(|l| !l.is_empty()) {
            let _ = write!(msg, " — {first}");
        }
        let mut title = f.id.clone();
        if let Some(scope) = &f.scope {
            let _ = write!(title, " ({scope})");
        }
        line(&mut out, command, &title, &msg);
    }
    for u in &r.unclassified {
        let command = match (u.gating, u.severity) {
            (true, "WARNING") => "warning",
            (true, _) => "error",
            (false, _) => "warning",
        };
        let mut msg = format!("unclassified {} ({}×)", u.severity, u.count);
        if let Some(n) = u.baseline.as_ref().map(baseline_note) {
            let _ = write!(msg, " [{n}]");
        }
        let _ = write!(msg, ": {}", u.sample);
        line(
            &mut out,
            command,
            &format!("unclassified.{}", u.severity),
            &msg,
        );
    }
    let gating = r.findings.iter().filter(|f| f.gating).count()
        + r.unclassified.iter().filter(|u| u.gating).count();
    let accepted = r.findings.iter().filter(|f| f.accepted.is_some()).count();
    let mut summary = format!(
        "pgtriage: {} finding{}",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" }
    );
    if !r.unclassified.is_empty() {
        let _ = write!(summary, ", {} unclassified", r.unclassified.len());
    }
    let _ = write!(
        summary,
        " ({gating} failing the gate, {accepted} accepted), verdict {} (env {}, fail-on {})",
        if r.summary.failed { "failed" } else { "passed" },
        r.env.as_str(),
        r.fail_on.as_str()
    );
    let _ = writeln!(out, "::notice::{}", escape_data(&summary));
    out
}

/// The command for a finding, and a note on why it is not failing when that needs saying.
fn finding_command(f: &Finding) -> (&'static str, Option<String>) {
    if f.accepted.is_some() {
        return ("notice", None);
    }
    let note = f.baseline.as_ref().map(baseline_note);
    let command = match (f.gating, f.severity) {
        (_, Severity::Info) => "notice",
        (true, Severity::Warning) => "warning",
        (true, _) => "error",
        (false, _) => "warning",
    };
    let note = match (&f.acceptance_expired, note) {
        (Some(a), n) => Some(format!(
            "acceptance expired{}{}",
            a.until
                .as_deref()
                .map_or(String::new(), |u| format!(" on {u}")),
            n.map_or(String::new(), |n| format!("; {n}"))
        )),
        (None, n) => n,
    };
    (command, note)
}

fn baseline_note(b: &BaselineDiff) -> String {
    if b.new {
        "new".to_string()
    } else if b.regression {
        format!(
            "regression, baseline {}",
            b.count.map_or("-".to_string(), |c| c.to_string())
        )
    } else {
        "in baseline".to_string()
    }
}

fn line(out: &mut String, command: &str, title: &str, message: &str) {
    let message: String = if message.chars().count() > MESSAGE_MAX {
        let mut m: String = message.chars().take(MESSAGE_MAX).collect();
        m.push('…');
        m
    } else {
        message.to_string()
    };
    let _ = writeln!(
        out,
        "::{command} title={}::{}",
        escape_property(title),
        escape_data(&message)
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
