//! What the server did, at pgBadger's level: queries, checkpoints, autovacuum, sessions,
//! waits and errors, per hour. Each statistic is its own collector over the same
//! observations as the findings; they recognise their events by catalogue id (resolved
//! once to entry numbers, see `Kinds`) and read values through the entry's named captures.
//! Tables keyed by free text (queries, tables, users, messages) are capped (`Capped`):
//! memory stays bounded and what does not fit is summed in an `other` row. Which keys keep a
//! row does not depend on their order, so merging is exact past the cap too.

pub mod autovacuum;
pub mod capped;
pub mod checkpoints;
pub mod errors;
pub mod events;
pub mod hourly;
pub mod normalize;
pub mod queries;
pub mod sessions;
pub mod shapes;
pub mod sketch;
pub mod sqlstate;

use super::{Collector, Event, Observation};
use crate::catalogue::{Catalogue, Match};
use crate::parse::record::Record;
use serde::Serialize;
use std::sync::Arc;

/// The events statistics read, by the catalogue entries that recognise them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Statement,
    StatementLogged,
    CheckpointStarting,
    Checkpoint,
    RestartpointStarting,
    Restartpoint,
    Autovacuum,
    Autoanalyze,
    ConnectionReceived,
    Authorized,
    Disconnection,
    LockWait,
    LockAcquired,
    TempFile,
    Cancelled,
    Other,
}

const KINDS: &[(&str, Kind)] = &[
    ("query.slow-statement", Kind::Statement),
    ("query.statement-logged", Kind::StatementLogged),
    ("checkpoint.starting", Kind::CheckpointStarting),
    ("checkpoint.complete", Kind::Checkpoint),
    (
        "checkpoint.restartpoint-starting",
        Kind::RestartpointStarting,
    ),
    ("checkpoint.restartpoint-complete", Kind::Restartpoint),
    ("vacuum.autovacuum", Kind::Autovacuum),
    ("vacuum.autovacuum-aggressive", Kind::Autovacuum),
    ("vacuum.autovacuum-wraparound", Kind::Autovacuum),
    ("vacuum.autoanalyze", Kind::Autoanalyze),
    ("connection.received", Kind::ConnectionReceived),
    ("connection.authorized", Kind::Authorized),
    ("connection.disconnection", Kind::Disconnection),
    ("lock.wait-logged", Kind::LockWait),
    ("lock.acquired-after-wait", Kind::LockAcquired),
    ("query.temp-file", Kind::TempFile),
    ("query.statement-timeout", Kind::Cancelled),
    ("query.cancelled-by-user", Kind::Cancelled),
    ("lock.timeout", Kind::Cancelled),
    ("replication.conflict-canceled", Kind::Cancelled),
];

/// The catalogue and the kind of each of its entries: what every statistics collector
/// needs to read an observation. Cheap to clone (one per input or thread).
#[derive(Debug, Clone)]
pub struct Ctx<'c> {
    pub catalogue: &'c Catalogue,
    kinds: Arc<[Kind]>,
    /// Per template, where it captures a statement's `ms` and `statement`: read from
    /// every statement record, and found by name once.
    statement_slots: Arc<[[Option<u8>; 2]]>,
    /// Show statement examples unredacted (`--show-sensitive`).
    pub show_sensitive: bool,
}

impl<'c> Ctx<'c> {
    pub fn new(catalogue: &'c Catalogue, show_sensitive: bool) -> Self {
        let mut kinds = vec![Kind::Other; catalogue.patterns().len()];
        for (id, kind) in KINDS {
            if let Some(i) = catalogue.index_of(id) {
                kinds[i] = *kind;
            }
        }
        let statement_slots = (0..catalogue.templates())
            .map(|ti| {
                ["ms", "statement"].map(|name| {
                    let i = catalogue.capture_index(ti, name)?;
                    u8::try_from(i).ok()
                })
            })
            .collect();
        Ctx {
            catalogue,
            kinds: kinds.into(),
            statement_slots,
            show_sensitive,
        }
    }

    /// The record, match and kind of a finding read from a line; `None` for the rest.
    /// Folded follow-up lines (`recovery restart point at`) are part of an event already
    /// counted.
    pub fn event<'o>(&self, o: &'o Observation<'o>) -> Option<(&'o Record<'o>, &'o Match, Kind)> {
        match &o.event {
            Event::Finding {
                record, matched, ..
            } if !matched.fold => Some((record, matched, self.kinds[matched.pattern])),
            _ => None,
        }
    }

    /// A statement record's `ms` and `statement` captures.
    pub fn statement_captures<'m>(
        &self,
        m: &Match,
        record: &'m Record<'_>,
    ) -> [Option<&'m [u8]>; 2] {
        let slots = m.template.map_or([None; 2], |ti| self.statement_slots[ti]);
        slots.map(|i| Catalogue::captured(m, usize::from(i?), record.message))
    }

    /// The value the entry captured under `name`.
    pub fn capture<'m>(&self, m: &Match, name: &str, record: &'m Record<'_>) -> Option<&'m [u8]> {
        self.catalogue.capture(m, name, record.message)
    }
}

