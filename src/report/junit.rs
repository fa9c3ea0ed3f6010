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

use super::text::{acceptance_note, baseline_note, expired_note, verdict, xml_escape};
use super::{Finding, InputSummary, Report, UnclassifiedGroup};
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
    let cases: Vec<Case> = r
        .inputs
        .iter()
        .map(input_case)
        .chain(r.findings.iter().map(|f| finding_case(r, f)))
        .chain(r.unclassified.iter().map(unclassified_case))
        .collect();
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let tests = cases.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"pgtriage\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">",
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"pgtriage\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
    );
    properties(&mut out, r);
    for c in &cases {
        write_case(&mut out, c);
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(out, "</testsuites>");
    out
}

/// The run's settings and verdict, as suite properties.
fn properties(out: &mut String, r: &Report) {
    let _ = writeln!(out, "    <properties>");
    let mut props = vec![
        ("tool", format!("{} {}", r.tool.name, r.tool.version)),
        ("schema_version", r.schema_version.to_string()),
        ("env", r.env.as_str().to_string()),
        ("fail_on", r.fail_on.as_str().to_string()),
        ("verdict", verdict(r).to_string()),
    ];
    if let Some(p) = &r.policy {
        props.push(("policy", p.clone()));
    }
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            xml_escape(&value)
        );
    }
    let _ = writeln!(out, "    </properties>");
}

fn write_case(out: &mut String, c: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml_escape(&c.classname),
        xml_escape(&c.name)
    );
    if c.failure.is_none() && c.error.is_none() && c.system_out.is_none() {
        let _ = writeln!(out, "/>");
        return;
    }
    let _ = writeln!(out, ">");
    if let Some((message, kind, body)) = &c.failure {
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            xml_escape(message),
            xml_escape(kind),
            xml_escape(body)
        );
    }
    if let Some((message, body)) = &c.error {
        let _ = writeln!(
            out,
            "      <error message=\"{}\" type=\"input\">{}</error>",
            xml_escape(message),
            xml_escape(body)
        );
    }
    if let Some(s) = &c.system_out {
        let _ = writeln!(out, "      <system-out>{}</system-out>", xml_escape(s));
    }
    let _ = writeln!(out, "    </testcase>");
}

fn input_case(i: &InputSummary) -> Case {
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
    Case {
        classname: "pgtriage.input".into(),
        name: i.name.clone(),
        failure: None,
        error: i
            .error
            .as_ref()
            .map(|e| (format!("reading stopped early: {e}"), e.clone())),
        system_out: Some(out),
    }
}

/// Accepted rows pass and say why, gating rows fail with what to do, the rest pass.
fn finding_case(r: &Report, f: &Finding) -> Case {
    let mut name = f.id.clone();
    if let Some(scope) = &f.scope {
        let _ = write!(name, " ({scope})");
    }
    let mut case = Case {
        classname: format!("pgtriage.{}", f.category),
        name,
        failure: None,
        error: None,
        system_out: None,
    };
    let details = finding_details(f);
    if let Some(a) = &f.accepted {
        case.system_out = Some(format!("{}\n{details}", acceptance_note(a)));
    } else if f.gating {
        let remediation = format!(
            "\nWhat to do ({}):\n{}\n\nMore: pgtriage explain {}\n",
            r.env.as_str(),
            f.remediation,
            f.id
        );
        case.failure = Some((
            format!("{} ({}×)", f.title, f.count),
            f.severity.as_str().to_string(),
            details + &remediation,
        ));
    } else {
        case.system_out = Some(details);
    }
    case
}

/// What was seen, when, and the notes on the row's baseline and expired acceptance.
fn finding_details(f: &Finding) -> String {
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
        let _ = writeln!(details, "{}", baseline_note(b));
    }
    if let Some(a) = &f.acceptance_expired {
        let _ = writeln!(details, "{}", expired_note(a));
    }
    details
}

fn unclassified_case(u: &UnclassifiedGroup) -> Case {
    let mut body = format!(
        "{}× unclassified {}, the first:\n{}\n",
        u.count, u.severity, u.sample
    );
    if let Some(b) = &u.baseline {
        let _ = writeln!(body, "{}", baseline_note(b));
    }
    body.push_str("\nNo catalogue entry explains this message; read it and the lines around it.\n");
    let message = format!("unclassified {} ({}×)", u.severity, u.count);
    Case {
        classname: "pgtriage.unclassified".into(),
        name: format!("unclassified.{}", u.severity),
        failure: u
            .gating
            .then(|| (message, u.severity.to_string(), body.clone())),
        error: None,
        system_out: (!u.gating).then_some(body),
    }
}
