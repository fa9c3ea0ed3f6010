//! WARNING-or-worse records no catalogue entry explains, grouped by fingerprint (level and
//! message shape). Bounded: `MAX_UNCLASSIFIED_SHAPES` groups are kept, the records of the
//! other shapes are only counted.
//!
//! Which shapes keep a group is a property of the shapes, not of their order: the ones of
//! lowest fingerprint, as `stats::capped` keeps keys. So groups filled from parts of a log
//! (the chunks of a split file) and merged hold exactly what one filled from the whole log
//! holds, past the cap too (ADR 18).

use super::{Collector, Event, Observation, Seen};
use crate::redact;
use crate::severity::Level;
use crate::verdict::Fingerprint;
use std::collections::{BTreeSet, HashMap};

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
    groups: HashMap<Fingerprint, Group>,
    /// The kept fingerprints in order: the last is the one a lower newcomer evicts.
    ranks: BTreeSet<Fingerprint>,
    /// Records of the shapes not kept.
    overflow: u64,
    cap: usize,
    show_sensitive: bool,
}

impl Unclassified {
    pub fn new(show_sensitive: bool) -> Self {
        Unclassified::with_cap(MAX_UNCLASSIFIED_SHAPES, show_sensitive)
    }

    fn with_cap(cap: usize, show_sensitive: bool) -> Self {
        Unclassified {
            groups: HashMap::new(),
            ranks: BTreeSet::new(),
            overflow: 0,
            cap,
            show_sensitive,
        }
    }

    /// The group with this fingerprint so far, for live output.
    pub fn group(&self, fingerprint: Fingerprint) -> Option<&Group> {
        self.groups.get(&fingerprint)
    }

    /// Whether a new shape gets a group, evicting the highest kept one into the overflow
    /// if need be.
    fn make_room(&mut self, fingerprint: Fingerprint) -> bool {
        if self.groups.len() < self.cap {
            return true;
        }
        match self.ranks.last() {
            Some(top) if fingerprint < *top => {
                let evicted = self.ranks.pop_last().expect("a last rank");
                let g = self
                    .groups
                    .remove(&evicted)
                    .expect("ranked shapes have groups");
                self.overflow += g.count;
                true
            }
            _ => false,
        }
    }

    /// Adds a group, or folds it into the one with its fingerprint; a shape that ranks
    /// past the cap is only counted.
    fn add(&mut self, g: Group) {
        if let Some(mine) = self.groups.get_mut(&g.fingerprint) {
            mine.count += g.count;
            mine.seen.merge(g.seen);
            if g.seq < mine.seq {
                mine.seq = g.seq;
                mine.sample = g.sample;
                mine.detail = g.detail;
                mine.statement = g.statement;
            }
        } else if self.make_room(g.fingerprint) {
            self.ranks.insert(g.fingerprint);
            self.groups.insert(g.fingerprint, g);
        } else {
            self.overflow += g.count;
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
        if let Some(g) = self.groups.get_mut(fingerprint) {
            // A known shape: no text copied. Within one collector records arrive in
            // sequence order, so the group's sample stays the first.
            g.count += 1;
            g.seen.at(o.time);
            return;
        }
        if self.groups.len() >= self.cap && self.ranks.last().is_some_and(|top| fingerprint > top) {
            // Ranked past the cap: counted without copying its text.
            self.overflow += 1;
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
        for g in other.groups.into_values() {
            self.add(g);
        }
    }

    /// The groups in the order their shapes first appeared.
    fn finish(self) -> (Vec<Group>, u64) {
        let mut groups: Vec<Group> = self.groups.into_values().collect();
        groups.sort_by_key(|g| g.seq);
        (groups, self.overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::Record;
    use crate::verdict::fingerprint;

    /// Groups of `messages` (numbered from `first_seq`), with a cap of 40.
    fn fill(messages: &[String], first_seq: u64) -> Unclassified {
        let mut u = Unclassified::with_cap(40, false);
        for (i, m) in messages.iter().enumerate() {
            let record = Record {
                line: m.as_bytes(),
                message: m.as_bytes(),
                level: Some(Level::Error),
                ..Record::default()
            };
            u.observe(&Observation {
                seq: first_seq + i as u64,
                time: None,
                source: "test",
                event: Event::Unclassified {
                    record: &record,
                    level: Level::Error,
                    fingerprint: fingerprint(Level::Error, record.message),
                },
            });
        }
        u
    }

    /// Collectors filled from the parts of a stream and merged, in either order, hold
    /// what one filled from the whole stream holds, past the cap too.
    #[test]
    fn merged_parts_equal_the_whole() {
        // 120 shapes, told apart by two letters (digits make no shape), each met 5 times.
        let letter = |n: usize| (b'a' + n as u8) as char;
        let shape = |n: usize| format!("{}{}", letter(n % 26), letter(n / 26));
        let messages: Vec<String> = (0..600)
            .map(|i| format!("oops {} at {i}", shape(i * 7 % 120)))
            .collect();
        let whole = fill(&messages, 0).finish();
        assert_eq!(whole.0.len(), 40, "the cap is reached");
        assert!(whole.1 > 0);
        for cut in [1, 150, 300, 599] {
            let mut a = fill(&messages[..cut], 0);
            a.merge(fill(&messages[cut..], cut as u64));
            assert_eq!(a.finish(), whole, "cut at {cut}");
            let mut b = fill(&messages[cut..], cut as u64);
            b.merge(fill(&messages[..cut], 0));
            assert_eq!(b.finish(), whole, "cut at {cut}, merged the other way");
        }
    }
}
