//! Records: one event as PostgreSQL logged it — a main line, plus the DETAIL/HINT/CONTEXT/
//! STATEMENT/QUERY lines and TAB-continued lines that complete it.

use super::prefix::Prefix;
use crate::severity::Level;
use std::ops::Range;

/// One assembled record. Slices borrow from the assembler's buffer and are valid only for
/// the duration of the callback that receives it.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The main line, framing removed.
    pub line: &'a [u8],
    pub level: Option<Level>,
    /// The first line of the message, after `LEVEL:  `; the whole line when unprefixed.
    pub message: &'a [u8],
    pub pid: Option<u32>,
    /// The time from the prefix (`epoch` when it is `%n`), else from the container runtime.
    pub time: Option<&'a [u8]>,
    pub epoch: bool,
    pub service: Option<&'a [u8]>,
    pub detail: Option<&'a [u8]>,
    /// The statement PostgreSQL logged with the event (`STATEMENT:` line).
    pub statement: Option<&'a [u8]>,
    /// Physical lines the record spans.
    pub lines: u32,
}

/// Where a line's level label is: the prefix is `line[..prefix_len]`, the message starts
/// at `message_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labelled {
    pub prefix_len: usize,
    pub level: Level,
    pub message_start: usize,
}

/// How far into a line the level label is looked for; prefixes are short.
const LABEL_SEARCH: usize = 1024;

/// Finds `LEVEL:` followed by a space, the level word standing at the start or after a
/// non-alphanumeric byte. The first such label is the line's; PostgreSQL's own prefixes
/// never contain one.
pub fn find_label(line: &[u8]) -> Option<Labelled> {
    let hay = &line[..line.len().min(LABEL_SEARCH)];
    for colon in memchr::memchr_iter(b':', hay) {
        if line.get(colon + 1) != Some(&b' ') {
            continue;
        }
        let word_start = hay[..colon]
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |p| p + 1);
        let word = &hay[word_start..colon];
        if word.len() < 3 || !word[0].is_ascii_uppercase() {
            continue;
        }
        if let Some(level) = Level::from_label(word) {
            let spaces = line[colon + 1..].iter().take_while(|b| **b == b' ').count();
            return Some(Labelled {
                prefix_len: word_start,
                level,
                message_start: colon + 1 + spaces,
            });
        }
    }
    None
}

/// `initdb: warning: text`, the way PostgreSQL's programs report since version 12.
fn frontend_label(line: &[u8]) -> Option<(Level, usize)> {
    let prog_end = memchr::memchr(b':', &line[..line.len().min(64)])?;
    if prog_end == 0
        || !line[..prog_end]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
    {
        return None;
    }
    let rest = line[prog_end + 1..].strip_prefix(b" ")?;
    let word_end = memchr::memchr(b':', &rest[..rest.len().min(16)])?;
    let level = Level::from_frontend_label(&rest[..word_end])?;
    let start = prog_end + 2 + word_end + 1;
    let spaces = line[start..].iter().take_while(|b| **b == b' ').count();
    Some((level, start + spaces))
}

/// The record being assembled, kept in one reused buffer.
#[derive(Debug, Default)]
struct Open {
    buf: Vec<u8>,
    line: Range<usize>,
    message: Range<usize>,
    level: Option<Level>,
    prefixed: bool,
    pid: Option<u32>,
    time: Option<Range<usize>>,
    epoch: bool,
    service: Option<Range<usize>>,
    detail: Option<Range<usize>>,
    statement: Option<Range<usize>>,
    lines: u32,
}

impl Open {
    fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        start..self.buf.len()
    }

    fn record(&self) -> Record<'_> {
        let get = |r: &Option<Range<usize>>| r.clone().map(|r| &self.buf[r]);
        Record {
            line: &self.buf[self.line.clone()],
            level: self.level,
            message: &self.buf[self.message.clone()],
            pid: self.pid,
            time: get(&self.time),
            epoch: self.epoch,
            service: get(&self.service),
            detail: get(&self.detail),
            statement: get(&self.statement),
            lines: self.lines,
        }
    }
}

