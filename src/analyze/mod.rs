//! Aggregation: records in, findings and statistics out. Tables are bounded: one slot per
//! catalogue entry, and a capped number of unclassified message shapes.

use crate::catalogue::{Catalogue, Match};
use crate::parse::record::Record;
use crate::policy::Policy;
use crate::redact;
use crate::severity::Level;
use crate::timestamp::Timestamp;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Distinct unclassified message shapes kept; past this they are counted in one bucket.
pub const MAX_UNCLASSIFIED_SHAPES: usize = 1000;

/// What is known about one catalogue entry's occurrences.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Records matched by the entry's primary templates.
    pub count: u64,
    /// Records matched only by its companion (`fold`) templates.
    pub folded: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// The first primary occurrence (else the first companion), redacted unless asked not to.
    pub sample: Option<String>,
    /// The DETAIL and STATEMENT lines of the sampled occurrence, redacted like it.
    pub detail: Option<String>,
    pub statement: Option<String>,
    sample_is_primary: bool,
    /// An expired `[[accept]]` (index) that would have covered these occurrences.
    pub expired_rule: Option<usize>,
}

impl Tally {
    fn seen_at(&mut self, time: Option<Timestamp>) {
        if time.is_some() {
            if self.first_seen.is_none() {
                self.first_seen = time;
            }
            self.last_seen = time;
        }
    }

    /// New only the first time the tally is touched, companion line or not.
    fn added(&self, slot: Slot) -> Added {
        if self.count + self.folded == 1 {
            Added::NewFinding(slot)
        } else {
            Added::Repeat(slot)
        }
    }

    /// The number reported: companion lines count only when the event itself was not seen.
    pub fn reported_count(&self) -> u64 {
        if self.count > 0 {
            self.count
        } else {
            self.folded
        }
    }
}

/// Where an occurrence is counted: with the entry's open findings, or under the
/// `[[accept]]` that documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub pattern: usize,
    pub accepted: Option<usize>,
}

/// What one record did to the tallies, for live output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// The first occurrence in this slot.
    NewFinding(Slot),
    Repeat(Slot),
    /// An unclassified WARNING-or-worse shape (index), and whether it is new.
    Unexplained(usize, bool),
    /// A record that is neither (an unclassified LOG line, say).
    Nothing,
}

/// WARNING-or-worse records that no entry explains, grouped by message shape.
#[derive(Debug, Clone)]
pub struct Unexplained {
    pub level: Level,
    pub count: u64,
    pub sample: String,
    pub detail: Option<String>,
    pub statement: Option<String>,
}

#[derive(Debug)]
pub struct Analysis {
    /// By catalogue entry: occurrences no (current) acceptance covers.
    pub tallies: Vec<Tally>,
    /// By `[[accept]]` of the policy: the occurrences it covers.
    pub accepted: Vec<Tally>,
    pub policy: Option<Policy>,
    pub unexplained: Vec<Unexplained>,
    shapes: HashMap<u64, usize>,
    /// Unclassified WARNING-or-worse records past `MAX_UNCLASSIFIED_SHAPES` shapes.
    pub unexplained_overflow: u64,
    pub records: u64,
    pub classified: u64,
    /// WARNING-or-worse records, and those of them the catalogue explains.
    pub serious_records: u64,
    pub serious_classified: u64,
    show_sensitive: bool,
}

impl Analysis {
    pub fn new(catalogue: &Catalogue, policy: Option<Policy>, show_sensitive: bool) -> Self {
        Analysis {
            tallies: vec![Tally::default(); catalogue.patterns().len()],
            accepted: vec![Tally::default(); policy.as_ref().map_or(0, |p| p.accepts.len())],
            policy,
            unexplained: Vec::new(),
            shapes: HashMap::new(),
            unexplained_overflow: 0,
            records: 0,
            classified: 0,
            serious_records: 0,
            serious_classified: 0,
            show_sensitive,
        }
    }

    /// Counts a record; `containers` are the names of the container it came from (name,
    /// compose service), for policy narrowing.
    pub fn add(
        &mut self,
        catalogue: &Catalogue,
        record: &Record<'_>,
        containers: &[&str],
    ) -> Added {
        self.records += 1;
        let serious = record
            .level
            .is_some_and(|l| l.unclassified_severity().is_some());
        self.serious_records += u64::from(serious);
        match catalogue.classify(record) {
            Some(m) => {
                self.serious_classified += u64::from(serious);
                let message = record.message;
                let rule = self.policy.as_ref().and_then(|p| {
                    p.accept_for(m.pattern, containers, |name| {
                        catalogue.capture(&m, name, message)
                    })
                });
                self.add_match(record, &m, rule)
            }
            None => self.add_unexplained(record),
        }
    }

