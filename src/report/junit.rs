//! The JUnit XML rendering of a report, as GitLab (`artifacts:reports:junit`) and Jenkins
//! (`junit` step) read it: one `<testsuite name="pgtriage">` holding
//!
//! - one test case per input (`pgtriage.input`), failing with `<error>` when reading
//!   stopped early — so the suite is never empty, which Jenkins treats as an error;
//! - one per finding row (`pgtriage.<category>`, named by the entry's id, plus its scope
//!   for an accepted row that has one), failing when the row fails the gate; accepted rows
//!   pass and say why in `<system-out>`;
//! - one per unclassified group (`pgtriage.unclassified`, named `unclassified.<LEVEL>`),
//!   failing when it fails the gate.
//!
//! Text is escaped for XML 1.0, and characters XML 1.0 cannot hold (control characters
//! other than tab, LF and CR; U+FFFE, U+FFFF) are dropped.

use super::{BaselineDiff, Finding, Report};
use std::fmt::Write;

struct Case {
    classname: String,
    name: String,
    /// (message, type, body)
    failure: Option<(String, String, String)>,
    /// (message, body): the input could not be read to its end.
    error: Option<(String, String)>,
    system_out: Option<String>,
}

pub fn render(r: &Report) -> String {
    let mut cases = Vec::new();
    for i in &r.inputs {
        let out = format!(
            "{} lines, {} records, framing {}, compression {}, prefix {}",
            i.lines,
            i.records,
            i.framing,
            i.compression,
            i.prefix
                .as_deref()
                .map_or("not detected".to_string(), |p| format!("'{p}'"))
        );
        cases.push(Case {
            classname: "pgtriage.input".into(),
            name: i.name.clone(),
            failure: None,
            error: i
                .error
                .as_ref()
                .map(|e| (format!("reading stopped early: {e}"), e.clone())),
            system_out: Some(out),
        });
    }
    for f in &r.findings {
        cases.push(finding_case(r, f));
    }
    for u in &r.unclassified {
        let mut body = format!(
            "{}× unclassified {}, the first:\n{}\n",
            u.count, u.severity, u.sample
        );
        if let Some(b) = &u.baseline {
            let _ = writeln!(body, "baseline: {}", baseline_note(b));
        }
        body.push_str(
            "\nNo catalogue entry explains this message; read it and the lines around it.\n",
        );
        let message = format!("unclassified {} ({}×)", u.severity, u.count);
        cases.push(Case {
            classname: "pgtriage.unclassified".into(),
            name: format!("unclassified.{}", u.severity),
            failure: u
                .gating
                .then(|| (message, u.severity.to_string(), body.clone())),
            error: None,
            system_out: (!u.gating).then_some(body),
        });
    }

    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"pgtriage\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"pgtriage\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
        cases.len()
    );
    let _ = writeln!(out, "    <properties>");
    let mut props = vec![
        ("tool", format!("{} {}", r.tool.name, r.tool.version)),
        ("schema_version", r.schema_version.to_string()),
        ("env", r.env.as_str().to_string()),
        ("fail_on", r.fail_on.as_str().to_string()),
        (
            "verdict",
            if r.summary.failed { "failed" } else { "passed" }.to_string(),
        ),
    ];
    if let Some(p) = &r.policy {
        props.push(("policy", p.clone()));
    }
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            name,
            escape(&value)
        );
    }
    let _ = writeln!(out, "    </properties>");
    for c in &cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&c.classname),
            escape(&c.name)
        );
        if c.failure.is_none() && c.error.is_none() && c.system_out.is_none() {
            let _ = writeln!(out, "/>");
            continue;
        }
        let _ = writeln!(out, ">");
        if let Some((message, kind, body)) = &c.failure {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape(message),
                escape(kind),
                escape(body)
            );
        }
        if let Some((message, body)) = &c.error {
            let _ = writeln!(
                out,
                "      <error message=\"{}\" type=\"input\">{}</error>",
                escape(message),
                escape(body)
            );
        }
        if let Some(s) = &c.system_out {
            let _ = writeln!(out, "      <system-out>{}</system-out>", escape(s));
        }
        let _ = writeln!(out, "    </testcase>");
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(out, "</testsuites>");
    out
}

fn finding_case(r: &Report, f: &Finding) -> Case {
    let mut name = f.id.clone();
    if let Some(scope) = &f.scope {
        let _ = write!(name, " ({scope})");
    }
    let mut details = format!(
        "{} ({}×), severity {}",
        f.title,
        f.count,
        f.severity.as_str()
    );
    match (&f.first_seen, &f.last_seen) {
        (Some(a), Some(b)) if a != b => {
            let _ = write!(details, ", first seen {a}, last seen {b}");
        }
        (Some(a), _) => {
            let _ = write!(details, ", seen {a}");
        }
        _ => {}
    }
    details.push('\n');
    if let Some(s) = &f.sample {
        let _ = writeln!(details, "seen: {s}");
    }
    if let Some(b) = &f.baseline {
        let _ = writeln!(details, "baseline: {}", baseline_note(b));
    }
    if let Some(a) = &f.acceptance_expired {
        let _ = writeln!(
            details,
            "acceptance expired{} ({}): {}",
            a.until
                .as_deref()
                .map_or(String::new(), |u| format!(" on {u}")),
            a.policy,
            a.reason
        );
    }
    let remediation = format!(
        "\nWhat to do ({}):\n{}\n\nMore: pgtriage explain {}\n",
        r.env.as_str(),
        f.remediation,
        f.id
    );
    let classname = format!("pgtriage.{}", f.category);
    if let Some(a) = &f.accepted {
        let mut out = format!("accepted: {}", a.reason);
        if let Some(u) = &a.until {
            let _ = write!(out, " (until {u})");
        }
        let _ = writeln!(out, " [{}]", a.policy);
        out.push_str(&details);
        return Case {
            classname,
            name,
            failure: None,
            error: None,
            system_out: Some(out),
        };
    }
    if f.gating {
        return Case {
            classname,
            name,
            failure: Some((
                format!("{} ({}×)", f.title, f.count),
                f.severity.as_str().to_string(),
                details + &remediation,
            )),
            error: None,
            system_out: None,
        };
    }
    Case {
        classname,
        name,
        failure: None,
        error: None,
        system_out: Some(details),
    }
}

fn baseline_note(b: &BaselineDiff) -> String {
    if b.new {
        "new".to_string()
    } else if b.regression {
        format!(
            "regression (baseline count {})",
            b.count.map_or("-".to_string(), |c| c.to_string())
        )
    } else {
        format!(
            "in baseline (count {})",
            b.count.map_or("-".to_string(), |c| c.to_string())
        )
    }
}

/// Escapes XML 1.0 text and attribute values, dropping characters XML 1.0 cannot hold.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_and_strips_what_xml_cannot_hold() {
        assert_eq!(
            escape("a&b<c>d\"e'f\u{1}\u{8}g\th\u{fffe}"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;fg\th"
        );
    }
}
