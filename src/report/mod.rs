//! The report: one document built from an analysis, rendered as a table, JSON (schema
//! version 1, see docs/json-report.md) or, later, other formats. Renderers only read it.

pub mod github;
pub mod junit;
pub mod markdown;
pub mod table;
pub mod text;

#[cfg(test)]
mod fixture;

use crate::analyze::{Analysis, Tally};
use crate::baseline::{finding_key, unclassified_key, Baseline};
use crate::catalogue::Catalogue;
use crate::parse::record::LineCounts;
use crate::severity::{Env, Severity};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

/// The formats a finished report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A summary table, then what to do (for people).
    Table,
    /// The schema v1 document (docs/json-report.md, docs/schema/report-v1.json).
    Json,
    /// A summary for a pull-request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    /// GitHub Actions workflow commands (::error / ::warning / ::notice), one per finding.
    Github,
    /// JUnit XML: one test case per catalogue entry seen (GitLab, Jenkins).
    Junit,
}

/// Renders a report; `color` applies to the table on a terminal.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Table => table::render(report, color),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
            s.push('\n');
            s
        }
        Format::Markdown => markdown::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub env: Env,
    pub fail_on: Severity,
    /// The policy file applied, if any.
    pub policy: Option<String>,
    pub inputs: Vec<InputSummary>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub unclassified: Vec<UnclassifiedGroup>,
    pub stats: Stats,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// What was read from one input and how it was understood.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    /// `file`, `stdin` or `docker`.
    pub source: &'static str,
    pub name: String,
    pub format: &'static str,
    /// The container framing most lines had: `none`, `docker-json-file`, `compose`,
    /// `docker-timestamps`, `cri`.
    pub framing: &'static str,
    pub compression: &'static str,
    /// The log_line_prefix used (given or detected); `null` when none could be detected.
    pub prefix: Option<String>,
    pub lines: u64,
    pub records: u64,
    #[serde(flatten)]
    pub counts: InputCounts,
    /// Why reading stopped early, when it did; the findings up to there are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InputCounts {
    pub unprefixed_records: u64,
    pub continuation_lines: u64,
    pub orphan_lines: u64,
    pub blank_lines: u64,
    pub prefix_mismatches: u64,
    pub truncated_lines: u64,
}

