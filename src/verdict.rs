//! The verdict: what one occurrence weighs in this run. Severity for the environment and
//! the policy, acceptance, the baseline diff and gating are decided here and nowhere else,
//! so "what fails the gate" is one file to read; collectors record the decisions and
//! renderers only show them.

use crate::baseline::{Baseline, BaselineDiff};
use crate::catalogue::Catalogue;
use crate::parse::stderr::label::find_label;
use crate::policy::Policy;
use crate::severity::{Env, Level, Severity};
use std::collections::HashMap;
use std::fmt;

/// The settings a run is judged by.
#[derive(Debug)]
pub struct Verdict {
    pub env: Env,
    pub fail_on: Severity,
    pub policy: Option<Policy>,
    /// Show captured values and literals in samples (`--show-sensitive`).
    pub show_sensitive: bool,
    baseline: Option<Baseline>,
    /// The baseline's unclassified groups by fingerprint.
    baseline_unclassified: HashMap<Fingerprint, u64>,
}

/// Where an occurrence is counted: with its entry's open findings, or under the
/// `[[accept]]` (index into the policy) that documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    pub pattern: usize,
    pub accepted: Option<usize>,
}

/// What the verdict says of one occurrence of a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub slot: Slot,
    pub severity: Severity,
    /// An expired `[[accept]]` that would have covered it: it counts again.
    pub expired: Option<usize>,
}

impl Verdict {
    pub fn new(
        env: Env,
        fail_on: Severity,
        policy: Option<Policy>,
        baseline: Option<Baseline>,
        show_sensitive: bool,
    ) -> Verdict {
        let baseline_unclassified = baseline.as_ref().map_or_else(HashMap::new, |b| {
            let mut by = HashMap::new();
            for u in b.unclassified() {
                let fp = u
                    .fingerprint
                    .as_deref()
                    .and_then(Fingerprint::parse)
                    .or_else(|| sample_fingerprint(&u.severity, &u.sample));
                if let Some(fp) = fp {
                    *by.entry(fp).or_default() += u.count;
                }
            }
            by
        });
        Verdict {
            env,
            fail_on,
            policy,
            show_sensitive,
            baseline,
            baseline_unclassified,
        }
    }

    /// The entry's severity here: the policy's override, else the catalogue's for the env.
    pub fn severity(&self, catalogue: &Catalogue, pattern: usize) -> Severity {
        self.policy
            .as_ref()
            .and_then(|p| p.severity_for(pattern))
            .unwrap_or(*catalogue.patterns()[pattern].severity.get(self.env))
    }

