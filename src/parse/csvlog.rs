//! PostgreSQL's csvlog: one record per CSV row, which spans lines when a quoted field
//! holds newlines.

use super::record::{LineCounts, Record};
use super::structured::{Emitter, Fields};
use super::{Format, FormatEntry, RecordParser};
use crate::source::framing::Framed;

pub const ENTRY: FormatEntry = FormatEntry {
    format: Format::Csvlog,
    help: "PostgreSQL's csvlog.",
    detect,
    parser: |_| Box::<CsvlogParser>::default(),
};

/// Columns every csvlog has had since application_name (9.0): the row is read up to it.
const MIN_COLUMNS: usize = 22;

/// A row with csvlog's columns, a time first and a level in error_severity.
pub(crate) fn detect(first: &[u8]) -> bool {
    let Some(fields) = split_csv(first) else {
        return false;
    };
    let looks_like_time = |f: &str| crate::timestamp::Timestamp::parse(f.as_bytes()).is_some();
    fields.len() >= MIN_COLUMNS
        && looks_like_time(&fields[0])
        && crate::catalogue::translations::any_level(fields[11].as_bytes()).is_some()
}

/// csvlog fields of one record; `None` while a quoted field is still open (the record
/// continues on the next line).
fn split_csv(record: &[u8]) -> Option<Vec<String>> {
    let text = String::from_utf8_lossy(record);
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

/// Turns csvlog lines into records.
#[derive(Debug, Default)]
pub struct CsvlogParser {
    /// A record whose quoted field spans lines, so far.
    pending: Vec<u8>,
    pending_lines: u32,
    /// Whether `pending` ends inside a quoted field: kept line by line, so that a long
    /// record is split once, when it closes, not once per line.
    open: bool,
    out: Emitter,
}

/// A quoted field longer than this is a quote that never closes (a line cut by a crash):
/// what was gathered is handed out as text, so that memory stays bounded.
const MAX_PENDING: usize = crate::source::lines::MAX_LINE;

impl CsvlogParser {
    /// Hands out a record whose quote never closed, as text.
    fn cut(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if !self.pending.is_empty() {
            let raw = std::mem::take(&mut self.pending);
            self.out.emit_raw(&raw, sink);
        }
        self.pending_lines = 0;
        self.open = false;
    }
}

impl RecordParser for CsvlogParser {
    fn push(&mut self, line: &Framed<'_>, sink: &mut dyn FnMut(&Record<'_>)) {
        self.out.counts.lines += 1;
        if line.other_program && self.pending.is_empty() {
            self.out.counts.other_program_lines += 1;
            return;
        }
        if self.open && detect(line.text) {
            // A whole new row while a quote is open: that quote was cut, not continued
            // (a statement's text does not hold csvlog rows). Hand it out and resync.
            self.cut(sink);
        }
        if !self.pending.is_empty() {
            self.pending.push(b'\n');
        }
        self.pending.extend_from_slice(line.text);
        self.pending_lines += 1;
        // `""` inside a quoted field counts twice, so parity tells open from closed.
        self.open ^= memchr::memchr_iter(b'"', line.text).count() % 2 == 1;
        if self.open {
            if self.pending.len() > MAX_PENDING {
                self.cut(sink);
            }
            return;
        }
        let Some(fields) = split_csv(&self.pending) else {
            return;
        };
        let lines = std::mem::take(&mut self.pending_lines);
        if fields.len() >= MIN_COLUMNS {
            let opt = |i: usize| fields.get(i).map(String::as_str).filter(|s| !s.is_empty());
            let f = Fields {
                time: opt(0),
                pid: opt(3).and_then(|p| p.parse().ok()),
                severity: &fields[11],
                message: &fields[13],
                detail: opt(14),
                statement: opt(19),
                user: opt(1),
                database: opt(2),
                application: opt(22),
                client: opt(4),
                sqlstate: opt(12),
            };
            self.out.emit(&f, lines, sink);
        } else {
            let raw = std::mem::take(&mut self.pending);
            self.out.emit_raw(&raw, sink);
        }
        self.pending.clear();
    }

    /// A record left open at the end of input is still reported, as text.
    fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        self.cut(sink);
    }

    fn counts(&self) -> &LineCounts {
        &self.out.counts
    }

    fn format(&self) -> Format {
        Format::Csvlog
    }

    fn carries_state(&self) -> bool {
        !self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::structured::describe;
    use super::*;

    /// Hand-made rows in csvlog's layout, to test a record spanning lines and the
    /// session columns.
    #[test]
    fn csvlog_records_may_span_lines() {
        let got = describe(
            &mut CsvlogParser::default(),
            &[
                r#"2026-05-16 05:11:50.269 UTC,"u","d",1001,"h:1",6.3,1,"SELECT","2026-05-16 05:00:00 UTC",1/1,0,ERROR,23505,"dup ""x""","Key (a)=(1)",,,,,"INSERT"#,
                r#"VALUES (1)",,,"app","client backend",0"#,
            ],
        );
        assert_eq!(
            got,
            vec![
                r#"2026-05-16 05:11:50.269 UTC [1001] ERROR:  dup "x"|ERROR|Key (a)=(1)|2|u|d|app|h:1|-"#
            ]
        );
    }

    /// A row of the pgBadger fixture csv_statement_without_duration.log.
    #[test]
    fn detection_and_a_real_row() {
        let row = r#""2026-05-16 05:11:50.269 UTC","example_user","example_db",1001,"192.0.2.10:54321",00000001.000003e9,1,"SELECT","2026-05-16 05:00:00 UTC",1/1,0,LOG,00000,"duration: 688786.283 ms  execute stmt_slow/stmt_slow: SELECT example_schema.slow_table.id FROM example_schema.slow_table",,,,,,,,,"example app","client backend",0"#;
        assert!(detect(row.as_bytes()));
        assert!(!detect(b"2026-05-16 05:11:50.269 UTC [1] LOG:  x"));
        let got = describe(&mut CsvlogParser::default(), &[row]);
        assert!(
            got[0].ends_with("|LOG|-|1|example_user|example_db|example app|192.0.2.10:54321|-"),
            "{got:?}"
        );
    }
}
