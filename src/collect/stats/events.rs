//! What held statements up: lock waits (`log_lock_waits`), temporary files
//! (`log_temp_files`), statements cancelled by a timeout, a cancel request or a recovery
//! conflict. Grouped by the waiting or spilling statement's shape, from its STATEMENT line.

use super::capped::{named, top, Capped, Named, Row};
use super::normalize::normalize;
use super::{key, uint, Ctx, Kind};
use crate::collect::{Collector, Observation};
use serde::Serialize;

/// Distinct statements or lock objects kept per table.
pub const MAX_ROWS: usize = 1000;
/// Rows listed per table in the report.
pub const TOP_ROWS: usize = 20;
/// The key of an event logged without its STATEMENT line.
const NO_STATEMENT: &str = "(no statement logged)";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Amount {
    pub count: u64,
    /// Milliseconds waited (locks) or bytes written (temp files).
    pub total: u64,
    pub max: u64,
}

impl Amount {
    fn add(&mut self, v: u64) {
        self.count += 1;
        self.total += v;
        self.max = self.max.max(v);
    }
}

impl Row for Amount {
    fn fold(&mut self, o: Self) {
        self.count += o.count;
        self.total += o.total;
        self.max = self.max.max(o.max);
    }
}

#[derive(Debug, Clone)]
pub struct Events<'c> {
    ctx: Ctx<'c>,
    shape: Vec<u8>,
    /// `still waiting` lines.
    waits: u64,
    /// `acquired ... after N ms`, in microseconds.
    acquired: Amount,
    waits_by_object: Capped<u64>,
    waits_by_query: Capped<Amount>,
    temp: Amount,
    temp_by_query: Capped<Amount>,
    cancelled: u64,
    cancelled_by_reason: Capped<u64>,
    cancelled_by_query: Capped<u64>,
}

#[derive(Debug, Serialize)]
pub struct LockStats {
    /// Waits past deadlock_timeout (`still waiting for`).
    pub waits: u64,
    /// Waits that ended with the lock (`acquired ... after`): count, total and longest
    /// wait in microseconds.
    pub acquired: Amount,
    pub by_object: Vec<Named>,
    /// Acquired waits by the waiting statement's shape.
    pub by_query: Vec<NamedAmount>,
}

#[derive(Debug, Serialize)]
pub struct TempFileStats {
    /// Count, total and largest size in bytes.
    #[serde(flatten)]
    pub files: Amount,
    pub by_query: Vec<NamedAmount>,
}

#[derive(Debug, Serialize)]
pub struct CancelStats {
    pub count: u64,
    /// By catalogue entry (`query.statement-timeout`, `lock.timeout`, ...).
    pub by_reason: Vec<Named>,
    pub by_query: Vec<Named>,
}

#[derive(Debug, Serialize)]
pub struct NamedAmount {
    pub name: String,
    #[serde(flatten)]
    pub amount: Amount,
}

impl<'c> Events<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Events {
            ctx,
            shape: Vec::new(),
            waits: 0,
            acquired: Amount::default(),
            waits_by_object: Capped::new(MAX_ROWS),
            waits_by_query: Capped::new(MAX_ROWS),
            temp: Amount::default(),
            temp_by_query: Capped::new(MAX_ROWS),
            cancelled: 0,
            cancelled_by_reason: Capped::new(MAX_ROWS),
            cancelled_by_query: Capped::new(MAX_ROWS),
        }
    }
}

/// The statement's shape (in `shape`, reused), or a placeholder when the event came
/// without one.
fn query<'s>(shape: &'s mut Vec<u8>, statement: Option<&[u8]>) -> &'s str {
    match statement {
        Some(s) => {
            normalize(shape, s);
            std::str::from_utf8(shape).unwrap_or(NO_STATEMENT)
        }
        None => NO_STATEMENT,
    }
}

/// A lock object without the ids that differ on every wait: `transaction 726` is a row
/// lock held by some transaction; relations keep their oid.
fn lock_object(object: &[u8]) -> &[u8] {
    for generic in [&b"transaction"[..], b"virtual transaction"] {
        if object.starts_with(generic) && object.get(generic.len()) == Some(&b' ') {
            return generic;
        }
    }
    object
}

impl Collector for Events<'_> {
    type Output = (LockStats, TempFileStats, CancelStats);

    fn observe(&mut self, o: &Observation<'_>) {
        let Some((record, m, kind)) = self.ctx.event(o) else {
            return;
        };
        let cap = |name| self.ctx.capture(m, name, record);
        match kind {
            Kind::LockWait => {
                self.waits += 1;
                let object = lock_object(cap("object").unwrap_or_default());
                *self.waits_by_object.row(&key(object)) += 1;
            }
            Kind::LockAcquired => {
                let whole = cap("ms").and_then(uint).unwrap_or(0);
                let fraction = cap("ms_fraction").and_then(uint).unwrap_or(0);
                let us = whole * 1000 + fraction;
                self.acquired.add(us);
                self.waits_by_query
                    .row(query(&mut self.shape, record.statement))
                    .add(us);
            }
            Kind::TempFile => {
                let bytes = cap("bytes").and_then(uint).unwrap_or(0);
                self.temp.add(bytes);
                self.temp_by_query
                    .row(query(&mut self.shape, record.statement))
                    .add(bytes);
            }
            Kind::Cancelled => {
                self.cancelled += 1;
                *self
                    .cancelled_by_reason
                    .row(&self.ctx.catalogue.patterns()[m.pattern].id) += 1;
                *self
                    .cancelled_by_query
                    .row(query(&mut self.shape, record.statement)) += 1;
            }
            _ => {}
        }
    }

    fn merge(&mut self, o: Self) {
        self.waits += o.waits;
        self.acquired.fold(o.acquired);
        self.waits_by_object.merge(o.waits_by_object);
        self.waits_by_query.merge(o.waits_by_query);
        self.temp.fold(o.temp);
        self.temp_by_query.merge(o.temp_by_query);
        self.cancelled += o.cancelled;
        self.cancelled_by_reason.merge(o.cancelled_by_reason);
        self.cancelled_by_query.merge(o.cancelled_by_query);
    }

    fn finish(self) -> (LockStats, TempFileStats, CancelStats) {
        (
            LockStats {
                waits: self.waits,
                acquired: self.acquired,
                by_object: named(self.waits_by_object, TOP_ROWS),
                by_query: amounts(self.waits_by_query),
            },
            TempFileStats {
                files: self.temp,
                by_query: amounts(self.temp_by_query),
            },
            CancelStats {
                count: self.cancelled,
                by_reason: named(self.cancelled_by_reason, TOP_ROWS),
                by_query: named(self.cancelled_by_query, TOP_ROWS),
            },
        )
    }
}

/// The top rows by total, then `other` when keys did not fit.
fn amounts(t: Capped<Amount>) -> Vec<NamedAmount> {
    let (all, other) = t.into_rows();
    top(all, TOP_ROWS, |a| a.total)
        .into_iter()
        .chain(other.map(|a| ("other".to_string(), a)))
        .map(|(name, amount)| NamedAmount { name, amount })
        .collect()
}