    /// A finding that comes from a container's configuration or state, not from a line.
    pub fn add_context(
        &mut self,
        pattern: usize,
        evidence: &str,
        time: Option<Timestamp>,
        containers: &[&str],
    ) -> Added {
        let rule = self
            .policy
            .as_ref()
            .and_then(|p| p.accept_for(pattern, containers, |_| None));
        let (t, slot) = self.tally(pattern, rule);
        t.count += 1;
        t.seen_at(time);
        if !t.sample_is_primary {
            t.sample = Some(evidence.to_string());
            t.sample_is_primary = true;
        }
        t.added(slot)
    }

    /// The tally an occurrence goes to: its acceptance's, unless that has expired.
    fn tally(&mut self, pattern: usize, rule: Option<usize>) -> (&mut Tally, Slot) {
        let expired = rule.filter(|r| self.policy.as_ref().is_some_and(|p| p.accepts[*r].expired));
        match rule {
            Some(r) if expired.is_none() => (
                &mut self.accepted[r],
                Slot {
                    pattern,
                    accepted: Some(r),
                },
            ),
            _ => {
                let t = &mut self.tallies[pattern];
                if expired.is_some() {
                    t.expired_rule = expired;
                }
                (
                    t,
                    Slot {
                        pattern,
                        accepted: None,
                    },
                )
            }
        }
    }

    fn add_match(&mut self, record: &Record<'_>, m: &Match, rule: Option<usize>) -> Added {
        self.classified += 1;
        let show_sensitive = self.show_sensitive;
        let (t, slot) = self.tally(m.pattern, rule);
        if m.fold {
            t.folded += 1;
        } else {
            t.count += 1;
        }
        t.seen_at(record_time(record));
        if t.sample.is_none() || (!m.fold && !t.sample_is_primary) {
            let message_at = record.line.len() - record.message.len();
            let shown = |text: &[u8]| shown(text, show_sensitive);
            t.sample = Some(if show_sensitive {
                String::from_utf8_lossy(record.line).into_owned()
            } else {
                redact::captures(record.line, message_at, &m.captures, m.redact)
            });
            t.detail = record.detail.map(shown);
            t.statement = record.statement.map(shown);
            t.sample_is_primary = !m.fold;
        }
        t.added(slot)
    }

    /// The tally of a slot.
    pub fn slot(&self, slot: Slot) -> &Tally {
        match slot.accepted {
            Some(r) => &self.accepted[r],
            None => &self.tallies[slot.pattern],
        }
    }

    fn add_unexplained(&mut self, record: &Record<'_>) -> Added {
        let Some(level) = record.level.filter(|l| l.unclassified_severity().is_some()) else {
            return Added::Nothing;
        };
        let key = shape_hash(level, record.message);
        if let Some(&i) = self.shapes.get(&key) {
            self.unexplained[i].count += 1;
            return Added::Unexplained(i, false);
        }
        if self.unexplained.len() >= MAX_UNCLASSIFIED_SHAPES {
            self.unexplained_overflow += 1;
            return Added::Nothing;
        }
        let show_sensitive = self.show_sensitive;
        let shown = |text: &[u8]| shown(text, show_sensitive);
        self.shapes.insert(key, self.unexplained.len());
        self.unexplained.push(Unexplained {
            level,
            count: 1,
            sample: shown(record.line),
            detail: record.detail.map(shown),
            statement: record.statement.map(shown),
        });
        Added::Unexplained(self.unexplained.len() - 1, true)
    }
}

/// Free text as reports may show it: literals and row values masked unless asked.
fn shown(text: &[u8], show_sensitive: bool) -> String {
    let text = String::from_utf8_lossy(text);
    if show_sensitive {
        text.into_owned()
    } else {
        redact::literals(&text)
    }
}

fn record_time(r: &Record<'_>) -> Option<Timestamp> {
    let t = r.time?;
    if r.epoch {
        Timestamp::parse_epoch(t)
    } else {
        Timestamp::parse(t)
    }
}

/// A message's shape: its text with numbers and quoted names left out, so that
/// `relation "a" does not exist` and `relation "b" does not exist` count together.
fn shape_hash(level: Level, msg: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    level.hash(&mut h);
    let mut quoted = None;
    let mut in_number = false;
    for &b in msg.iter().take(512) {
        if let Some(q) = quoted {
            if b == q {
                quoted = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => {
                quoted = Some(b);
                b'?'.hash(&mut h);
            }
            b'0'..=b'9' => {
                if !in_number {
                    b'#'.hash(&mut h);
                }
                in_number = true;
                continue;
            }
            _ => b.hash(&mut h),
        }
        in_number = false;
    }
    h.finish()
}
