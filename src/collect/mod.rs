//! Collectors: what a run keeps of its records. Each one observes the same stream of
//! judged occurrences, can be merged with another collector of its kind (one per input
//! file or thread), and finishes into the data a report is built from. Merging two
//! collectors gives what one collector over both streams gives: times are kept as
//! minimum and maximum, and "the first sample" is the one with the lowest sequence number,
//! never "the one that arrived first".

pub mod episodes;
pub mod findings;
pub mod stats;
pub mod totals;
pub mod unclassified;

use crate::catalogue::{Catalogue, Match};
use crate::parse::record::Record;
use crate::severity::Level;
use crate::timestamp::Timestamp;
use crate::verdict::{Fingerprint, Judgement};

pub use episodes::{Causes, Episodes};
pub use findings::{FindingTallies, Findings, Tally};
pub use totals::Totals;
pub use unclassified::{Group, Unclassified, MAX_UNCLASSIFIED_SHAPES};

pub trait Collector {
    type Output;
    fn observe(&mut self, o: &Observation<'_>);
    /// Folds in a collector that observed records with higher sequence numbers, or lower:
    /// the result does not depend on which.
    fn merge(&mut self, other: Self);
    fn finish(self) -> Self::Output;
}

/// One occurrence, classified and judged.
#[derive(Debug)]
pub struct Observation<'o> {
    /// Position in the run: records of input `i` are numbered from `i << 40` (see
    /// `seq_base`), so numbers order records across inputs as one stream would.
    pub seq: u64,
    pub time: Option<Timestamp>,
    /// The input or container it came from.
    pub source: &'o str,
    pub event: Event<'o>,
}

#[derive(Debug)]
pub enum Event<'o> {
    /// A log record a catalogue entry explains.
    Finding {
        record: &'o Record<'o>,
        matched: &'o Match,
        id: &'o str,
        judged: Judgement,
    },
    /// A finding from a container's configuration or state, not from a line.
    Context {
        evidence: &'o str,
        id: &'o str,
        judged: Judgement,
    },
    /// A WARNING-or-worse record no entry explains.
    Unclassified {
        record: &'o Record<'o>,
        level: Level,
        fingerprint: Fingerprint,
    },
    /// Any other record (an unclassified LOG line, say): counted, nothing more.
    Record { record: &'o Record<'o> },
}

/// The first sequence number of input `index`.
pub fn seq_base(index: usize) -> u64 {
    (index as u64) << 40
}

/// Keeps the earliest and latest of a set of times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl Seen {
    pub fn at(&mut self, time: Option<Timestamp>) {
        let Some(t) = time else { return };
        // In place: copies of both times cost more than the compare.
        match (&mut self.first, &mut self.last) {
            // A log's times mostly grow: one compare when this one is the latest yet.
            (Some(_), Some(l)) if t >= *l => *l = t,
            (Some(f), Some(l)) => {
                *f = (*f).min(t);
                *l = (*l).max(t);
            }
            _ => {
                self.first = Some(t);
                self.last = Some(t);
            }
        }
    }

    pub fn merge(&mut self, other: Seen) {
        self.at(other.first);
        self.at(other.last);
    }
}

/// Every collector a report needs, observed together.
#[derive(Debug)]
pub struct Collectors {
    pub findings: Findings,
    pub unclassified: Unclassified,
    pub totals: Totals,
    pub episodes: Episodes,
}

/// What the collectors finished into: the report's raw material.
#[derive(Debug)]
pub struct Collected {
    pub findings: FindingTallies,
    pub unclassified: Vec<Group>,
    pub unclassified_overflow: u64,
    pub totals: Totals,
    pub causes: Causes,
    /// The statistics, when the flow collected them.
    pub activity: Option<stats::Activity>,
}

impl Collectors {
    /// `accepts`: the policy's `[[accept]]` count.
    pub fn new(catalogue: &Catalogue, accepts: usize, show_sensitive: bool) -> Self {
        Collectors {
            findings: Findings::new(catalogue.patterns().len(), accepts, show_sensitive),
            unclassified: Unclassified::new(show_sensitive),
            totals: Totals::default(),
            episodes: Episodes::new(catalogue),
        }
    }
}

impl Collector for Collectors {
    type Output = Collected;

    fn observe(&mut self, o: &Observation<'_>) {
        self.findings.observe(o);
        self.unclassified.observe(o);
        self.totals.observe(o);
        self.episodes.observe(o);
    }

    fn merge(&mut self, other: Self) {
        self.findings.merge(other.findings);
        self.unclassified.merge(other.unclassified);
        self.totals.merge(other.totals);
        self.episodes.merge(other.episodes);
    }

    fn finish(self) -> Collected {
        let (unclassified, unclassified_overflow) = self.unclassified.finish();
        Collected {
            findings: self.findings.finish(),
            unclassified,
            unclassified_overflow,
            totals: self.totals.finish(),
            causes: self.episodes.finish(),
            activity: None,
        }
    }
}
