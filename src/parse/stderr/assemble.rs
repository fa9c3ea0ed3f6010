//! Assembling stderr lines into records: a labelled line starts one, DETAIL/HINT/...
//! lines and TAB-continued lines join it, and it is handed out when the next one starts.

use super::label::{find_label, frontend_label, Labelled};
use super::other::{is_other_program, iso_date_time, libpq_lost_connection};
use super::prefix::{Prefix, PrefixFields, Repeat};
use super::whose::{Evidence, Whose};
use crate::parse::record::{split_sqlstate, LineCounts, Record};
use crate::severity::Level;
use crate::source::framing::Framed;
use std::ops::Range;

/// The record being assembled, kept in one reused buffer.
#[derive(Debug, Default)]
struct Open {
    buf: Vec<u8>,
    line: Range<usize>,
    message: Range<usize>,
    /// Grows in place: while it is open, nothing else is kept after it.
    continuation: Option<Range<usize>>,
    /// TAB-led lines still continue the message: no DETAIL/HINT/... line came yet.
    in_message: bool,
    level: Option<Level>,
    /// The level a program's line (one space after its label) gets back if PostgreSQL's
    /// own DETAIL or HINT continues it: then only its main line was retyped in the paste.
    unconfirmed: Option<Level>,
    prefixed: bool,
    pid: Option<u32>,
    time: Option<Range<usize>>,
    epoch: bool,
    service: Option<Range<usize>>,
    /// user, database, application, client: the order `record` hands them out in.
    session: [Option<Range<usize>>; 4],
    detail: Option<Range<usize>>,
    statement: Option<Range<usize>>,
    sqlstate: Option<Range<usize>>,
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
        let [user, database, application, client] = &self.session;
        Record {
            line: &self.buf[self.line.clone()],
            level: self.level,
            message: &self.buf[self.message.clone()],
            continuation: get(&self.continuation),
            pid: self.pid,
            time: get(&self.time),
            epoch: self.epoch,
            service: get(&self.service),
            user: get(user),
            database: get(database),
            application: get(application),
            client: get(client),
            detail: get(&self.detail),
            statement: get(&self.statement),
            sqlstate: get(&self.sqlstate),
            lines: self.lines,
        }
    }

    /// Takes the prefix's fields, which borrow from the main line (kept at `self.line`).
    fn take_fields(&mut self, line: &[u8], f: &PrefixFields<'_>) {
        let base = self.line.start;
        let off = |s: &[u8]| {
            let start = s.as_ptr() as usize - line.as_ptr() as usize;
            base + start..base + start + s.len()
        };
        // The prefix's pid and time win over the frame's.
        self.pid = f.pid.or(self.pid);
        if let Some(t) = f.time {
            self.time = Some(off(t));
            self.epoch = f.epoch;
        }
        self.session = [f.user, f.database, f.application, f.client].map(|v| v.map(off));
        if let Some(code) = f.sqlstate {
            self.sqlstate = Some(off(code));
        }
    }

    /// A TAB-led line of the message: appended to the continuation, which is the last
    /// thing kept, so it stays one slice.
    fn continue_message(&mut self, line: &[u8]) {
        let text = line.strip_prefix(b"\t").unwrap_or(line);
        match self.continuation.clone() {
            Some(r) => {
                debug_assert_eq!(r.end, self.buf.len());
                self.buf.push(b'\n');
                self.buf.extend_from_slice(text);
                self.continuation = Some(r.start..self.buf.len());
            }
            None => self.continuation = Some(self.keep(text)),
        }
    }
}

/// Builds records from lines. A record is handed out when the next one starts, or on
/// `flush` (end of input, or a pause in a live stream).
#[derive(Debug, Default)]
pub struct Assembler {
    prefix: Option<Prefix>,
    open: Open,
    has_open: bool,
    counts: LineCounts,
    evidence: Evidence,
    /// The last line's free-text prefix fields, for the next line that repeats them.
    repeat: Repeat,
}

impl Assembler {
    /// `evidence`: what the lines held back while the prefix was learnt told.
    pub fn new(prefix: Option<Prefix>, evidence: Evidence) -> Self {
        Assembler {
            prefix,
            evidence,
            ..Default::default()
        }
    }

    pub fn counts(&self) -> &LineCounts {
        &self.counts
    }

    /// The open record is not state: a record-starting line hands it out.
    pub fn carries_state(&self) -> bool {
        self.evidence.carries_state()
    }

