//! The flow every follower feeds, behind one lock, and what tail's live output needs to
//! know of each occurrence. Classification, verdict and tallies are the same chain
//! `analyze` runs (src/flow.rs); metrics and live lines tap it.

use crate::catalogue::Catalogue;
use crate::flow::{Flow, Live};
use crate::metrics::Metrics;
use crate::parse::record::Record;
use crate::report::{self, InputSummary, Report};
use crate::severity::Severity;
use crate::timestamp::Timestamp;
use crate::verdict::Verdict;
use std::sync::{Arc, Mutex};

pub struct Tallies {
    flow: Mutex<Flow<'static>>,
    metrics: Arc<Mutex<Metrics>>,
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

/// One occurrence of a catalogue entry, with what is known of its slot so far: its
/// severity after the policy, whether it is the slot's first, and the acceptance's reason.
#[derive(Debug)]
pub struct Occurrence {
    pub pattern: usize,
    pub severity: Severity,
    pub first: bool,
    pub count: u64,
    pub sample: Option<String>,
    pub accepted: Option<String>,
    pub time: Option<Timestamp>,
}

impl Tallies {
    /// `verdict` lives as long as the process, like the built-in catalogue: followers are
    /// tasks that hold the flow for the whole run.
    pub fn new(
        catalogue: &'static Catalogue,
        verdict: &'static Verdict,
        metrics: Arc<Mutex<Metrics>>,
    ) -> Tallies {
        Tallies {
            flow: Mutex::new(Flow::new(catalogue, verdict, 0)),
            metrics,
        }
    }

    /// Counts a log record of container `name`, known by `names` to policies.
    pub fn record(&self, r: &Record<'_>, name: &str, names: &[&str]) -> Noted {
        let mut flow = self.flow.lock().expect("flow lock");
        let verdict = flow.verdict();
        let live = flow.record(r, name, names, &mut |o| self.count(o));
        match live {
            Live::Finding { .. } => Noted::Finding(occurrence(verdict, live).expect("a finding")),
            Live::Unclassified { group, first: true } => Noted::NewUnclassified {
                level: group.level.as_str(),
                sample: group.sample.clone(),
            },
            Live::Unclassified { .. } | Live::Nothing => Noted::Nothing,
        }
    }

    /// Counts a finding from a container's configuration or state.
    pub fn container_finding(
        &self,
        pattern: usize,
        evidence: &str,
        time: Option<Timestamp>,
        name: &str,
        names: &[&str],
    ) -> Option<Occurrence> {
        let mut flow = self.flow.lock().expect("flow lock");
        let verdict = flow.verdict();
        let live = flow.context(pattern, evidence, time, name, names, &mut |o| self.count(o));
        occurrence(verdict, live)
    }

    fn count(&self, o: &crate::collect::Observation<'_>) {
        // A poisoned lock (a panicked follower) only loses counts.
        if let Ok(mut m) = self.metrics.lock() {
            crate::collect::Collector::observe(&mut *m, o);
        }
    }

    /// The report of everything followed so far.
    pub fn report(&self, catalogue: &'static Catalogue, inputs: Vec<InputSummary>) -> Report {
        let mut flow = self.flow.lock().expect("flow lock");
        let verdict = flow.verdict();
        let done = std::mem::replace(&mut *flow, Flow::new(catalogue, verdict, 0));
        report::build(catalogue, verdict, done.finish(), inputs)
    }
}

/// A finding as the live output shows it: its severity after the policy, and the reason
/// of the acceptance that covers it.
fn occurrence(verdict: &Verdict, live: Live<'_>) -> Option<Occurrence> {
    let Live::Finding {
        pattern,
        judged,
        first,
        tally,
        time,
    } = live
    else {
        return None;
    };
    let accepted = judged.slot.accepted.and_then(|r| {
        let policy = verdict.policy.as_ref()?;
        Some(policy.accepts[r].reason.clone())
    });
    Some(Occurrence {
        pattern,
        severity: judged.severity,
        first,
        count: tally.reported_count(),
        sample: tally.sample.as_ref().map(|s| s.line.clone()),
        accepted,
        time,
    })
}
