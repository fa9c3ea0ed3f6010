//! PostgreSQL's jsonlog (15+): one JSON object per line. CloudNativePG writes the same
//! records with csvlog's field names inside a `record` object; it is read as a variant.

use super::prefix::Prefix;
use super::record::{LineCounts, Record};
use super::stderr::label::find_label;
use super::structured::{Emitter, Fields};
use super::{Format, FormatEntry, RecordParser};
use crate::source::framing::Framed;
use serde::Deserialize;
use std::borrow::Cow;

pub const ENTRY: FormatEntry = FormatEntry {
    format: Format::Jsonlog,
    help: "PostgreSQL's jsonlog (15+), or CloudNativePG's JSON records.",
    detect,
    parser: |_| Box::<JsonlogParser>::default(),
};

/// jsonlog's keys (PostgreSQL 15+), and CloudNativePG's `record` with csvlog's names.
#[derive(Debug, Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow, alias = "log_time")]
    timestamp: Option<Cow<'a, str>>,
    #[serde(alias = "process_id", default, deserialize_with = "number_or_string")]
    pid: Option<u32>,
    #[serde(borrow)]
    error_severity: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    detail: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "query")]
    statement: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "user_name")]
    user: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "database_name")]
    dbname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    application_name: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "connection_from")]
    remote_host: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "sql_state_code")]
    state_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    record: Option<Box<JsonRecord<'a>>>,
    /// CloudNativePG's wrapper: which component logged, and its message (`record` for a
    /// csvlog record, else a raw stderr line of PostgreSQL's or the component's text).
    #[serde(borrow)]
    logger: Option<Cow<'a, str>>,
    #[serde(borrow)]
    msg: Option<Cow<'a, str>>,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Pid<'a> {
        N(u32),
        S(&'a str),
    }
    Ok(match Option::<Pid>::deserialize(d)? {
        Some(Pid::N(n)) => Some(n),
        Some(Pid::S(s)) => s.parse().ok(),
        None => None,
    })
}

/// A JSON object with PostgreSQL's `error_severity` key, or CloudNativePG's wrapper.
fn detect(first: &[u8]) -> bool {
    let has = |key: &[u8]| memchr::memmem::find(first, key).is_some();
    first.first() == Some(&b'{') && (has(b"\"error_severity\"") || has(b"\"logger\":\""))
}

/// The log_line_prefix of the stderr lines CloudNativePG passes through raw (those
/// PostgreSQL writes before its logging collector starts): PostgreSQL's default.
const PASSTHROUGH_PREFIX: &str = "%m [%p] ";

/// Turns jsonlog lines into records.
#[derive(Debug)]
pub struct JsonlogParser {
    out: Emitter,
    passthrough: Prefix,
}

impl Default for JsonlogParser {
    fn default() -> Self {
        JsonlogParser {
            out: Emitter::default(),
            passthrough: Prefix::compile(PASSTHROUGH_PREFIX).expect("a valid prefix"),
        }
    }
}

