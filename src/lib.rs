//! pgtriage: PostgreSQL container logs in, explained findings out.
//!
//! Data flows one way (docs/adr/0010-one-flow.md):
//! `source` (bytes, framing) → `parse` (records, one parser per format) → `catalogue`
//! (classification) → `verdict` (severity, acceptance, baseline, gating) → `collect`
//! (findings, unclassified groups, totals; mergeable) → `report` (the document and its
//! outputs). `flow` is that chain from a record on; `commands::analyze` and `tail` drive
//! it from files and from the Docker Engine.

pub mod baseline;
pub(crate) mod bytes;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod compose;
pub mod docker;
pub mod error;
pub mod fix;
pub mod flow;
pub mod lint;
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
pub mod verdict;
