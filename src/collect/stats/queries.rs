//! Statements with their durations (`log_min_duration_statement`, `log_duration`), grouped
//! by normalised shape: count, total, mean, max and p95 time, first and last seen, who ran
//! them, and the slowest occurrence as a redacted example.

use super::capped::{top, Capped, Row};
use super::normalize::StatementType;
use super::shapes::Shapes;
use super::sketch::Sketch;
use super::{key, thousandths, Ctx, Kind};
use crate::bytes::starts_with;
use crate::collect::{Collector, Observation, Seen};
use crate::parse::record::Record;
use crate::redact;
use serde::Serialize;

/// Distinct statement shapes kept; the rest are summed in `other`.
pub const MAX_QUERIES: usize = 5000;
/// Rows in each top list.
pub const TOP_N: usize = 20;
/// Databases and users listed per statement (the alphabetically first ones).
const MAX_NAMES: usize = 8;

/// A small set of names: the first `MAX_NAMES` in order, and whether there were more. The
/// smallest names of a union are the smallest of the parts' smallest, so merging is exact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Names {
    pub names: Vec<String>,
    pub more: bool,
}

impl Names {
    pub fn add(&mut self, name: Option<&[u8]>) {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return;
        };
        // Almost always a name already listed: found by its bytes, nothing converted.
        if self
            .names
            .iter()
            .any(|n| crate::bytes::eq(n.as_bytes(), name))
        {
            return;
        }
        let name = key(name);
        if let Err(at) = self.names.binary_search_by(|n| n.as_str().cmp(&name)) {
            if at < MAX_NAMES {
                self.names.insert(at, name.into_owned());
            }
            self.more |= self.names.len() > MAX_NAMES || at >= MAX_NAMES;
            self.names.truncate(MAX_NAMES);
        }
    }

    fn fold(&mut self, other: Names) {
        self.more |= other.more;
        for n in other.names {
            self.add(Some(n.as_bytes()));
        }
    }
}

/// Durations: what a statement's row and the total over all statements both keep.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    count: u64,
    total_us: u64,
    max_us: u64,
    sketch: Sketch,
}

impl Timing {
    fn add(&mut self, us: u64) {
        self.count += 1;
        self.total_us += us;
        self.max_us = self.max_us.max(us);
        self.sketch.add(us);
    }

    fn fold(&mut self, o: &Timing) {
        self.count += o.count;
        self.total_us += o.total_us;
        self.max_us = self.max_us.max(o.max_us);
        self.sketch.merge(&o.sketch);
    }

    fn p95_us(&self) -> u64 {
        self.sketch.quantile(0.95, self.max_us)
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueryRow {
    time: Timing,
    seen: Seen,
    databases: Names,
    users: Names,
    /// The slowest occurrence (ties: the lowest sequence number), redacted.
    example: Option<(u64, u64, String)>,
}

impl Row for QueryRow {
    fn fold(&mut self, o: Self) {
        self.time.fold(&o.time);
        self.seen.merge(o.seen);
        self.databases.fold(o.databases);
        self.users.fold(o.users);
        if let Some(e) = o.example {
            if self.example.as_ref().is_none_or(|s| slower(&e, s)) {
                self.example = Some(e);
            }
        }
    }
}

fn slower(a: &(u64, u64, String), b: &(u64, u64, String)) -> bool {
    a.0 > b.0 || a.0 == b.0 && a.1 < b.1
}

#[derive(Debug, Clone)]
pub struct Queries<'c> {
    pub(super) ctx: Ctx<'c>,
    shapes: Shapes,
    table: Capped<QueryRow>,
    /// Over all statements: only durations, as the report shows no more of the total.
    total: Timing,
    by_type: [u64; StatementType::ALL.len()],
    phases: Phases,
}

/// Extended-protocol steps, counted apart as pgBadger does: only `execute` is a query.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Phases {
    pub parse: u64,
    pub bind: u64,
    pub execute: u64,
    /// `duration: N ms` alone (`log_duration`): a time without its statement.
    pub duration_only: u64,
    /// Statements logged by `log_statement`, without a duration.
    pub logged_without_duration: u64,
}

#[derive(Debug, Serialize)]
pub struct QueryStats {
    /// Statements with a duration (execute steps included, parse and bind not).
    pub count: u64,
    pub total_ms: f64,
    pub max_ms: f64,
    pub p95_ms: f64,
    /// Distinct normalised statements (up to `cap`).
    pub normalized: usize,
    pub cap: usize,
    pub by_type: serde_json::Map<String, serde_json::Value>,
    pub phases: Phases,
    pub top_by_total: Vec<QueryEntry>,
    pub top_by_count: Vec<QueryEntry>,
    pub slowest: Vec<QueryEntry>,
    /// Statements whose shape did not fit in the table.
    pub other: Option<QueryEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryEntry {
    pub query: String,
    pub count: u64,
    pub total_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
    pub p95_ms: f64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub databases: Names,
    pub users: Names,
    pub example: Option<String>,
}

pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl<'c> Queries<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Queries {
            ctx,
            shapes: Shapes::default(),
            table: Capped::new(MAX_QUERIES),
            total: Timing::default(),
            by_type: [0; StatementType::ALL.len()],
            phases: Phases::default(),
        }
    }
}

/// What follows `duration: N ms  `: the protocol step, if any.
pub(super) fn phase(message: &[u8]) -> &[u8] {
    crate::bytes::find(message, b" ms  ").map_or(b"", |p| &message[p + 5..])
}

