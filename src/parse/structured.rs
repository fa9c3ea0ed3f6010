//! PostgreSQL's structured log formats: jsonlog (15+, one object per line, also as
//! CloudNativePG wraps csvlog fields in JSON) and csvlog (a record may span lines). Their
//! fields become the same records the stderr parser makes, with a display line
//! `TIME [PID] LEVEL:  message` standing in for the line a person would read.

use super::record::{LineCounts, Record};
use crate::severity::Level;
use serde::Deserialize;
use std::borrow::Cow;

/// Which structured format an input is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One JSON object per line: PostgreSQL's jsonlog, or CloudNativePG's wrapper.
    Json,
    /// PostgreSQL's csvlog.
    Csv,
}

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
    #[serde(borrow)]
    record: Option<Box<JsonRecord<'a>>>,
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

/// The fields a record is made from, borrowed from the parsed line.
#[derive(Default)]
struct Fields<'a> {
    time: Option<&'a str>,
    pid: Option<u32>,
    severity: &'a str,
    message: &'a str,
    detail: Option<&'a str>,
    statement: Option<&'a str>,
}

/// Detects a structured format from an input's first non-empty line.
pub fn detect(first: &[u8]) -> Option<Kind> {
    if first.first() == Some(&b'{') && memchr::memmem::find(first, b"\"error_severity\"").is_some()
    {
        return Some(Kind::Json);
    }
    let fields = split_csv(first)?;
    let looks_like_time = |f: &str| crate::timestamp::Timestamp::parse(f.as_bytes()).is_some();
    (fields.len() >= 22
        && looks_like_time(&fields[0])
        && Level::from_label(fields[11].as_bytes()).is_some())
    .then_some(Kind::Csv)
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

/// Turns structured lines into records.
#[derive(Debug)]
pub struct StructuredParser {
    kind: Kind,
    /// A csvlog record whose quoted field spans lines, so far.
    pending: Vec<u8>,
    pending_lines: u32,
    /// The display line of the record being handed out.
    display: Vec<u8>,
    counts: LineCounts,
}

impl StructuredParser {
    pub fn new(kind: Kind) -> Self {
        StructuredParser {
            kind,
            pending: Vec::new(),
            pending_lines: 0,
            display: Vec::new(),
            counts: LineCounts::default(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn counts(&self) -> &LineCounts {
        &self.counts
    }

    pub fn push(&mut self, line: &[u8], sink: &mut dyn FnMut(&Record<'_>)) {
        self.counts.lines += 1;
        match self.kind {
            Kind::Json => {
                if line.is_empty() {
                    self.counts.blank_lines += 1;
                    return;
                }
                match serde_json::from_slice::<JsonRecord<'_>>(line) {
                    Ok(outer) => {
                        let r = outer.record.as_deref().unwrap_or(&outer);
                        let f = Fields {
                            time: r.timestamp.as_deref(),
                            pid: r.pid,
                            severity: r.error_severity.as_deref().unwrap_or(""),
                            message: r.message.as_deref().unwrap_or(""),
                            detail: r.detail.as_deref(),
                            statement: r.statement.as_deref(),
                        };
                        self.emit(&f, 1, sink);
                    }
                    // Not a log object (another program's JSON): a record of its own.
                    Err(_) => self.emit_raw(line, sink),
                }
            }
            Kind::Csv => {
                if !self.pending.is_empty() {
                    self.pending.push(b'\n');
                }
                self.pending.extend_from_slice(line);
                self.pending_lines += 1;
                if let Some(fields) = split_csv(&self.pending) {
                    let lines = std::mem::take(&mut self.pending_lines);
                    if fields.len() >= 22 {
                        let opt =
                            |i: usize| fields.get(i).map(String::as_str).filter(|s| !s.is_empty());
                        let f = Fields {
                            time: opt(0),
                            pid: opt(3).and_then(|p| p.parse().ok()),
                            severity: &fields[11],
                            message: &fields[13],
                            detail: opt(14),
                            statement: opt(19),
                        };
                        self.emit(&f, lines, sink);
                    } else {
                        let raw = std::mem::take(&mut self.pending);
                        self.emit_raw(&raw, sink);
                    }
                    self.pending.clear();
                }
            }
        }
    }

    /// A csvlog record left open at the end of input is still reported, as text.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if !self.pending.is_empty() {
            let raw = std::mem::take(&mut self.pending);
            self.emit_raw(&raw, sink);
        }
    }

    fn emit(&mut self, f: &Fields<'_>, lines: u32, sink: &mut dyn FnMut(&Record<'_>)) {
        self.counts.records += 1;
        self.counts.continuation_lines += u64::from(lines.saturating_sub(1));
        let level = Level::from_label(f.severity.as_bytes());
        let first_line = f.message.split('\n').next().unwrap_or("");
        self.display.clear();
        let time_len = f.time.map_or(0, str::len);
        if let Some(t) = f.time {
            self.display.extend_from_slice(t.as_bytes());
            self.display.push(b' ');
        }
        if let Some(p) = f.pid {
            self.display.extend_from_slice(format!("[{p}] ").as_bytes());
        }
        self.display.extend_from_slice(f.severity.as_bytes());
        self.display.extend_from_slice(b":  ");
        let message_at = self.display.len();
        self.display.extend_from_slice(first_line.as_bytes());
        let display = &self.display;
        sink(&Record {
            line: display,
            level,
            message: &display[message_at..],
            pid: f.pid,
            time: (time_len > 0).then(|| &display[..time_len]),
            epoch: false,
            service: None,
            detail: f.detail.map(str::as_bytes),
            statement: f.statement.map(str::as_bytes),
            lines,
        });
    }

    fn emit_raw(&mut self, raw: &[u8], sink: &mut dyn FnMut(&Record<'_>)) {
        self.counts.records += 1;
        self.counts.unprefixed_records += 1;
        sink(&Record {
            line: raw,
            level: None,
            message: raw,
            pid: None,
            time: None,
            epoch: false,
            service: None,
            detail: None,
            statement: None,
            lines: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made records in the two formats' layouts, to test field mapping only.
    fn parse(kind: Kind, lines: &[&str]) -> Vec<String> {
        let mut p = StructuredParser::new(kind);
        let mut out = Vec::new();
        let mut sink = |r: &Record<'_>| {
            out.push(format!(
                "{}|{}|{}|{}",
                String::from_utf8_lossy(r.line),
                r.level.map_or("-", |l| l.as_str()),
                r.detail
                    .map_or("-".into(), |d| String::from_utf8_lossy(d).into_owned()),
                r.lines
            ))
        };
        for l in lines {
            p.push(l.as_bytes(), &mut sink);
        }
        p.finish(&mut sink);
        out
    }

    #[test]
    fn jsonlog_and_cnpg_records() {
        let got = parse(
            Kind::Json,
            &[
                r#"{"timestamp":"2024-06-27 00:00:07.369 CEST","pid":58151,"error_severity":"ERROR","message":"boom\nmore","detail":"why"}"#,
                r#"{"level":"info","record":{"log_time":"2022-11-27 18:58:02.096 UTC","process_id":"600","error_severity":"LOG","message":"hi"}}"#,
                "not json",
            ],
        );
        assert_eq!(
            got,
            vec![
                "2024-06-27 00:00:07.369 CEST [58151] ERROR:  boom|ERROR|why|1",
                "2022-11-27 18:58:02.096 UTC [600] LOG:  hi|LOG|-|1",
                "not json|-|-|1",
            ]
        );
    }

    #[test]
    fn csvlog_records_may_span_lines() {
        let got = parse(
            Kind::Csv,
            &[
                r#"2026-05-16 05:11:50.269 UTC,"u","d",1001,"h:1",6.3,1,"SELECT","2026-05-16 05:00:00 UTC",1/1,0,ERROR,23505,"dup ""x""","Key (a)=(1)",,,,,"INSERT"#,
                r#"VALUES (1)",,,"app","client backend",0"#,
            ],
        );
        assert_eq!(
            got,
            vec![r#"2026-05-16 05:11:50.269 UTC [1001] ERROR:  dup "x"|ERROR|Key (a)=(1)|2"#]
        );
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect(br#"{"timestamp":"x","error_severity":"LOG"}"#),
            Some(Kind::Json)
        );
        assert_eq!(
            detect(br#""2026-05-16 05:11:50.269 UTC","u","d",1,"h",s,1,"T","t",1/1,0,LOG,00000,"m",,,,,,,,,"a","b",0"#),
            Some(Kind::Csv)
        );
        assert_eq!(detect(b"2026-05-16 05:11:50.269 UTC [1] LOG:  x"), None);
    }
}