    pub fn push(&mut self, framed: Framed<'_>, sink: &mut dyn FnMut(&Record<'_>)) {
        let line = framed.text;
        self.counts.lines += 1;
        if line.is_empty() {
            self.counts.blank_lines += 1;
            return;
        }
        // Parsed once: `whose` weighs it as evidence, the record takes its fields.
        let mut read = None;
        let labelled = match self.prefix.as_ref() {
            Some(prefix) => prefix.label_and_fields(line, &mut self.repeat, &mut read),
            None => find_label(line),
        };
        let parsed = read.as_ref();
        let Some(program) = self.whose(framed, labelled, parsed, sink) else {
            return;
        };
        // PostgreSQL continues multi-line messages and statements on TAB-led lines;
        // entrypoint banners indent theirs with spaces. A frame may say a line continues
        // the message (syslog's later chunks) without either.
        let continues = framed.continues && labelled.is_none();
        if continues || matches!(line[0], b'\t' | b' ') {
            // A frame's chunk of another process's message cannot continue this one.
            if framed.pid.is_some()
                && self.has_open
                && self.open.pid.is_some_and(|p| Some(p) != framed.pid)
            {
                self.counts.orphan_lines += 1;
                return;
            }
            return self.continue_open(line, None);
        }
        if let Some(l) = labelled.filter(|l| l.prefix_len > 0 || self.prefix_is_empty()) {
            let reparsed;
            let fields = match (parsed, self.prefix.as_ref()) {
                (Some(f), _) => Some(f),
                (None, None) => None,
                (None, Some(p)) => {
                    reparsed = match l.prefix_len {
                        0 => p.parse(b""),
                        n => p.parse_after_dots(&line[..n]),
                    };
                    self.counts.prefix_mismatches += u64::from(reparsed.is_none());
                    reparsed.as_ref()
                }
            };
            if l.level.is_continuation() {
                let pid = fields.and_then(|f| f.pid).or(framed.pid);
                return self.continue_open(line, Some((l, pid)));
            }
            self.start(
                framed,
                (!program).then_some(l.level),
                l.message_start,
                true,
                sink,
            );
            self.open.unconfirmed = program.then_some(l.level);
            if let Some(f) = fields {
                self.open.take_fields(line, f);
            }
            return;
        }
        // A line without a prefix: its own record, unless it is a program's hint/detail.
        // PostgreSQL's programs' own messages (`initdb: warning: `) have no server level.
        let (level, start) = match labelled {
            Some(l) => ((!program).then_some(l.level), l.message_start),
            None => match frontend_label(line) {
                Some((lvl, s)) => (Some(lvl).filter(|l| l.is_continuation()), s),
                None => (None, 0),
            },
        };
        if let Some(lvl) = level.filter(|l| l.is_continuation()) {
            if self.has_open && !self.open.prefixed {
                let fake = Labelled {
                    prefix_len: 0,
                    level: lvl,
                    message_start: start,
                    spaces: 1,
                };
                return self.continue_open(line, Some((fake, None)));
            }
        }
        self.start(framed, level, start, false, sink);
        self.open.unconfirmed = labelled.filter(|_| program).map(|l| l.level);
        self.counts.unprefixed_records += 1;
    }

    /// Whether the line is another program's: `None` when it is not a record at all
    /// (counted and dropped), else whether it is a program's record without a server level.
    fn whose(
        &mut self,
        framed: Framed<'_>,
        labelled: Option<Labelled>,
        parsed: Option<&PrefixFields<'_>>,
        sink: &mut dyn FnMut(&Record<'_>),
    ) -> Option<bool> {
        let line = framed.text;
        self.evidence.observe(line, labelled, framed.service);
        if framed.other_program || is_other_program(line, labelled) {
            self.counts.other_program_lines += 1;
            return None;
        }
        if self.has_open && !self.open.prefixed && libpq_lost_connection(line) {
            // The unprefixed record before it was a client printing the server's notice.
            self.has_open = false;
            self.counts.records -= 1;
            self.counts.unprefixed_records -= 1;
            self.counts.continuation_lines -= u64::from(self.open.lines - 1);
            self.counts.other_program_lines += u64::from(self.open.lines) + 1;
            return None;
        }
        // A line led by `%t`/`%m` is the server's even where detection missed its prefix
        // (an application name `%a: ` that varies).
        let server_prefix = labelled.is_some_and(|l| l.prefix_len > 0)
            && (parsed.is_some_and(|f| f.pid.is_some() || f.time.is_some()) || iso_date_time(line));
        match self
            .evidence
            .judge(line, labelled, framed.service, server_prefix)
        {
            Whose::Server => Some(false),
            Whose::Program => Some(true),
            Whose::Other => {
                // What follows it (its DETAIL, HINT) must not join the record before it.
                self.flush(sink);
                self.counts.other_program_lines += 1;
                None
            }
        }
    }

    fn prefix_is_empty(&self) -> bool {
        self.prefix.as_ref().is_some_and(|p| p.format().is_empty())
    }

    fn start(
        &mut self,
        framed: Framed<'_>,
        level: Option<Level>,
        message_start: usize,
        prefixed: bool,
        sink: &mut dyn FnMut(&Record<'_>),
    ) {
        self.flush(sink);
        let o = &mut self.open;
        o.buf.clear();
        o.line = o.keep(framed.text);
        o.message = o.line.start + message_start..o.line.end;
        o.sqlstate = None;
        if let Some((code, message)) = split_sqlstate(&o.buf[o.message.clone()]) {
            let code_at = o.message.start;
            o.sqlstate = Some(code_at..code_at + code.len());
            o.message.start = o.message.end - message.len();
        }
        o.continuation = None;
        o.in_message = true;
        o.level = level;
        o.unconfirmed = None;
        o.prefixed = prefixed;
        o.pid = framed.pid;
        o.time = framed.time.map(|t| o.keep(t));
        o.epoch = false;
        o.service = framed.service.map(|s| o.keep(s));
        o.session = Default::default();
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
        let Some((l, _)) = label else {
            if self.open.in_message {
                self.open.continue_message(line);
            }
            return;
        };
        self.open.in_message = false;
        if l.spaces >= 2 {
            self.open.level = self.open.level.or(self.open.unconfirmed.take());
        }
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

    /// Hands out the open record, if any.
    pub fn flush(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if self.has_open {
            self.has_open = false;
            sink(&self.open.record());
        }
    }
}

#[cfg(test)]
#[path = "assemble_tests.rs"]
mod tests;
