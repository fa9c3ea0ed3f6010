//! The tallies every follower adds to, and the verdict settings that read them. Every call
//! into `Analysis` and `Report::build` that tail makes is here.

use super::live::FindingLine;
use crate::analyze::{Added, Analysis, Slot};
use crate::baseline::Baseline;
use crate::catalogue::Catalogue;
use crate::cli::Gate;
use crate::parse::record::Record;
use crate::report::{InputSummary, Report};
use crate::severity::{Env, Severity};
use crate::timestamp::Timestamp;
use std::sync::Mutex;

pub struct Tallies {
    catalogue: &'static Catalogue,
    analysis: Mutex<Analysis>,
    pub env: Env,
    fail_on: Severity,
    baseline: Option<Baseline>,
}

/// What a record did to the tallies, as the live output needs it.
pub enum Noted {
    Finding(Occurrence),
    /// The first record of a new unclassified WARNING-or-worse message shape.
    NewUnclassified {
        level: &'static str,
        sample: String,
    },
    /// Nothing to say: a repeated unclassified shape, an unclassified LOG line.
    Nothing,
}

/// One occurrence of a catalogue entry, with what is known of its slot so far.
#[derive(Debug)]
pub struct Occurrence {
    pub pattern: usize,
    pub severity: Severity,
    pub first: bool,
    pub count: u64,
    pub sample: Option<String>,
    pub accepted: Option<String>,
}

impl Occurrence {
    pub fn line<'a>(
        &self,
        catalogue: &'a Catalogue,
        container: &'a str,
        time: Option<Timestamp>,
    ) -> FindingLine<'a> {
        FindingLine {
            container,
            pattern: &catalogue.patterns()[self.pattern],
            severity: self.severity,
            first: self.first,
            count: self.count,
            sample: self.sample.clone(),
            accepted: self.accepted.clone(),
            time,
        }
    }
}

impl Tallies {
    pub fn new(catalogue: &'static Catalogue, gate: Gate) -> Tallies {
        Tallies {
            catalogue,
            analysis: Mutex::new(Analysis::new(catalogue, gate.policy, gate.show_sensitive)),
            env: gate.env,
            fail_on: gate.fail_on,
            baseline: gate.baseline,
        }
    }

    /// Counts a log record of a container known by `names` (for policies that name it).
    pub fn record(&self, r: &Record<'_>, names: &[&str]) -> Noted {
        let mut a = self.analysis.lock().expect("analysis lock");
        let added = a.add(self.catalogue, r, names);
        if let Some(o) = self.occurrence(&a, added) {
            return Noted::Finding(o);
        }
        match added {
            Added::Unexplained(i, true) => Noted::NewUnclassified {
                level: a.unexplained[i].level.as_str(),
                sample: a.unexplained[i].sample.clone(),
            },
            _ => Noted::Nothing,
        }
    }

    /// Counts a finding from a container's configuration or state.
    pub fn container_finding(
        &self,
        pattern: usize,
        evidence: &str,
        time: Option<Timestamp>,
        names: &[&str],
    ) -> Option<Occurrence> {
        let mut a = self.analysis.lock().expect("analysis lock");
        let added = a.add_context(pattern, evidence, time, names);
        self.occurrence(&a, added)
    }

    /// An added finding, with its severity after the policy's overrides and the reason of
    /// the acceptance that covers it.
    fn occurrence(&self, a: &Analysis, added: Added) -> Option<Occurrence> {
        let (Added::NewFinding(slot) | Added::Repeat(slot)) = added else {
            return None;
        };
        let Slot { pattern, accepted } = slot;
        let policy = a.policy.as_ref();
        let severity = policy
            .and_then(|pol| pol.severity_for(pattern))
            .unwrap_or(*self.catalogue.patterns()[pattern].severity.get(self.env));
        let tally = a.slot(slot);
        Some(Occurrence {
            pattern,
            severity,
            first: matches!(added, Added::NewFinding(_)),
            count: tally.reported_count(),
            sample: tally.sample.clone(),
            accepted: accepted.and_then(|r| policy.map(|pol| pol.accepts[r].reason.clone())),
        })
    }

    pub fn report(&self, inputs: Vec<InputSummary>) -> Report {
        let analysis = self.analysis.lock().expect("analysis lock");
        Report::build(
            self.catalogue,
            &analysis,
            inputs,
            self.env,
            self.fail_on,
            self.baseline.as_ref(),
        )
    }
}
