//! The two scales pgtriage works with: the level PostgreSQL printed on a line, and the
//! severity the catalogue assigns to an event in a given environment.

use serde::{Deserialize, Serialize};

/// A level as PostgreSQL prints it after the prefix (`LOG:  `), including the labels of
/// continuation lines, which belong to the record before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Log,
    Fatal,
    Panic,
    Detail,
    Hint,
    Context,
    Statement,
    Query,
    Location,
    Backtrace,
}

impl Level {
    /// Reads the upper-case label PostgreSQL writes (`DEBUG1`..`DEBUG5` fold to `Debug`),
    /// in English or in one of its translations (`FEHLER`, `ОШИБКА`).
    pub fn from_label(word: &[u8]) -> Option<Level> {
        Some(match word {
            b"LOG" => Level::Log,
            b"ERROR" => Level::Error,
            b"WARNING" => Level::Warning,
            b"FATAL" => Level::Fatal,
            b"DETAIL" => Level::Detail,
            b"HINT" => Level::Hint,
            b"STATEMENT" => Level::Statement,
            b"CONTEXT" => Level::Context,
            b"QUERY" => Level::Query,
            b"NOTICE" => Level::Notice,
            b"INFO" => Level::Info,
            b"PANIC" => Level::Panic,
            b"LOCATION" => Level::Location,
            b"BACKTRACE" => Level::Backtrace,
            b"DEBUG" | b"DEBUG1" | b"DEBUG2" | b"DEBUG3" | b"DEBUG4" | b"DEBUG5" => Level::Debug,
            _ => return None,
        })
    }

    /// Reads the lower-case label of PostgreSQL's command-line programs (`initdb: warning: `),
    /// which have printed their messages this way since version 12.
    pub fn from_frontend_label(word: &[u8]) -> Option<Level> {
        Some(match word {
            b"warning" => Level::Warning,
            b"error" => Level::Error,
            b"fatal" => Level::Fatal,
            b"hint" => Level::Hint,
            b"detail" => Level::Detail,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Log => "LOG",
            Level::Fatal => "FATAL",
            Level::Panic => "PANIC",
            Level::Detail => "DETAIL",
            Level::Hint => "HINT",
            Level::Context => "CONTEXT",
            Level::Statement => "STATEMENT",
            Level::Query => "QUERY",
            Level::Location => "LOCATION",
            Level::Backtrace => "BACKTRACE",
        }
    }

    /// Continuation labels never start a record: they complete the one before them.
    pub fn is_continuation(self) -> bool {
        matches!(
            self,
            Level::Detail
                | Level::Hint
                | Level::Context
                | Level::Statement
                | Level::Query
                | Level::Location
                | Level::Backtrace
        )
    }

    /// WARNING, ERROR, FATAL and PANIC: the records a report accounts for even when no
    /// catalogue entry explains them.
    pub fn is_warning_or_worse(self) -> bool {
        matches!(
            self,
            Level::Warning | Level::Error | Level::Fatal | Level::Panic
        )
    }
}

/// How much an event matters, in one environment. Ordered: `info < warning < error < critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

/// The environment a log comes from; it selects severities and remediation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    Dev,
    Prod,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Prod => "prod",
        }
    }
}

/// A value given per environment in the catalogue (`{ dev = ..., prod = ... }`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerEnv<T> {
    pub dev: T,
    pub prod: T,
}

impl<T> PerEnv<T> {
    pub fn get(&self, env: Env) -> &T {
        match env {
            Env::Dev => &self.dev,
            Env::Prod => &self.prod,
        }
    }
}
