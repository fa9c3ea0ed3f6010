//! `.pgtriage.toml`: what a team has decided about findings. An acceptance documents why a
//! finding is tolerated (and until when); accepted findings stay visible but do not fail
//! the gate. Severity overrides tune an entry for this project.

use crate::catalogue::Catalogue;
use crate::severity::{Env, Severity};
use crate::timestamp::{civil_from_days, days_from_civil};
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// The file looked for in the working directory when `--policy` is not given.
pub const DEFAULT_FILE: &str = ".pgtriage.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    env: Option<Env>,
    #[serde(default)]
    accept: Vec<AcceptDef>,
    #[serde(default)]
    severity: HashMap<String, Spanned<Severity>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptDef {
    id: Spanned<String>,
    reason: Option<String>,
    until: Option<Spanned<String>>,
    container: Option<String>,
    #[serde(rename = "match", default)]
    matches: HashMap<String, String>,
}

/// A calendar date, compared as written (`until` is inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(u16, u8, u8);

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (
            s[..4].parse().ok()?,
            s[5..7].parse().ok()?,
            s[8..].parse().ok()?,
        );
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(Date(y, m, d))
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(secs as i64 / 86_400)
    }

    /// The date `days` after this one.
    pub fn plus_days(self, days: i64) -> Date {
        Date::from_days(days_from_civil(i64::from(self.0), self.1, self.2) + days)
    }

    /// The date of a day number (days since 1970-01-01).
    fn from_days(days: i64) -> Date {
        let (y, m, d) = civil_from_days(days);
        Date(y as u16, m, d)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0, self.1, self.2)
    }
}

/// One `[[accept]]` entry, checked against the catalogue.
#[derive(Debug, Clone)]
pub struct Accept {
    pub pattern: usize,
    pub reason: String,
    pub until: Option<Date>,
    /// Past its `until`: it no longer accepts, and reports say so.
    pub expired: bool,
    pub container: Option<String>,
    /// Capture name → value the occurrence must have (`match = { user = "root" }`).
    pub matches: Vec<(String, String)>,
    /// Where it is in the file, for messages.
    pub line: usize,
}