    /// Judges one occurrence. `containers` are the names its container goes by (name,
    /// compose service); `capture` looks up a capture of the matched template by name.
    pub fn judge<'a>(
        &self,
        catalogue: &Catalogue,
        pattern: usize,
        containers: &[&str],
        capture: impl Fn(&str) -> Option<&'a [u8]>,
    ) -> Judgement {
        let rule = self
            .policy
            .as_ref()
            .and_then(|p| Some((p, p.accept_for(pattern, containers, capture)?)));
        let (accepted, expired) = match rule {
            Some((p, r)) if p.accepts[r].expired => (None, Some(r)),
            Some((_, r)) => (Some(r), None),
            None => (None, None),
        };
        Judgement {
            slot: Slot { pattern, accepted },
            severity: self.severity(catalogue, pattern),
            expired,
        }
    }

    /// The severity an unclassified WARNING-or-worse record counts with, so that an
    /// unclassified ERROR still fails a `--fail-on error` gate.
    pub fn unclassified_severity(level: Level) -> Severity {
        match level {
            Level::Panic => Severity::Critical,
            Level::Error | Level::Fatal => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// Whether an occurrence group counts toward `--fail-on`: at or above it, not
    /// accepted, and not already in the baseline.
    pub fn gates(
        &self,
        severity: Severity,
        accepted: bool,
        baseline: Option<&BaselineDiff>,
    ) -> bool {
        severity >= self.fail_on && !accepted && baseline.is_none_or(|b| b.new)
    }

    /// A finding's row against the baseline; `None` without `--baseline`.
    pub fn finding_diff(&self, id: &str, scope: Option<&str>, count: u64) -> Option<BaselineDiff> {
        let b = self.baseline.as_ref()?;
        Some(b.diff(b.finding(&crate::baseline::finding_key(id, scope)), count))
    }

    /// An unclassified group against the baseline, matched by fingerprint.
    pub fn unclassified_diff(&self, fingerprint: Fingerprint, count: u64) -> Option<BaselineDiff> {
        let b = self.baseline.as_ref()?;
        Some(b.diff(self.baseline_unclassified.get(&fingerprint).copied(), count))
    }
}

/// The identity of an unclassified message across records and across runs: its level and
/// its shape — the message with quoted names and numbers left out, so that
/// `relation "a" does not exist` and `relation "b" does not exist` are one group, in one
/// run and against a baseline. It reads only the message (no prefix, so no times, pids or
/// zones) and the raw text (not the redacted sample, so `--show-sensitive` does not change
/// it). FNV-1a, so the value is the same in every build and can be stored in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(u64);

/// Message bytes a fingerprint reads; messages that differ only later are one group.
const SHAPE_BYTES: usize = 512;

pub fn fingerprint(level: Level, message: &[u8]) -> Fingerprint {
    let mut h = Fnv::default();
    h.write(level.as_str().as_bytes());
    h.write(b":");
    message_shape(message, |part| h.write(part));
    Fingerprint(h.0)
}

/// The message with quoted names and values as `?` and numbers as `#`, in parts: what a
/// fingerprint hashes, and what statistics group messages by.
pub fn message_shape(message: &[u8], mut out: impl FnMut(&[u8])) {
    let mut quoted = None;
    let mut in_number = false;
    for &b in message.iter().take(SHAPE_BYTES) {
        if let Some(q) = quoted {
            if b == q {
                quoted = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => {
                quoted = Some(b);
                out(b"?");
            }
            b'0'..=b'9' => {
                if !in_number {
                    out(b"#");
                }
                in_number = true;
                continue;
            }
            _ => out(&[b]),
        }
        in_number = false;
    }
}

/// The fingerprint of a sample line from a report that predates the `fingerprint` field:
/// its message is found after the level label. Redaction only replaced quoted text,
/// which the shape leaves out anyway.
fn sample_fingerprint(severity: &str, sample: &str) -> Option<Fingerprint> {
    let level = Level::from_label(severity.as_bytes())?;
    let line = sample.lines().next().unwrap_or("").as_bytes();
    let message = find_label(line).map_or(line, |l| &line[l.message_start..]);
    Some(fingerprint(level, message))
}

impl Fingerprint {
    /// Reads the 16 hex digits `Display` writes.
    pub fn parse(s: &str) -> Option<Fingerprint> {
        (s.len() == 16)
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
            .map(Fingerprint)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// 64-bit FNV-1a of `bytes`: the same value in every build and process.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.0
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_names_numbers_and_everything_before_the_message() {
        let a = fingerprint(
            Level::Error,
            br#"frobnicator "alpha" exploded after 3 tries"#,
        );
        let b = fingerprint(
            Level::Error,
            br#"frobnicator "beta" exploded after 12 tries"#,
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(
                Level::Fatal,
                br#"frobnicator "alpha" exploded after 3 tries"#
            )
        );
        assert_ne!(
            a,
            fingerprint(
                Level::Error,
                br#"frobnicator "alpha" imploded after 3 tries"#
            )
        );
        // Stable across builds (FNV-1a of "WARNING:x", computed independently): baselines store it.
        assert_eq!(
            a.to_string(),
            Fingerprint::parse(&a.to_string()).unwrap().to_string()
        );
        assert_eq!(
            fingerprint(Level::Warning, b"x").to_string(),
            "d0f2d22a782be055"
        );
    }

    #[test]
    fn an_old_reports_sample_finds_its_fingerprint() {
        let raw = br#"frobnicator 'hunter2' exploded"#;
        let sample = "2026-11-27 19:48:21.343 CET [57] ERROR:  frobnicator '[redacted]' exploded";
        assert_eq!(
            sample_fingerprint("ERROR", sample),
            Some(fingerprint(Level::Error, raw))
        );
    }
}