impl JsonlogParser {
    /// A raw stderr line inside CloudNativePG's wrapper: a record of its own, or a
    /// DETAIL/HINT line of the one before.
    fn passthrough(&mut self, line: &str, sink: &mut dyn FnMut(&Record<'_>)) {
        let Some(l) = find_label(line.as_bytes()) else {
            return self.out.emit_raw(line.as_bytes(), sink);
        };
        if l.level.is_continuation() {
            self.out.counts.continuation_lines += 1;
            return;
        }
        let fields = self.passthrough.parse(&line.as_bytes()[..l.prefix_len]);
        let time = fields
            .and_then(|f| f.time)
            .and_then(|t| std::str::from_utf8(t).ok());
        let f = Fields {
            time,
            pid: fields.and_then(|f| f.pid),
            severity: l.level.as_str(),
            message: &line[l.message_start..],
            ..Fields::default()
        };
        self.out.emit(&f, 1, sink);
    }
}

impl RecordParser for JsonlogParser {
    fn push(&mut self, framed: &Framed<'_>, sink: &mut dyn FnMut(&Record<'_>)) {
        let line = framed.text;
        self.out.counts.lines += 1;
        if line.is_empty() {
            self.out.counts.blank_lines += 1;
            return;
        }
        if framed.other_program {
            self.out.counts.other_program_lines += 1;
            return;
        }
        let Ok(outer) = serde_json::from_slice::<JsonRecord<'_>>(line) else {
            // Not a log object (another program's JSON): a record of its own.
            return self.out.emit_raw(line, sink);
        };
        if outer.record.is_none() && outer.error_severity.is_none() {
            match (outer.logger.as_deref(), outer.msg.as_deref()) {
                (Some("postgres"), Some(msg)) => return self.passthrough(msg, sink),
                (_, Some(_)) => {
                    // The operator's own components (instance manager, wal-archive...).
                    self.out.counts.other_program_lines += 1;
                    return;
                }
                _ => {}
            }
        }
        let r = outer.record.as_deref().unwrap_or(&outer);
        let f = Fields {
            time: r.timestamp.as_deref(),
            pid: r.pid,
            severity: r.error_severity.as_deref().unwrap_or(""),
            message: r.message.as_deref().unwrap_or(""),
            detail: r.detail.as_deref(),
            statement: r.statement.as_deref(),
            user: r.user.as_deref(),
            database: r.dbname.as_deref(),
            application: r.application_name.as_deref(),
            client: r.remote_host.as_deref(),
            sqlstate: r.state_code.as_deref(),
        };
        self.out.emit(&f, 1, sink);
    }

    fn finish(&mut self, _sink: &mut dyn FnMut(&Record<'_>)) {}

    fn counts(&self) -> &LineCounts {
        &self.out.counts
    }

    fn format(&self) -> Format {
        Format::Jsonlog
    }
}

#[cfg(test)]
mod tests {
    use super::super::structured::describe;
    use super::*;

    /// A vacuum record as the pgBadger fixture pg_vacuums.json.gz has it (message cut
    /// short), then CloudNativePG's wrapper as in cnpg.log.gz, then a line of another
    /// program.
    #[test]
    fn jsonlog_and_cnpg_records() {
        let got = describe(
            &mut JsonlogParser::default(),
            &[
                r#"{"timestamp":"2024-06-27 00:00:07.373 CEST","pid":58151,"session_id":"667c8f67.e327","line_num":2,"session_start":"2024-06-27 00:00:07 CEST","vxid":"21/52610850","txid":0,"error_severity":"LOG","message":"automatic vacuum of table \"testdb.replication.tab_queue_tmp\": index scans: 1\npages: 5 removed, 303 remain, 10 scanned (3.30% of total)\ntuples: 828 removed, 667 remain, 24 are dead but not yet removable","backend_type":"autovacuum worker","query_id":0}"#,
                r#"{"level":"info","ts":1669575482.0968924,"logger":"postgres","msg":"record","logging_pod":"myapp-pg-cluster-1","record":{"log_time":"2022-11-27 18:58:02.096 UTC","user_name":"postgres","database_name":"postgres","process_id":"600","connection_from":"[local]","session_id":"6383b33a.258","session_line_num":"4","command_tag":"idle","session_start_time":"2022-11-27 18:58:02 UTC","transaction_id":"0","error_severity":"LOG","sql_state_code":"00000","message":"disconnection: session time: 0:00:00.007 user=postgres database=postgres host=[local]","application_name":"pg_isready","backend_type":"client backend","query_id":"0"}}"#,
                "not json",
            ],
        );
        assert_eq!(
            got,
            vec![
                "2024-06-27 00:00:07.373 CEST [58151] LOG:  automatic vacuum of table \"testdb.replication.tab_queue_tmp\": index scans: 1|LOG|-|1|-|-|-|-|pages: 5 removed, 303 remain, 10 scanned (3.30% of total)\ntuples: 828 removed, 667 remain, 24 are dead but not yet removable",
                "2022-11-27 18:58:02.096 UTC [600] LOG:  disconnection: session time: 0:00:00.007 user=postgres database=postgres host=[local]|LOG|-|1|postgres|postgres|pg_isready|[local]|-",
                "not json|-|-|1|-|-|-|-|-",
            ]
        );
    }

    #[test]
    fn detection() {
        assert!(detect(br#"{"timestamp":"x","error_severity":"LOG"}"#));
        assert!(!detect(br#"{"log":"x","stream":"stderr"}"#));
    }
}
