//! What csvlog and jsonlog share: their fields become the same records the stderr parser
//! makes, with a display line `TIME [PID] LEVEL:  message` standing in for the line a
//! person would read.

use super::record::{LineCounts, Record};
use std::io::Write;

/// The fields a record is made from, borrowed from the parsed line.
#[derive(Debug, Default)]
pub(super) struct Fields<'a> {
    pub time: Option<&'a str>,
    pub pid: Option<u32>,
    pub severity: &'a str,
    /// The whole message; its first line is the record's message, the rest its
    /// continuation.
    pub message: &'a str,
    pub detail: Option<&'a str>,
    pub statement: Option<&'a str>,
    pub user: Option<&'a str>,
    pub database: Option<&'a str>,
    pub application: Option<&'a str>,
    pub client: Option<&'a str>,
    /// csvlog's `sql_state_code`, jsonlog's `state_code`.
    pub sqlstate: Option<&'a str>,
}

/// Hands out records made from fields, counting them; the display line is built in one
/// reused buffer.
#[derive(Debug, Default)]
pub(super) struct Emitter {
    display: Vec<u8>,
    pub counts: LineCounts,
}

impl Emitter {
    /// A record of `lines` physical lines.
    pub fn emit(&mut self, f: &Fields<'_>, lines: u32, sink: &mut dyn FnMut(&Record<'_>)) {
        self.counts.records += 1;
        self.counts.continuation_lines += u64::from(lines.saturating_sub(1));
        let (first_line, continuation) = match f.message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest.as_bytes())),
            None => (f.message, None),
        };
        self.display.clear();
        let time_len = f.time.map_or(0, str::len);
        if let Some(t) = f.time {
            self.display.extend_from_slice(t.as_bytes());
            self.display.push(b' ');
        }
        if let Some(p) = f.pid {
            // Written in place: a `format!` here was one allocation per record.
            let _ = write!(self.display, "[{p}] ");
        }
        self.display.extend_from_slice(f.severity.as_bytes());
        self.display.extend_from_slice(b":  ");
        let message_at = self.display.len();
        self.display.extend_from_slice(first_line.as_bytes());
        let display = &self.display;
        sink(&Record {
            line: display,
            level: crate::catalogue::translations::any_level(f.severity.as_bytes()),
            message: &display[message_at..],
            continuation,
            pid: f.pid,
            time: (time_len > 0).then(|| &display[..time_len]),
            user: f.user.map(str::as_bytes),
            database: f.database.map(str::as_bytes),
            application: f.application.map(str::as_bytes),
            client: f.client.map(str::as_bytes),
            detail: f.detail.map(str::as_bytes),
            statement: f.statement.map(str::as_bytes),
            sqlstate: f.sqlstate.map(str::as_bytes),
            lines,
            ..Record::default()
        });
    }

    /// A line that is not a record of the format (another program's output): a record of
    /// its own, as text.
    pub fn emit_raw(&mut self, raw: &[u8], sink: &mut dyn FnMut(&Record<'_>)) {
        self.counts.records += 1;
        self.counts.unprefixed_records += 1;
        sink(&Record {
            line: raw,
            message: raw,
            lines: 1,
            ..Record::default()
        });
    }
}

/// Runs hand-made lines through a parser and describes each record as
/// `line|level|detail|lines|user|database|application|client|continuation`.
#[cfg(test)]
pub(super) fn describe(parser: &mut dyn super::RecordParser, lines: &[&str]) -> Vec<String> {
    let text = |b: Option<&[u8]>| b.map_or("-".into(), |d| String::from_utf8_lossy(d).into_owned());
    let mut out = Vec::new();
    let mut sink = |r: &Record<'_>| {
        out.push(format!(
            "{}|{}|{}|{}|{}",
            String::from_utf8_lossy(r.line),
            r.level.map_or("-", |l| l.as_str()),
            text(r.detail),
            r.lines,
            [r.user, r.database, r.application, r.client, r.continuation]
                .map(text)
                .join("|")
        ))
    };
    for l in lines {
        let framed = crate::source::framing::Framed::plain(l.as_bytes());
        parser.push(&framed, &mut sink);
    }
    parser.finish(&mut sink);
    out
}
