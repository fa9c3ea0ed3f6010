//! Autovacuum and autoanalyze runs per table (`log_autovacuum_min_duration`), with what
//! their report lines say: pages and tuples removed, buffer usage, elapsed time. The
//! figures sit on the TAB-continued lines after the main line (the record's continuation).

use super::capped::{top, Capped, Row};
use super::{number_after, thousandths, uint, Ctx, Kind};
use crate::collect::{Collector, Observation};
use serde::Serialize;

/// Tables kept; runs on others are summed in `other`.
pub const MAX_TABLES: usize = 2000;
/// Tables listed in the report, most vacuumed and analyzed first.
pub const TOP_TABLES: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableRuns {
    pub vacuums: u64,
    pub analyzes: u64,
    pub pages_removed: u64,
    pub tuples_removed: u64,
    pub buffer_hits: u64,
    pub buffer_misses: u64,
    pub buffer_dirtied: u64,
    /// Elapsed time of vacuums and analyzes together.
    pub elapsed_ms: u64,
}

impl Row for TableRuns {
    fn fold(&mut self, o: Self) {
        self.vacuums += o.vacuums;
        self.analyzes += o.analyzes;
        self.pages_removed += o.pages_removed;
        self.tuples_removed += o.tuples_removed;
        self.buffer_hits += o.buffer_hits;
        self.buffer_misses += o.buffer_misses;
        self.buffer_dirtied += o.buffer_dirtied;
        self.elapsed_ms += o.elapsed_ms;
    }
}

#[derive(Debug, Clone)]
pub struct Autovacuum<'c> {
    ctx: Ctx<'c>,
    name: String,
    tables: Capped<TableRuns>,
    total: TableRuns,
}

#[derive(Debug, Serialize)]
pub struct VacuumStats {
    #[serde(flatten)]
    pub total: TableRuns,
    /// Distinct tables (up to `cap`).
    pub tables_seen: usize,
    pub cap: usize,
    pub tables: Vec<TableEntry>,
    pub other: Option<TableRuns>,
}

#[derive(Debug, Serialize)]
pub struct TableEntry {
    /// `database.schema.table`, as the log names it.
    pub table: String,
    #[serde(flatten)]
    pub runs: TableRuns,
}

impl<'c> Autovacuum<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Autovacuum {
            ctx,
            name: String::new(),
            tables: Capped::new(MAX_TABLES),
            total: TableRuns::default(),
        }
    }
}

/// One run's figures, from its report text (continuation lines, or the PostgreSQL 13
/// analyze line's `system usage`).
fn figures(runs: &mut TableRuns, text: &[u8]) {
    let n = |k: &[u8]| number_after(text, k).and_then(uint).unwrap_or(0);
    runs.pages_removed += n(b"pages: ");
    runs.tuples_removed += n(b"tuples: ");
    runs.buffer_hits += n(b"buffer usage: ");
    runs.buffer_misses += n(b" hits, ");
    runs.buffer_dirtied += n(b" misses, ");
    let elapsed = number_after(text, b"elapsed: ").or_else(|| number_after(text, b"elapsed "));
    runs.elapsed_ms += elapsed.and_then(thousandths).unwrap_or(0);
}

impl Collector for Autovacuum<'_> {
    type Output = VacuumStats;

    fn observe(&mut self, o: &Observation<'_>) {
        let Some((record, m, kind)) = self.ctx.event(o) else {
            return;
        };
        if !matches!(kind, Kind::Autovacuum | Kind::Autoanalyze) {
            return;
        }
        self.name.clear();
        for (i, part) in ["database", "schema", "table"].into_iter().enumerate() {
            if i > 0 {
                self.name.push('.');
            }
            let value = self.ctx.capture(m, part, record).unwrap_or_default();
            self.name.push_str(&super::key(value));
        }
        let mut run = TableRuns::default();
        if kind == Kind::Autovacuum {
            run.vacuums = 1;
        } else {
            run.analyzes = 1;
        }
        figures(&mut run, record.continuation.unwrap_or(record.message));
        self.tables.row(&self.name).fold(run.clone());
        self.total.fold(run);
    }

    fn merge(&mut self, other: Self) {
        self.tables.merge(other.tables);
        self.total.fold(other.total);
    }

    fn finish(self) -> VacuumStats {
        let tables_seen = self.tables.len();
        let (rows, other) = self.tables.into_rows();
        VacuumStats {
            total: self.total,
            tables_seen,
            cap: MAX_TABLES,
            tables: top(rows, TOP_TABLES, |r| r.vacuums + r.analyzes)
                .into_iter()
                .map(|(table, runs)| TableEntry { table, runs })
                .collect(),
            other,
        }
    }
}
