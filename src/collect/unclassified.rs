//! WARNING-or-worse records no catalogue entry explains, grouped by fingerprint (level and
//! message shape). Bounded: past `MAX_UNCLASSIFIED_SHAPES` groups, records are only counted.

use super::{Collector, Event, Observation, Seen};
use crate::redact;
use crate::severity::Level;
use crate::verdict::Fingerprint;
use std::collections::HashMap;

/// Distinct unclassified message shapes kept; past this they are counted in one bucket.
pub const MAX_UNCLASSIFIED_SHAPES: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub level: Level,
    pub fingerprint: Fingerprint,
    pub count: u64,
    pub seen: Seen,
    /// The group's first record (lowest sequence number), redacted unless asked not to.
    pub seq: u64,
    pub sample: String,
    pub detail: Option<String>,
    pub statement: Option<String>,
}

#[derive(Debug)]
pub struct Unclassified {
    groups: Vec<Group>,
    by_fingerprint: HashMap<Fingerprint, usize>,
    /// Records past the cap.
    overflow: u64,
    show_sensitive: bool,
}

impl Unclassified {
    pub fn new(show_sensitive: bool) -> Self {
        Unclassified {
            groups: Vec::new(),
            by_fingerprint: HashMap::new(),
            overflow: 0,
            show_sensitive,
        }
    }

    /// The group with this fingerprint so far, for live output.
    pub fn group(&self, fingerprint: Fingerprint) -> Option<&Group> {
        self.by_fingerprint
            .get(&fingerprint)
            .map(|&i| &self.groups[i])
    }

    /// Adds a group, or folds it into the one with its fingerprint; past the cap its
    /// records are only counted.
    fn add(&mut self, g: Group) {
        if let Some(&i) = self.by_fingerprint.get(&g.fingerprint) {
            let mine = &mut self.groups[i];
            mine.count += g.count;
            mine.seen.merge(g.seen);
            if g.seq < mine.seq {
                mine.seq = g.seq;
                mine.sample = g.sample;
                mine.detail = g.detail;
                mine.statement = g.statement;
            }
        } else if self.groups.len() >= MAX_UNCLASSIFIED_SHAPES {
            self.overflow += g.count;
        } else {
            self.by_fingerprint.insert(g.fingerprint, self.groups.len());
            self.groups.push(g);
        }
    }
}

impl Collector for Unclassified {
    /// The groups, and the number of records past the cap.
    type Output = (Vec<Group>, u64);

    fn observe(&mut self, o: &Observation<'_>) {
        let Event::Unclassified {
            record,
            level,
            fingerprint,
        } = &o.event
        else {
            return;
        };
        if let Some(&i) = self.by_fingerprint.get(fingerprint) {
            // A known shape: no text copied. Within one collector records arrive in
            // sequence order, so the group's sample stays the first.
            let g = &mut self.groups[i];
            g.count += 1;
            g.seen.at(o.time);
            return;
        }
        let show = self.show_sensitive;
        let mut seen = Seen::default();
        seen.at(o.time);
        self.add(Group {
            level: *level,
            fingerprint: *fingerprint,
            count: 1,
            seen,
            seq: o.seq,
            sample: match show {
                true => redact::shown(record.line, show),
                false => {
                    let at = record.line.len().saturating_sub(record.message.len());
                    redact::shown(
                        &redact::without_application(record.line, at, record.application),
                        show,
                    )
                }
            },
            detail: record.detail.map(|d| redact::shown(d, show)),
            statement: record.statement.map(|s| redact::shown(s, show)),
        });
    }

    fn merge(&mut self, other: Self) {
        self.overflow += other.overflow;
        for g in other.groups {
            self.add(g);
        }
    }

    fn finish(self) -> (Vec<Group>, u64) {
        (self.groups, self.overflow)
    }
}
