//! Activity per hour of the log's own clock: the hour a line was logged in, in the zone it
//! was logged in (pgBadger's per-hour tables), written in RFC 3339 with that offset.

use super::queries::Timed;
use super::{Ctx, Kind};
use crate::collect::{Collector, Event, Observation};
use crate::timestamp::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HourCounts {
    pub queries: u64,
    pub query_us: u64,
    pub errors: u64,
    pub connections: u64,
    pub sessions: u64,
    pub checkpoints: u64,
    pub autovacuums: u64,
    pub autoanalyzes: u64,
    pub temp_files: u64,
    pub lock_waits: u64,
    pub cancelled: u64,
}

impl HourCounts {
    fn fold(&mut self, o: HourCounts) {
        self.queries += o.queries;
        self.query_us += o.query_us;
        self.errors += o.errors;
        self.connections += o.connections;
        self.sessions += o.sessions;
        self.checkpoints += o.checkpoints;
        self.autovacuums += o.autovacuums;
        self.autoanalyzes += o.autoanalyzes;
        self.temp_files += o.temp_files;
        self.lock_waits += o.lock_waits;
        self.cancelled += o.cancelled;
    }
}

/// One hour: bounded by the span of the log, not by its size.
#[derive(Debug, Clone)]
pub struct Hourly<'c> {
    ctx: Ctx<'c>,
    hours: BTreeMap<Timestamp, HourCounts>,
    /// The hour the last lines fell in, summed apart: a log's lines come an hour at a
    /// time, and the table is looked up once per hour instead of once per line.
    open: Option<(Timestamp, HourCounts)>,
}

#[derive(Debug, Serialize)]
pub struct Hour {
    /// The hour's start, `2024-06-27T01:00:00.000+02:00`.
    pub hour: String,
    #[serde(flatten)]
    pub counts: HourCounts,
}

impl<'c> Hourly<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Hourly {
            ctx,
            hours: BTreeMap::new(),
            open: None,
        }
    }

    /// Counts `o` in its hour; `timed` is what `Timed::read` read from it.
    pub fn add(&mut self, o: &Observation<'_>, timed: Option<&Timed<'_>>) {
        let Some(hour) = o.time.map(Timestamp::hour_start) else {
            return;
        };
        let Some(c) = self.counts(o, timed) else {
            return;
        };
        match &mut self.open {
            Some((open, counts)) if *open == hour => counts.fold(c),
            _ => {
                self.close();
                self.open = Some((hour, c));
            }
        }
    }

    fn close(&mut self) {
        if let Some((hour, c)) = self.open.take() {
            self.hours.entry(hour).or_default().fold(c);
        }
    }

    /// What one observation adds to its hour, if anything; `timed` is what
    /// `Timed::read` read from it.
    fn counts(&self, o: &Observation<'_>, timed: Option<&Timed<'_>>) -> Option<HourCounts> {
        let mut c = HourCounts::default();
        if let Event::Unclassified { .. } = o.event {
            c.errors = 1;
            return Some(c);
        }
        let (record, m, kind) = self.ctx.event(o)?;
        c.errors = u64::from(record.level.is_some_and(|l| l.is_warning_or_worse()));
        match kind {
            Kind::Statement => {
                let t = timed?;
                if t.is_preparation() {
                    return None;
                }
                if t.statement.is_some() {
                    c.queries = 1;
                    c.query_us = t.us.unwrap_or(0);
                }
            }
            // Replication connections name no database; sessions count them apart too.
            Kind::Authorized => {
                c.connections = u64::from(self.ctx.capture(m, "database", record).is_some());
            }
            Kind::Disconnection => c.sessions = 1,
            Kind::Checkpoint => c.checkpoints = 1,
            Kind::Autovacuum => c.autovacuums = 1,
            Kind::Autoanalyze => c.autoanalyzes = 1,
            Kind::TempFile => c.temp_files = 1,
            Kind::LockWait => c.lock_waits = 1,
            Kind::Cancelled => c.cancelled = 1,
            _ => {}
        }
        (c != HourCounts::default()).then_some(c)
    }
}

impl Collector for Hourly<'_> {
    type Output = Vec<Hour>;

    fn observe(&mut self, o: &Observation<'_>) {
        let timed = Timed::read(&self.ctx, o);
        self.add(o, timed.as_ref());
    }

    fn merge(&mut self, mut other: Self) {
        self.close();
        other.close();
        for (hour, c) in other.hours {
            self.hours.entry(hour).or_default().fold(c);
        }
    }

    fn finish(mut self) -> Vec<Hour> {
        self.close();
        self.hours
            .into_iter()
            .map(|(h, counts)| Hour {
                hour: h.to_string(),
                counts,
            })
            .collect()
    }
}