impl Accept {
    /// The narrowing, as shown in reports: `container=db user=root`.
    pub fn scope(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .container
            .iter()
            .map(|c| format!("container={c}"))
            .collect();
        parts.extend(self.matches.iter().map(|(k, v)| format!("{k}={v}")));
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub path: String,
    pub env: Option<Env>,
    pub accepts: Vec<Accept>,
    /// Pattern index → severity, overriding the catalogue for this project.
    pub severity: HashMap<usize, Severity>,
}

/// Where a policy's lines start, so that each of thousands of entries finds its line
/// number without counting from the top of the file again.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    /// The 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

impl Policy {
    /// Parses and checks a policy. Every error names the file and line.
    pub fn parse(
        path: &str,
        text: &str,
        catalogue: &Catalogue,
        today: Date,
    ) -> Result<Policy, String> {
        let lines = LineIndex::new(text);
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(String::new(), |s| format!(":{}", lines.line(s.start)));
            format!("{path}{line}: {}", e.message())
        })?;
        let mut policy = Policy {
            path: path.to_string(),
            env: file.env,
            ..Default::default()
        };
        for a in file.accept {
            let line = lines.line(a.id.span().start);
            let at = |msg: String| format!("{path}:{line}: {msg}");
            let id = a.id.get_ref();
            let pattern = catalogue.index_of(id).ok_or_else(|| {
                at(format!(
                    "unknown id {id:?} in [[accept]] (`pgtriage patterns` lists the ids)"
                ))
            })?;
            let reason = a.reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
                at(format!(
                    "[[accept]] of {id:?} needs a reason: say why it is acceptable"
                ))
            })?;
            let until = match &a.until {
                None => None,
                Some(u) => Some(Date::parse(u.get_ref()).ok_or_else(|| {
                    format!(
                        "{path}:{}: until must be a date like 2027-06-30",
                        lines.line(u.span().start)
                    )
                })?),
            };
            let captures = catalogue.capture_names(pattern);
            for name in a.matches.keys() {
                if !captures.contains(&name.as_str()) {
                    return Err(at(format!(
                        "{id} has no capture {name:?} to match on (it has: {})",
                        if captures.is_empty() {
                            "none".to_string()
                        } else {
                            captures.join(", ")
                        }
                    )));
                }
            }
            let mut matches: Vec<(String, String)> = a.matches.into_iter().collect();
            matches.sort();
            policy.accepts.push(Accept {
                pattern,
                reason: reason.trim().to_string(),
                until,
                expired: until.is_some_and(|u| u < today),
                container: a.container,
                matches,
                line,
            });
        }
        for (id, sev) in file.severity {
            let pattern = catalogue.index_of(&id).ok_or_else(|| {
                format!(
                    "{path}:{}: unknown id {id:?} in [severity]",
                    lines.line(sev.span().start)
                )
            })?;
            policy.severity.insert(pattern, *sev.get_ref());
        }
        Ok(policy)
    }

    /// Reads `--policy PATH`, or `.pgtriage.toml` when present; `None` without either.
    pub fn load(explicit: Option<&str>, catalogue: &Catalogue) -> Result<Option<Policy>, String> {
        let path = match explicit {
            Some(p) => p.to_string(),
            None if std::path::Path::new(DEFAULT_FILE).is_file() => DEFAULT_FILE.to_string(),
            None => return Ok(None),
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{path}: {}", crate::error::io_reason(&e)))?;
        Policy::parse(&path, &text, catalogue, Date::today()).map(Some)
    }

    /// The first `[[accept]]` (expired or not) whose id and narrowing fit an occurrence.
    /// `containers`: the names the occurrence's container goes by (its name, its compose
    /// service); `capture` looks up a capture's value by name.
    pub fn accept_for<'a>(
        &self,
        pattern: usize,
        containers: &[&str],
        capture: impl Fn(&str) -> Option<&'a [u8]>,
    ) -> Option<usize> {
        self.accepts.iter().position(|a| {
            a.pattern == pattern
                && a.container
                    .as_deref()
                    .is_none_or(|c| containers.contains(&c))
                && a.matches
                    .iter()
                    .all(|(k, v)| capture(k) == Some(v.as_bytes()))
        })
    }

    pub fn severity_for(&self, pattern: usize) -> Option<Severity> {
        self.severity.get(&pattern).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, String> {
        let cat = Catalogue::embedded().unwrap();
        Policy::parse(".pgtriage.toml", text, &cat, Date(2026, 11, 27))
    }

    #[test]
    fn accepts_with_reason_until_and_narrowing() {
        let p = parse(
            "env = \"dev\"\n\n[[accept]]\nid = \"connection.role-missing\"\nreason = \"healthcheck\"\nmatch = { role = \"root\" }\nuntil = \"2026-11-26\"\n\n[severity]\n\"checkpoint.too-frequent\" = \"error\"\n",
        )
        .unwrap();
        assert_eq!(p.env, Some(Env::Dev));
        assert_eq!(p.accepts[0].line, 4);
        assert!(
            p.accepts[0].expired,
            "until is inclusive, and 2026-11-26 has passed"
        );
        assert_eq!(p.accepts[0].scope().as_deref(), Some("role=root"));
        assert_eq!(p.severity.len(), 1);
    }

    #[test]
    fn dates_count_days_across_months_and_years() {
        assert_eq!(Date(2026, 12, 2).plus_days(90).to_string(), "2027-03-02");
        assert_eq!(Date(2028, 2, 28).plus_days(1).to_string(), "2028-02-29");
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
    }

    #[test]
    fn errors_name_the_line() {
        let e =
            parse("\n[[accept]]\nid = \"locale.no-system-locale\"\nreason = \"x\"\n").unwrap_err();
        assert!(
            e.starts_with(".pgtriage.toml:3: unknown id \"locale.no-system-locale\""),
            "{e}"
        );
        let e = parse("[[accept]]\nid = \"auth.trust-local\"\n").unwrap_err();
        assert!(e.contains(":2: ") && e.contains("needs a reason"), "{e}");
        let e = parse(
            "[[accept]]\nid = \"auth.trust-local\"\nreason = \"x\"\nmatch = { user = \"a\" }\n",
        )
        .unwrap_err();
        assert!(e.contains("has no capture \"user\""), "{e}");
        let e = parse("[severity]\n\"nope.nope\" = \"error\"\n").unwrap_err();
        assert!(e.contains(":2: unknown id"), "{e}");
        assert!(parse("[[accept]\n")
            .unwrap_err()
            .starts_with(".pgtriage.toml:1"));
    }
}