/// Counts of what became of each line, so that nothing disappears unreported.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineCounts {
    pub lines: u64,
    pub records: u64,
    /// Records without a log_line_prefix (initdb, entrypoint, shell output).
    pub unprefixed_records: u64,
    /// Lines that joined a record: DETAIL/HINT/... and continuation lines.
    pub continuation_lines: u64,
    /// Continuation lines that had no record to join (a DETAIL whose main line was cut
    /// off at the start of the log, or another process's).
    pub orphan_lines: u64,
    pub blank_lines: u64,
    /// Labelled lines whose prefix did not match the detected log_line_prefix.
    pub prefix_mismatches: u64,
}

/// Builds records from lines. A record is handed out when the next one starts, or on
/// `flush` (end of input, or a pause in a live stream).
#[derive(Debug, Default)]
pub struct Assembler {
    prefix: Option<Prefix>,
    open: Open,
    has_open: bool,
    counts: LineCounts,
}

impl Assembler {
    pub fn new(prefix: Option<Prefix>) -> Self {
        Assembler {
            prefix,
            ..Default::default()
        }
    }

    pub fn counts(&self) -> &LineCounts {
        &self.counts
    }

    pub fn push(
        &mut self,
        line: &[u8],
        time: Option<&[u8]>,
        service: Option<&[u8]>,
        sink: &mut dyn FnMut(&Record<'_>),
    ) {
        self.counts.lines += 1;
        if line.is_empty() {
            self.counts.blank_lines += 1;
            return;
        }
        // PostgreSQL continues multi-line messages and statements on TAB-led lines;
        // entrypoint banners indent theirs with spaces.
        if matches!(line[0], b'\t' | b' ') {
            return self.continue_open(line, None);
        }
        let labelled = find_label(line);
        if let Some(l) = labelled.filter(|l| l.prefix_len > 0 || self.prefix_is_empty()) {
            let fields = match &self.prefix {
                Some(p) => {
                    let f = p.parse(&line[..l.prefix_len]);
                    if f.is_none() {
                        self.counts.prefix_mismatches += 1;
                    }
                    f
                }
                None => None,
            };
            let pid = fields.and_then(|f| f.pid);
            if l.level.is_continuation() {
                return self.continue_open(line, Some((l, pid)));
            }
            self.start(
                line,
                Some(l.level),
                l.message_start,
                true,
                time,
                service,
                sink,
            );
            if let Some(f) = fields {
                let base = self.open.line.start;
                let off = |s: &[u8]| {
                    let start = s.as_ptr() as usize - line.as_ptr() as usize;
                    base + start..base + start + s.len()
                };
                self.open.pid = f.pid;
                if let Some(t) = f.time {
                    self.open.time = Some(off(t));
                    self.open.epoch = f.epoch;
                }
            }
            return;
        }
        // A line without a prefix: its own record, unless it is a program's hint/detail.
        let (level, start) = match labelled {
            Some(l) => (Some(l.level), l.message_start),
            None => match frontend_label(line) {
                Some((lvl, s)) => (Some(lvl), s),
                None => (None, 0),
            },
        };
        if let Some(lvl) = level.filter(|l| l.is_continuation()) {
            if self.has_open && !self.open.prefixed {
                let fake = Labelled {
                    prefix_len: 0,
                    level: lvl,
                    message_start: start,
                };
                return self.continue_open(line, Some((fake, None)));
            }
        }
        self.start(line, level, start, false, time, service, sink);
        self.counts.unprefixed_records += 1;
    }

    fn prefix_is_empty(&self) -> bool {
        self.prefix.as_ref().is_some_and(|p| p.format().is_empty())
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        line: &[u8],
        level: Option<Level>,
        message_start: usize,
        prefixed: bool,
        time: Option<&[u8]>,
        service: Option<&[u8]>,
        sink: &mut dyn FnMut(&Record<'_>),
    ) {
        self.flush(sink);
        let o = &mut self.open;
        o.buf.clear();
        o.line = o.keep(line);
        o.message = o.line.start + message_start..o.line.end;
        o.level = level;
        o.prefixed = prefixed;
        o.pid = None;
        o.time = time.map(|t| o.keep(t));
        o.epoch = false;
        o.service = service.map(|s| o.keep(s));
        o.detail = None;
        o.statement = None;
        o.lines = 1;
        self.has_open = true;
        self.counts.records += 1;
    }

    fn continue_open(&mut self, line: &[u8], label: Option<(Labelled, Option<u32>)>) {
        let joins = self.has_open
            && match &label {
                Some((_, Some(pid))) => self.open.pid.is_none_or(|p| p == *pid),
                _ => true,
            };
        if !joins {
            self.counts.orphan_lines += 1;
            return;
        }
        self.counts.continuation_lines += 1;
        self.open.lines += 1;
        if let Some((l, _)) = label {
            let text = &line[l.message_start..];
            match l.level {
                Level::Detail if self.open.detail.is_none() => {
                    self.open.detail = Some(self.open.keep(text))
                }
                Level::Statement if self.open.statement.is_none() => {
                    self.open.statement = Some(self.open.keep(text))
                }
                _ => {}
            }
        }
    }

    /// Hands out the open record, if any.
    pub fn flush(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if self.has_open {
            self.has_open = false;
            sink(&self.open.record());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made lines in PostgreSQL's layout, to test assembly edge cases only.
    fn assemble(prefix: &str, lines: &[&str]) -> (Vec<String>, LineCounts) {
        let mut a = Assembler::new(Some(Prefix::compile(prefix).unwrap()));
        let mut out = Vec::new();
        let mut sink = |r: &Record<'_>| {
            out.push(format!(
                "{}|{}|{}|{}|{}",
                r.level.map_or("-", |l| l.as_str()),
                r.pid.map_or("-".into(), |p| p.to_string()),
                String::from_utf8_lossy(r.message),
                r.detail
                    .map_or("-".into(), |d| String::from_utf8_lossy(d).into_owned()),
                r.lines
            ))
        };
        for l in lines {
            a.push(l.as_bytes(), None, None, &mut sink);
        }
        a.flush(&mut sink);
        (out, a.counts().clone())
    }

    #[test]
    fn details_and_tab_lines_join_their_parent() {
        let (recs, counts) = assemble(
            "%m [%p] ",
            &[
                "2024-01-01 00:00:00.000 UTC [10] ERROR:  boom",
                "2024-01-01 00:00:00.000 UTC [10] DETAIL:  why",
                "\tmore why",
                "2024-01-01 00:00:00.000 UTC [11] DETAIL:  not ours",
                "2024-01-01 00:00:00.000 UTC [10] STATEMENT:  select 1",
                "",
                "initdb: warning: enabling \"trust\" authentication for local connections",
                "initdb: hint: You can change this",
                "sh: 1: locale: not found",
            ],
        );
        assert_eq!(
            recs,
            vec![
                "ERROR|10|boom|why|4",
                "WARNING|-|enabling \"trust\" authentication for local connections|-|2",
                "-|-|sh: 1: locale: not found|-|1",
            ]
        );
        assert_eq!(counts.lines, 9);
        assert_eq!(counts.records, 3);
        assert_eq!(counts.orphan_lines, 1);
        assert_eq!(counts.blank_lines, 1);
        assert_eq!(counts.continuation_lines, 4);
    }

    #[test]
    fn label_search_skips_times_and_lowercase_words() {
        let l =
            find_label(b"2021-05-27 17:00:00 UTC:10.1.91.65:u@d:[1]:LOG: duration: 1 ms").unwrap();
        assert_eq!(l.level, Level::Log);
        assert_eq!(l.prefix_len, 43);
        assert!(find_label(b"sh: locale: not found").is_none());
        assert!(find_label(b"Success. You can now start: pg_ctl").is_none());
    }
}