impl InputCounts {
    pub fn from_lines(c: &LineCounts, truncated_lines: u64) -> Self {
        InputCounts {
            unprefixed_records: c.unprefixed_records,
            continuation_lines: c.continuation_lines,
            orphan_lines: c.orphan_lines,
            blank_lines: c.blank_lines,
            prefix_mismatches: c.prefix_mismatches,
            truncated_lines,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub records: u64,
    pub classified: u64,
    pub unclassified: u64,
    /// Occurrences a policy accepts (they do not count toward --fail-on).
    pub accepted: u64,
    pub by_severity: BySeverity,
    /// A finding or unclassified group is gating: the exit code is 1 (or 2 when an input
    /// could not be read).
    pub failed: bool,
}

impl Summary {
    /// `N records, M classified; a critical, b error, c warning, d info`, as the human
    /// formats print it.
    pub fn counts(&self) -> String {
        format!(
            "{} records, {} classified; {} critical, {} error, {} warning, {} info",
            self.records,
            self.classified,
            self.by_severity.critical,
            self.by_severity.error,
            self.by_severity.warning,
            self.by_severity.info,
        )
    }
}

#[derive(Debug, Default, Serialize)]
pub struct BySeverity {
    pub critical: u64,
    pub error: u64,
    pub warning: u64,
    pub info: u64,
}

impl BySeverity {
    fn add(&mut self, s: Severity, n: u64) {
        match s {
            Severity::Critical => self.critical += n,
            Severity::Error => self.error += n,
            Severity::Warning => self.warning += n,
            Severity::Info => self.info += n,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub sample: Option<String>,
    /// The sample's DETAIL and STATEMENT lines (redacted unless --show-sensitive).
    pub detail: Option<String>,
    pub statement: Option<String>,
    /// The narrowing of an accepted row (`container=db user=root`), when it has one.
    pub scope: Option<String>,
    /// The policy's acceptance covering these occurrences.
    pub accepted: Option<Acceptance>,
    /// An acceptance that would cover them but has expired: they count again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance_expired: Option<Acceptance>,
    /// Present with --baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    /// Counts toward --fail-on: at or above it, not accepted, not in the baseline.
    pub gating: bool,
    pub explain: String,
    pub remediation: String,
    pub docs: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Acceptance {
    pub reason: String,
    pub until: Option<String>,
    /// `file:line` of the `[[accept]]`.
    pub policy: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineDiff {
    /// The count in the baseline; `null` when it is new.
    pub count: Option<u64>,
    pub new: bool,
    /// Grew by more than the regression factor.
    pub regression: bool,
}

#[derive(Debug, Serialize)]
pub struct UnclassifiedGroup {
    /// The PostgreSQL level, e.g. `WARNING`.
    pub severity: &'static str,
    pub count: u64,
    pub sample: String,
    /// The sample's DETAIL and STATEMENT lines (redacted unless --show-sensitive).
    pub detail: Option<String>,
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    pub gating: bool,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    /// WARNING, ERROR, FATAL and PANIC records, and how many of them the catalogue explains.
    pub warning_or_worse_records: u64,
    pub warning_or_worse_classified: u64,
    /// Unclassified records beyond the distinct shapes kept.
    pub unclassified_overflow: u64,
}

impl Report {
    pub fn build(
        catalogue: &Catalogue,
        analysis: &Analysis,
        inputs: Vec<InputSummary>,
        env: Env,
        fail_on: Severity,
        baseline: Option<&Baseline>,
    ) -> Report {
        let policy = analysis.policy.as_ref();
        let mut by_severity = BySeverity::default();
        let mut accepted_count = 0;
        let mut rows: Vec<(usize, Option<usize>, &Tally)> = analysis
            .tallies
            .iter()
            .enumerate()
            .map(|(p, t)| (p, None, t))
            .collect();
        if let Some(pol) = policy {
            rows.extend(
                analysis
                    .accepted
                    .iter()
                    .enumerate()
                    .map(|(r, t)| (pol.accepts[r].pattern, Some(r), t)),
            );
        }
        let mut findings: Vec<Finding> = rows
            .into_iter()
            .filter(|(_, _, t)| t.reported_count() > 0)
            .map(|(pi, rule, t)| {
                let p = &catalogue.patterns()[pi];
                let severity = policy
                    .and_then(|pol| pol.severity_for(pi))
                    .unwrap_or(*p.severity.get(env));
                let count = t.reported_count();
                by_severity.add(severity, count);
                let acceptance = |r: usize| {
                    let pol = policy.expect("a rule comes from a policy");
                    let a = &pol.accepts[r];
                    Acceptance {
                        reason: a.reason.clone(),
                        until: a.until.map(|d| d.to_string()),
                        policy: format!("{}:{}", pol.path, a.line),
                    }
                };
                let accepted = rule.map(acceptance);
                if accepted.is_some() {
                    accepted_count += count;
                }
                let scope = rule.and_then(|r| policy.and_then(|pol| pol.accepts[r].scope()));
                let base = baseline.map(|b| {
                    let before = b.finding(&finding_key(&p.id, scope.as_deref()));
                    BaselineDiff {
                        count: before,
                        new: before.is_none(),
                        regression: before.is_some_and(|n| b.is_regression(n, count)),
                    }
                });
                let gating = severity >= fail_on
                    && accepted.is_none()
                    && base.as_ref().is_none_or(|b| b.new);
                Finding {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    category: p.category.clone(),
                    severity,
                    count,
                    first_seen: t.first_seen.map(|t| t.to_string()),
                    last_seen: t.last_seen.map(|t| t.to_string()),
                    sample: t.sample.clone(),
                    detail: t.detail.clone(),
                    statement: t.statement.clone(),
                    scope,
                    accepted,
                    acceptance_expired: t.expired_rule.map(acceptance),
                    baseline: base,
                    gating,
                    explain: p.explain.trim().to_string(),
                    remediation: p.remediation.get(env).trim().to_string(),
                    docs: format!("docs/patterns/{}.md", p.id),
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then(a.id.cmp(&b.id))
        });
        let mut unclassified: Vec<UnclassifiedGroup> = analysis
            .unexplained
            .iter()
            .map(|u| {
                let s = u
                    .level
                    .unclassified_severity()
                    .expect("only WARNING or worse kept");
                by_severity.add(s, u.count);
                let base = baseline.map(|b| {
                    let before = b.unclassified(&unclassified_key(u.level.as_str(), &u.sample));
                    BaselineDiff {
                        count: before,
                        new: before.is_none(),
                        regression: before.is_some_and(|n| b.is_regression(n, u.count)),
                    }
                });
                UnclassifiedGroup {
                    severity: u.level.as_str(),
                    count: u.count,
                    sample: u.sample.clone(),
                    detail: u.detail.clone(),
                    statement: u.statement.clone(),
                    gating: s >= fail_on && base.as_ref().is_none_or(|b| b.new),
                    baseline: base,
                }
            })
            .collect();
        unclassified.sort_by_key(|u| std::cmp::Reverse(u.count));
        let failed = findings.iter().any(|f| f.gating) || unclassified.iter().any(|u| u.gating);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "pgtriage",
                version: env!("CARGO_PKG_VERSION"),
            },
            env,
            fail_on,
            policy: policy.map(|p| p.path.clone()),
            inputs,
            summary: Summary {
                records: analysis.records,
                classified: analysis.classified,
                unclassified: analysis.records - analysis.classified,
                accepted: accepted_count,
                by_severity,
                failed,
            },
            findings,
            unclassified,
            stats: Stats {
                warning_or_worse_records: analysis.serious_records,
                warning_or_worse_classified: analysis.serious_classified,
                unclassified_overflow: analysis.unexplained_overflow,
            },
        }
    }
}
