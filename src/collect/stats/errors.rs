//! Warnings and errors: by level, by SQLSTATE class when the log carries SQLSTATEs
//! (verbose mode, `%e`, csvlog, jsonlog), and by message shape (quoted names and values
//! and numbers folded, as fingerprints fold them), explained by the catalogue or not.

use super::capped::{named, Capped, Named};
use super::sqlstate::{class_name, class_of};
use crate::collect::{Collector, Event, Observation};
use crate::severity::Level;
use crate::verdict::message_shape;
use serde::Serialize;

/// Distinct message shapes kept.
pub const MAX_MESSAGES: usize = 2000;
/// Shapes listed in the report.
pub const TOP_MESSAGES: usize = 20;

#[derive(Debug, Clone)]
pub struct Errors {
    shape: Vec<u8>,
    by_level: [u64; 4],
    /// Two characters a class: at most 36² rows, so no cap is needed.
    by_class: std::collections::BTreeMap<[u8; 2], u64>,
    by_message: Capped<u64>,
}

impl Default for Errors {
    fn default() -> Self {
        Errors {
            shape: Vec::new(),
            by_level: [0; 4],
            by_class: Default::default(),
            by_message: Capped::new(MAX_MESSAGES),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorStats {
    pub warning: u64,
    pub error: u64,
    pub fatal: u64,
    pub panic: u64,
    /// By SQLSTATE class, in class order; empty when the log carries no SQLSTATEs.
    pub by_sqlstate_class: Vec<SqlstateClass>,
    /// `LEVEL: message shape`, most frequent first.
    pub by_message: Vec<Named>,
}

/// The warnings and errors of one SQLSTATE class.
#[derive(Debug, Serialize)]
pub struct SqlstateClass {
    /// `28`.
    pub class: String,
    /// `invalid authorization specification`; absent for a class PostgreSQL does not
    /// define.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    pub count: u64,
}

impl Collector for Errors {
    type Output = ErrorStats;

    fn observe(&mut self, o: &Observation<'_>) {
        let (record, level) = match &o.event {
            Event::Finding { record, .. } => (*record, record.level),
            Event::Unclassified { record, level, .. } => (*record, Some(*level)),
            _ => return,
        };
        let slot = match level {
            Some(Level::Warning) => 0,
            Some(Level::Error) => 1,
            Some(Level::Fatal) => 2,
            Some(Level::Panic) => 3,
            _ => return,
        };
        self.by_level[slot] += 1;
        if let Some(class) = record.sqlstate.and_then(class_of) {
            *self.by_class.entry(class).or_default() += 1;
        }
        let shape = &mut self.shape;
        shape.clear();
        shape.extend_from_slice(level.map_or("", Level::as_str).as_bytes());
        shape.extend_from_slice(b": ");
        message_shape(record.message, |part| shape.extend_from_slice(part));
        *self.by_message.row(&super::key(shape)) += 1;
    }

    fn merge(&mut self, other: Self) {
        for (a, b) in self.by_level.iter_mut().zip(other.by_level) {
            *a += b;
        }
        for (class, n) in other.by_class {
            *self.by_class.entry(class).or_default() += n;
        }
        self.by_message.merge(other.by_message);
    }

    fn finish(self) -> ErrorStats {
        let [warning, error, fatal, panic] = self.by_level;
        ErrorStats {
            warning,
            error,
            fatal,
            panic,
            by_sqlstate_class: self
                .by_class
                .into_iter()
                .map(|(c, count)| {
                    let class = String::from_utf8_lossy(&c).into_owned();
                    SqlstateClass {
                        name: class_name(&class),
                        class,
                        count,
                    }
                })
                .collect(),
            by_message: named(self.by_message, TOP_MESSAGES),
        }
    }
}
