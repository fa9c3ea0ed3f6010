//! Crash episodes: which events are the consequences of which cause. When a process
//! PANICs, the postmaster reports it killed by signal 6, terminates every other process,
//! reinitialises and recovers; each step is a finding of its own, but the advice that
//! matters is the cause's. An episode opens at a PANIC or at the first aftermath event
//! (`aftermath = true` in the catalogue) of a source, and closes when that source's
//! server is ready again; every aftermath event inside it is a consequence of its opener.
//! An opener that is no problem on its own (a start-up from a base backup looks like one
//! after a crash) gives way to the first FATAL or PANIC that is not aftermath: when the
//! restored copy then fails, the failure is what the rest follows from.

use super::{Collector, Event, Observation};
use crate::catalogue::Catalogue;
use crate::severity::{Level, Severity};
use std::collections::HashMap;

#[derive(Debug)]
pub struct Episodes {
    aftermath: Vec<bool>,
    /// Aftermath entries that are informational in prod: causes only until a failure.
    provisional: Vec<bool>,
    /// The entry that ends an episode (`server.ready`).
    ready: Option<usize>,
    /// The cause of each source's open episode.
    open: HashMap<String, usize>,
    causes: Causes,
}

/// For each consequence entry, how often each cause preceded it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Causes {
    edges: HashMap<usize, HashMap<usize, u64>>,
}

impl Causes {
    /// The cause an entry most often followed, if it ever was a consequence.
    pub fn cause_of(&self, pattern: usize) -> Option<usize> {
        let by_cause = self.edges.get(&pattern)?;
        by_cause
            .iter()
            .max_by_key(|(cause, n)| (**n, std::cmp::Reverse(**cause)))
            .map(|(cause, _)| *cause)
    }
}

impl Episodes {
    pub fn new(catalogue: &Catalogue) -> Self {
        Episodes {
            aftermath: catalogue.patterns().iter().map(|p| p.aftermath).collect(),
            provisional: (catalogue.patterns().iter())
                .map(|p| p.aftermath && p.severity.prod == Severity::Info)
                .collect(),
            ready: catalogue.index_of("server.ready"),
            open: HashMap::new(),
            causes: Causes::default(),
        }
    }
}

impl Episodes {
    /// The cause of `source`'s open crash episode, which the records after would join.
    pub fn open_cause(&self, source: &str) -> Option<usize> {
        self.open.get(source).copied()
    }

    /// Opens `source`'s episode as another collector left it (the chunk before).
    pub fn reopen(&mut self, source: &str, cause: usize) {
        self.open.insert(source.to_string(), cause);
    }
}

impl Collector for Episodes {
    type Output = Causes;

    fn observe(&mut self, o: &Observation<'_>) {
        let Event::Finding { record, judged, .. } = &o.event else {
            return;
        };
        let pattern = judged.slot.pattern;
        if Some(pattern) == self.ready {
            self.open.remove(o.source);
            return;
        }
        let crash = record.level == Some(Level::Panic) || self.aftermath[pattern];
        let failure =
            !self.aftermath[pattern] && matches!(record.level, Some(Level::Panic | Level::Fatal));
        if !crash && !failure {
            return;
        }
        match self.open.get(o.source) {
            Some(&cause) if failure && self.provisional[cause] => {
                self.open.insert(o.source.to_string(), pattern);
            }
            Some(&cause) if cause != pattern && self.aftermath[pattern] => {
                *self
                    .causes
                    .edges
                    .entry(pattern)
                    .or_default()
                    .entry(cause)
                    .or_default() += 1;
            }
            Some(_) => {}
            None if crash => {
                self.open.insert(o.source.to_string(), pattern);
            }
            None => {}
        }
    }

    /// Episodes do not span inputs: only what each input saw is kept.
    fn merge(&mut self, other: Self) {
        for (consequence, by_cause) in other.causes.edges {
            let mine = self.causes.edges.entry(consequence).or_default();
            for (cause, n) in by_cause {
                *mine.entry(cause).or_default() += n;
            }
        }
    }

    fn finish(self) -> Causes {
        self.causes
    }
}
