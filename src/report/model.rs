//! The report document: what `analyze` and `tail` hand to renderers. Schema version 1
//! (docs/json-report.md, docs/schema/report-v1.json); renderers only read it.

pub use crate::baseline::BaselineDiff;
pub use crate::collect::stats::Activity;
use crate::parse::Format;
use crate::pipeline::LogStream;
use crate::severity::{Env, Severity};
use crate::source::framing::Framing;
use crate::source::Compression;
use crate::verdict::Fingerprint;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

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

crate::report_names! {
    /// Where an input's bytes came from.
    pub enum Source {
        File = "file",
        Stdin = "stdin",
        Docker = "docker",
        /// A configuration file `lint` read (Compose file, postgresql.conf, pg_hba.conf).
        Config = "config",
    }
}

/// What was read from one input and how it was understood.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub source: Source,
    pub name: String,
    pub format: Format,
    /// The container framing most lines had.
    pub framing: Framing,
    pub compression: Compression,
    /// The log_line_prefix used (given or detected); `null` when none could be detected.
    pub prefix: Option<String>,
    /// Other log_line_prefix values that explained the lines as well as the detected one
    /// but read them differently; the user forces one with `--prefix`. Absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix_alternatives: Vec<String>,
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
    /// Other programs' lines (clients, Patroni, repmgrd, systemd): not server records.
    pub other_program_lines: u64,
    pub truncated_lines: u64,
}

impl Report {
    /// The exit-code contract both commands keep: 2 when input was lost on the way (the
    /// findings up to there are reported), else 1 when the gate failed, else 0.
    pub fn exit_code(&self, input_lost: bool) -> u8 {
        if input_lost {
            2
        } else {
            u8::from(self.summary.failed)
        }
    }
}

impl InputSummary {
    /// What the streams of one input read: one for a file, two for a container (its
    /// stdout and stderr). The format and prefix are those of the stream that read the
    /// most records; counts are summed.
    pub fn of(
        source: Source,
        name: String,
        framing: Framing,
        compression: Compression,
        streams: &[&LogStream],
    ) -> Self {
        let main = streams
            .iter()
            .max_by_key(|s| s.counts().records)
            .expect("an input has a stream");
        let mut summary = InputSummary {
            source,
            name,
            format: main.format(),
            framing,
            compression,
            prefix: main.prefix_format().map(str::to_string),
            prefix_alternatives: main.prefix_alternatives().to_vec(),
            lines: 0,
            records: 0,
            counts: InputCounts::default(),
            error: None,
        };
        for s in streams {
            let c = s.counts();
            summary.lines += c.lines;
            summary.records += c.records;
            let n = &mut summary.counts;
            n.unprefixed_records += c.unprefixed_records;
            n.continuation_lines += c.continuation_lines;
            n.orphan_lines += c.orphan_lines;
            n.blank_lines += c.blank_lines;
            n.prefix_mismatches += c.prefix_mismatches;
            n.other_program_lines += c.other_program_lines;
            n.truncated_lines += s.truncated_lines();
        }
        summary
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
    pub(super) fn add(&mut self, s: Severity, n: u64) {
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
    /// The finding (id) this one followed as part of a crash's aftermath: its advice is
    /// the cause's.
    pub caused_by: Option<String>,
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

#[derive(Debug, Serialize)]
pub struct UnclassifiedGroup {
    /// The PostgreSQL level, e.g. `WARNING`.
    pub severity: &'static str,
    pub count: u64,
    /// The group's identity across runs (level and message shape), which `--baseline`
    /// matches on: 16 hex digits.
    pub fingerprint: Fingerprint,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
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
    /// What the server did (queries, checkpoints, autovacuum, sessions, ...): `analyze`
    /// without `--no-stats`.
    #[serde(flatten)]
    pub activity: Option<Activity>,
}