/// A `parse` or `bind` step of the extended protocol (`phase`'s text): pgBadger does not
/// count it as a query.
pub(super) fn is_preparation(step: &[u8]) -> bool {
    starts_with(step, b"parse ") || starts_with(step, b"bind ")
}

/// A `duration: ... ms` record, read once for the collectors that count it (`Queries`,
/// `Hourly`): the captures are found by name and the step by a search.
#[derive(Debug, Clone, Copy)]
pub struct Timed<'o> {
    pub record: &'o Record<'o>,
    pub us: Option<u64>,
    pub statement: Option<&'o [u8]>,
    /// `phase`'s text: empty without a statement.
    pub step: &'o [u8],
}

impl<'o> Timed<'o> {
    /// The statement record `o` holds, if it holds one.
    pub fn read(ctx: &Ctx<'_>, o: &'o Observation<'o>) -> Option<Timed<'o>> {
        let (record, m, kind) = ctx.event(o)?;
        if kind != Kind::Statement {
            return None;
        }
        let [ms, statement] = ctx.statement_captures(m, record);
        Some(Timed {
            record,
            us: ms.and_then(thousandths),
            statement,
            step: statement.map_or(&b""[..], |_| phase(record.message)),
        })
    }

    /// A `parse` or `bind` step, which neither tool counts as a query.
    pub fn is_preparation(&self) -> bool {
        self.statement.is_some() && is_preparation(self.step)
    }
}

impl Queries<'_> {
    /// Counts `o`; `timed` is what `Timed::read` read from it.
    pub fn add(&mut self, o: &Observation<'_>, timed: Option<&Timed<'_>>) {
        match timed {
            Some(t) => self.statement(o, t),
            None if self
                .ctx
                .event(o)
                .is_some_and(|(_, _, k)| k == Kind::StatementLogged) =>
            {
                self.phases.logged_without_duration += 1;
            }
            None => {}
        }
    }

    fn statement(&mut self, o: &Observation<'_>, timed: &Timed<'_>) {
        let Some(us) = timed.us else {
            return;
        };
        let record = timed.record;
        let Some(statement) = timed.statement else {
            self.phases.duration_only += 1;
            return;
        };
        let step = timed.step;
        if is_preparation(step) {
            self.phases.parse += u64::from(starts_with(step, b"parse "));
            self.phases.bind += u64::from(starts_with(step, b"bind "));
            return;
        }
        self.phases.execute += u64::from(starts_with(step, b"execute "));
        let shape = self.shapes.of(statement, record.continuation);
        let t = shape.kind;
        self.by_type[StatementType::ALL.iter().position(|x| *x == t).unwrap_or(0)] += 1;
        let show = self.ctx.show_sensitive;
        self.total.add(us);
        let row = match shape.row {
            Some(place) => self.table.row_at(shape.key, place),
            None => self.table.row(shape.key),
        };
        row.time.add(us);
        row.seen.at(o.time);
        row.databases.add(record.database);
        row.users.add(record.user);
        let example = row.example.as_ref();
        if example.is_none_or(|(max, seq, _)| us > *max || us == *max && o.seq < *seq) {
            let mut text = statement.to_vec();
            if let Some(rest) = record.continuation {
                text.push(b'\n');
                text.extend_from_slice(rest);
            }
            row.example = Some((us, o.seq, redact::shown(&text, show)));
        }
    }
}

impl Collector for Queries<'_> {
    type Output = QueryStats;

    fn observe(&mut self, o: &Observation<'_>) {
        let timed = Timed::read(&self.ctx, o);
        self.add(o, timed.as_ref());
    }

    fn merge(&mut self, other: Self) {
        self.table.merge(other.table);
        self.total.fold(&other.total);
        for (a, b) in self.by_type.iter_mut().zip(other.by_type) {
            *a += b;
        }
        let (p, q) = (&mut self.phases, other.phases);
        p.parse += q.parse;
        p.bind += q.bind;
        p.execute += q.execute;
        p.duration_only += q.duration_only;
        p.logged_without_duration += q.logged_without_duration;
    }

    fn finish(self) -> QueryStats {
        let normalized = self.table.len();
        let (rows, other) = self.table.into_rows();
        let entries = |rows: Vec<(String, QueryRow)>| -> Vec<QueryEntry> {
            rows.into_iter().map(|(k, r)| entry(k, r)).collect()
        };
        let by_type = StatementType::ALL
            .iter()
            .zip(self.by_type)
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| (t.as_str().to_string(), n.into()))
            .collect();
        QueryStats {
            count: self.total.count,
            total_ms: ms(self.total.total_us),
            max_ms: ms(self.total.max_us),
            p95_ms: ms(self.total.p95_us()),
            normalized,
            cap: MAX_QUERIES,
            by_type,
            phases: self.phases,
            top_by_total: entries(top(rows.clone(), TOP_N, |r| r.time.total_us)),
            top_by_count: entries(top(rows.clone(), TOP_N, |r| r.time.count)),
            slowest: entries(top(rows, TOP_N, |r| r.time.max_us)),
            other: other.map(|r| entry("other".to_string(), r)),
        }
    }
}

fn entry(query: String, r: QueryRow) -> QueryEntry {
    QueryEntry {
        query,
        count: r.time.count,
        total_ms: ms(r.time.total_us),
        mean_ms: ms(r.time.total_us.checked_div(r.time.count).unwrap_or(0)),
        max_ms: ms(r.time.max_us),
        p95_ms: ms(r.time.p95_us()),
        first_seen: r.seen.first.map(|t| t.to_string()),
        last_seen: r.seen.last.map(|t| t.to_string()),
        databases: r.databases,
        users: r.users,
        example: r.example.map(|(_, _, e)| e),
    }
}