/// `12.345` as an integer number of thousandths (12345): milliseconds to microseconds,
/// seconds to milliseconds. Integers keep sums exact whatever the merge order.
pub fn thousandths(s: &[u8]) -> Option<u64> {
    let dot = s.iter().position(|b| *b == b'.').unwrap_or(s.len());
    let mut v = uint(&s[..dot])?.checked_mul(1000)?;
    let mut scale = 100;
    for b in s.iter().skip(dot + 1).take(3) {
        if !b.is_ascii_digit() {
            break;
        }
        v += u64::from(b - b'0') * scale;
        scale /= 10;
    }
    Some(v)
}

/// A decimal integer, all of `s`.
pub fn uint(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |v, b| {
        b.is_ascii_digit()
            .then(|| v.saturating_mul(10).saturating_add(u64::from(b - b'0')))
    })
}

/// The number right after `key` in `text` (`distance=194 kB` → `194`).
pub fn number_after<'t>(text: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    let at = crate::bytes::find(text, key)? + key.len();
    let rest = &text[at..];
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Text as a report key: lossless for UTF-8, lossy otherwise.
pub fn key(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    // `from_utf8` checks ASCII a word at a time; the lossy walk goes by chunks.
    match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `key`, keeping the buffer itself when it is UTF-8 (a caller that reuses it).
pub fn into_key(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Every statistics collector, observed together.
#[derive(Debug, Clone)]
pub struct Stats<'c> {
    pub queries: queries::Queries<'c>,
    pub checkpoints: checkpoints::Checkpoints<'c>,
    pub autovacuum: autovacuum::Autovacuum<'c>,
    pub sessions: sessions::Sessions<'c>,
    pub events: events::Events<'c>,
    pub errors: errors::Errors,
    pub hourly: hourly::Hourly<'c>,
}

/// The statistics section of the report (`stats` in the JSON document).
#[derive(Debug, Serialize)]
pub struct Activity {
    pub queries: queries::QueryStats,
    pub checkpoints: checkpoints::CheckpointStats,
    pub autovacuum: autovacuum::VacuumStats,
    pub sessions: sessions::SessionStats,
    pub locks: events::LockStats,
    pub temp_files: events::TempFileStats,
    pub cancelled: events::CancelStats,
    pub errors: errors::ErrorStats,
    pub hourly: Vec<hourly::Hour>,
}

impl<'c> Stats<'c> {
    pub fn new(ctx: &Ctx<'c>) -> Self {
        Stats {
            queries: queries::Queries::new(ctx.clone()),
            checkpoints: checkpoints::Checkpoints::new(ctx.clone()),
            autovacuum: autovacuum::Autovacuum::new(ctx.clone()),
            sessions: sessions::Sessions::new(ctx.clone()),
            events: events::Events::new(ctx.clone()),
            errors: errors::Errors::default(),
            hourly: hourly::Hourly::new(ctx.clone()),
        }
    }
}

impl Collector for Stats<'_> {
    type Output = Activity;

    fn observe(&mut self, o: &Observation<'_>) {
        // A statement's captures and step are read once for the two that count it.
        let timed = queries::Timed::read(&self.queries.ctx, o);
        self.queries.add(o, timed.as_ref());
        self.hourly.add(o, timed.as_ref());
        self.checkpoints.observe(o);
        self.autovacuum.observe(o);
        self.sessions.observe(o);
        self.events.observe(o);
        self.errors.observe(o);
    }

    fn merge(&mut self, other: Self) {
        self.queries.merge(other.queries);
        self.checkpoints.merge(other.checkpoints);
        self.autovacuum.merge(other.autovacuum);
        self.sessions.merge(other.sessions);
        self.events.merge(other.events);
        self.errors.merge(other.errors);
        self.hourly.merge(other.hourly);
    }

    fn finish(self) -> Activity {
        let (locks, temp_files, cancelled) = self.events.finish();
        Activity {
            queries: self.queries.finish(),
            checkpoints: self.checkpoints.finish(),
            autovacuum: self.autovacuum.finish(),
            sessions: self.sessions.finish(),
            locks,
            temp_files,
            cancelled,
            errors: self.errors.finish(),
            hourly: self.hourly.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_integers() {
        assert_eq!(thousandths(b"2.280"), Some(2280));
        assert_eq!(thousandths(b"0.5"), Some(500));
        assert_eq!(thousandths(b"13555.814"), Some(13_555_814));
        assert_eq!(thousandths(b"7"), Some(7000));
        assert_eq!(uint(b"12a"), None);
        let line = b"write=0.008 s, sync=0.059 s; distance=194 kB, estimate=194 kB";
        assert_eq!(number_after(line, b"sync="), Some(&b"0.059"[..]));
        assert_eq!(number_after(line, b"estimate="), Some(&b"194"[..]));
    }
}
