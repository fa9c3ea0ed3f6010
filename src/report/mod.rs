//! The report: one document built from an analysis, rendered as a table, JSON (schema
//! version 1, see docs/json-report.md) or, later, other formats. Renderers only read it.

pub mod table;

use crate::analyze::Analysis;
use crate::catalogue::Catalogue;
use crate::parse::record::LineCounts;
use crate::severity::{Env, Severity};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub env: Env,
    pub fail_on: Severity,
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
    pub by_severity: BySeverity,
    /// True exactly when the exit code is 1.
    pub failed: bool,
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
    /// Set by a policy that accepts the finding (not yet implemented: always null).
    pub accepted: Option<serde_json::Value>,
    pub explain: String,
    pub remediation: String,
    pub docs: String,
}

#[derive(Debug, Serialize)]
pub struct UnclassifiedGroup {
    /// The PostgreSQL level, e.g. `WARNING`.
    pub severity: &'static str,
    pub count: u64,
    pub sample: String,
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
    ) -> Report {
        let mut by_severity = BySeverity::default();
        let mut failed = false;
        let mut findings: Vec<Finding> = catalogue
            .patterns()
            .iter()
            .zip(&analysis.tallies)
            .filter(|(_, t)| t.reported_count() > 0)
            .map(|(p, t)| {
                let severity = *p.severity.get(env);
                let count = t.reported_count();
                by_severity.add(severity, count);
                failed |= severity >= fail_on;
                Finding {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    category: p.category.clone(),
                    severity,
                    count,
                    first_seen: t.first_seen.map(|t| t.to_string()),
                    last_seen: t.last_seen.map(|t| t.to_string()),
                    sample: t.sample.clone(),
                    accepted: None,
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
                failed |= s >= fail_on;
                UnclassifiedGroup {
                    severity: u.level.as_str(),
                    count: u.count,
                    sample: u.sample.clone(),
                }
            })
            .collect();
        unclassified.sort_by_key(|u| std::cmp::Reverse(u.count));
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "pgtriage",
                version: env!("CARGO_PKG_VERSION"),
            },
            env,
            fail_on,
            inputs,
            summary: Summary {
                records: analysis.records,
                classified: analysis.classified,
                unclassified: analysis.records - analysis.classified,
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
