//! The words and escapes every renderer shares, so that a note reads the same in the
//! table, markdown, GitHub and JUnit outputs and a fix to an escape reaches all of them.
//! Format-specific escaping (markdown cells, workflow commands) stays with its renderer.

use super::{Acceptance, BaselineDiff, Report, UnclassifiedGroup};
use crate::collect::MAX_UNCLASSIFIED_SHAPES;
use std::borrow::Cow;

/// `s` cut to at most `max` characters, then `…`; never splits a character.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((end, _)) => Cow::Owned(format!("{}…", &s[..end])),
        None => Cow::Borrowed(s),
    }
}

/// Text for XML 1.0 or HTML, in content or a double-quoted attribute. Characters XML 1.0
/// cannot hold (control characters other than tab, LF and CR; U+FFFE, U+FFFF) are dropped
/// rather than escaped, since no entity can carry them either.
pub fn xml_escape(s: &str) -> String {
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

/// Where a row stands against the baseline.
pub fn baseline_note(b: &BaselineDiff) -> String {
    match b.count {
        None => "new since the baseline".to_string(),
        Some(n) if b.regression => format!("regression: {n} in the baseline"),
        Some(n) => format!("in the baseline ({n})"),
    }
}

/// A consequence's note: the finding whose advice to follow.
pub fn consequence_note(cause: &str) -> String {
    format!("consequence of {cause}")
}

/// What a consequence says instead of its own advice.
pub fn consequence_advice(cause: &str) -> String {
    format!("A consequence of {cause}: follow its advice above; this clears with it.")
}

/// Why an accepted row does not count, and where to change that.
pub fn acceptance_note(a: &Acceptance) -> String {
    match &a.until {
        Some(until) => format!(
            "accepted: {} (until {until}, policy {})",
            a.reason, a.policy
        ),
        None => format!("accepted: {} (policy {})", a.reason, a.policy),
    }
}

/// Why a row counts again although the policy names it.
pub fn expired_note(a: &Acceptance) -> String {
    let on = a
        .until
        .as_deref()
        .map_or(String::new(), |u| format!(" on {u}"));
    format!("acceptance expired{on}: {} (policy {})", a.reason, a.policy)
}

/// The advice a one-line message has room for: a remediation's first paragraph (the rest
/// explains and qualifies it).
pub fn short_advice(remediation: &str) -> &str {
    let text = remediation.trim();
    text.split("\n\n").next().unwrap_or("").trim_end()
}

/// What a rendering that lists only some unclassified groups says about the rest.
pub fn more_unclassified(more: u64) -> String {
    format!(
        "…and {more} more (`--output json` lists up to {MAX_UNCLASSIFIED_SHAPES} message shapes)."
    )
}

/// The rows failing the gate, as `gating` on each finding and unclassified group says.
pub fn gating_rows(r: &Report) -> usize {
    r.findings.iter().filter(|f| f.gating).count()
        + r.unclassified.iter().filter(|u| u.gating).count()
}

/// Why an unclassified group counts or not: the gate, and the baseline.
pub fn unclassified_note(u: &UnclassifiedGroup) -> String {
    let mut notes = Vec::new();
    if u.gating {
        notes.push("fails the gate".to_string());
    }
    if let Some(b) = &u.baseline {
        notes.push(baseline_note(b));
    }
    notes.join("; ")
}

/// The verdict in one word, from `summary.failed`.
pub fn verdict(r: &Report) -> &'static str {
    if r.summary.failed {
        "failed"
    } else {
        "passed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("ééé€", 2), "éé…");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn escapes_and_strips_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a&b<c>d\"e'f\u{1}\u{8}g\th\u{fffe}"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;fg\th"
        );
    }

    #[test]
    fn short_advice_is_the_first_paragraph() {
        assert_eq!(short_advice("\n  Do this.\n\nThen that."), "Do this.");
        assert_eq!(short_advice("One\ntwo\n\nthree"), "One\ntwo");
        assert_eq!(short_advice("Only"), "Only");
    }
}
