//! One module per subcommand; each turns arguments into a report or text and an exit code.

pub mod analyze;
pub mod explain;
pub mod fix;
pub mod lint;
mod ordered;
mod parallel;
pub mod policy;
mod progress;
mod read;
mod split;
