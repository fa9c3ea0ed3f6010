//! pgtriage: PostgreSQL container logs in, explained findings out.
//!
//! Data flows one way: `source` (bytes, framing) → `parse` (prefix, records) →
//! `catalogue` (classification) → `analyze` (tallies) → `report` (table, JSON).
//! `pipeline` wires the first stages for one input; `commands` and `tail` drive whole runs.

pub mod analyze;
pub mod baseline;
pub mod catalogue;
pub mod cli;
pub mod commands;
pub mod docker;
pub mod error;
pub mod metrics;
pub mod parse;
pub mod pipeline;
pub mod policy;
pub mod redact;
pub mod report;
pub mod severity;
pub mod source;
pub mod tail;
pub mod timestamp;
