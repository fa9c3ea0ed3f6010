//! Findings: per catalogue entry (or per `[[accept]]` that documents it), how often, when,
//! and one redacted sample. Bounded: one slot per entry and per acceptance.

use super::{Collector, Event, Observation, Seen};
use crate::redact;
use crate::verdict::Slot;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records matched by the entry's primary templates.
    pub count: u64,
    /// Records matched only by its companion (`fold`) templates.
    pub folded: u64,
    /// When the primary records were seen.
    pub seen: Seen,
    /// When the companion records were: kept apart, since they are the tally's times
    /// only when the event itself was not seen, as they are its count.
    pub folded_seen: Seen,
    pub sample: Option<Sample>,
    /// An expired `[[accept]]` (index) that would have covered these occurrences.
    pub expired_rule: Option<usize>,
}

/// The occurrence shown for a tally: the first primary one (else the first companion),
/// redacted unless asked not to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub seq: u64,
    pub primary: bool,
    pub line: String,
    /// Its DETAIL and STATEMENT lines, redacted like it.
    pub detail: Option<String>,
    pub statement: Option<String>,
}

/// Whether an occurrence (primary or not, at `seq`) should be shown rather than `than`:
/// primary lines first, then the earliest.
fn preferred(primary: bool, seq: u64, than: Option<&Sample>) -> bool {
    than.is_none_or(|s| (primary, std::cmp::Reverse(seq)) > (s.primary, std::cmp::Reverse(s.seq)))
}

impl Tally {
    /// Whether the companion lines stand for the event: only when it was not seen itself.
    /// Then they give the tally its count and its times, else neither (initdb's
    /// `sh: locale: not found`, logged a moment after its event, does not make one
    /// occurrence two, nor a span).
    fn by_companions(&self) -> bool {
        self.count == 0
    }

    /// The number reported.
    pub fn reported_count(&self) -> u64 {
        if self.by_companions() {
            self.folded
        } else {
            self.count
        }
    }

    /// The times reported.
    pub fn reported_seen(&self) -> &Seen {
        if self.by_companions() {
            &self.folded_seen
        } else {
            &self.seen
        }
    }

    fn offer(&mut self, seq: u64, primary: bool, make: impl FnOnce() -> Sample) {
        if preferred(primary, seq, self.sample.as_ref()) {
            self.sample = Some(make());
        }
    }

    fn merge(&mut self, other: Tally) {
        self.count += other.count;
        self.folded += other.folded;
        self.seen.merge(other.seen);
        self.folded_seen.merge(other.folded_seen);
        if let Some(s) = other.sample {
            if preferred(s.primary, s.seq, self.sample.as_ref()) {
                self.sample = Some(s);
            }
        }
        self.expired_rule = self.expired_rule.or(other.expired_rule);
    }
}

/// The tallies of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingTallies {
    /// By catalogue entry: occurrences no (current) acceptance covers.
    pub open: Vec<Tally>,
    /// By `[[accept]]` of the policy: the occurrences it covers.
    pub accepted: Vec<Tally>,
}

impl FindingTallies {
    pub fn slot(&self, slot: Slot) -> &Tally {
        match slot.accepted {
            Some(r) => &self.accepted[r],
            None => &self.open[slot.pattern],
        }
    }

    fn slot_mut(&mut self, slot: Slot) -> &mut Tally {
        match slot.accepted {
            Some(r) => &mut self.accepted[r],
            None => &mut self.open[slot.pattern],
        }
    }
}

#[derive(Debug)]
pub struct Findings {
    tallies: FindingTallies,
    show_sensitive: bool,
}

impl Findings {
    pub fn new(patterns: usize, accepts: usize, show_sensitive: bool) -> Self {
        Findings {
            tallies: FindingTallies {
                open: vec![Tally::default(); patterns],
                accepted: vec![Tally::default(); accepts],
            },
            show_sensitive,
        }
    }

    /// The tallies so far, for live output.
    pub fn tallies(&self) -> &FindingTallies {
        &self.tallies
    }
}

impl Collector for Findings {
    type Output = FindingTallies;

    fn observe(&mut self, o: &Observation<'_>) {
        let show_sensitive = self.show_sensitive;
        match &o.event {
            Event::Finding {
                record,
                matched,
                judged,
                ..
            } => {
                let t = self.tallies.slot_mut(judged.slot);
                if matched.fold {
                    t.folded += 1;
                    t.folded_seen.at(o.time);
                } else {
                    t.count += 1;
                    t.seen.at(o.time);
                }
                t.expired_rule = t.expired_rule.or(judged.expired);
                t.offer(o.seq, !matched.fold, || Sample {
                    seq: o.seq,
                    primary: !matched.fold,
                    line: if show_sensitive {
                        String::from_utf8_lossy(record.line).into_owned()
                    } else {
                        let at = record.line.len() - record.message.len();
                        let line = redact::without_application(record.line, at, record.application);
                        let at = line.len() - record.message.len();
                        redact::captures(&line, at, &matched.captures, matched.redact)
                    },
                    detail: record.detail.map(|d| redact::shown(d, show_sensitive)),
                    statement: record.statement.map(|s| redact::shown(s, show_sensitive)),
                });
            }
            Event::Context {
                evidence, judged, ..
            } => {
                let t = self.tallies.slot_mut(judged.slot);
                t.count += 1;
                t.seen.at(o.time);
                t.expired_rule = t.expired_rule.or(judged.expired);
                t.offer(o.seq, true, || Sample {
                    seq: o.seq,
                    primary: true,
                    line: evidence.to_string(),
                    detail: None,
                    statement: None,
                });
            }
            Event::Unclassified { .. } | Event::Record { .. } => {}
        }
    }

    fn merge(&mut self, other: Self) {
        let other = other.tallies;
        for (mine, theirs) in self.tallies.open.iter_mut().zip(other.open) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.tallies.accepted.iter_mut().zip(other.accepted) {
            mine.merge(theirs);
        }
    }

    fn finish(self) -> FindingTallies {
        self.tallies
    }
}
