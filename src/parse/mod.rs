//! From framed lines to records: the log_line_prefix is learned from the first lines (or
//! given), then lines are assembled into records.

pub mod prefix;
pub mod record;
pub mod structured;

use prefix::Prefix;
use record::{find_label, Assembler, LineCounts, Record};
use std::ops::Range;

/// Labelled lines looked at before the prefix is decided.
const DETECT_LINES: usize = 200;
/// Bytes held back at most while waiting for that many.
const DETECT_BYTES: usize = 4 * 1024 * 1024;

/// A held line: its text, runtime time and compose service, as ranges of `Held::buf`.
type HeldLine = (Range<usize>, Option<Range<usize>>, Option<Range<usize>>);

/// Lines held back until the prefix is known, then replayed.
#[derive(Debug, Default)]
struct Held {
    buf: Vec<u8>,
    lines: Vec<HeldLine>,
    /// Where the prefix of each labelled line is, inside `buf`.
    prefixes: Vec<Range<usize>>,
}

/// Turns lines into records, learning the prefix first unless it was given.
#[derive(Debug)]
pub struct RecordParser {
    held: Option<Held>,
    assembler: Assembler,
    prefix_format: Option<String>,
}

impl RecordParser {
    /// `prefix`: the user's `--prefix`; `None` to detect it.
    pub fn new(prefix: Option<Prefix>) -> Self {
        let prefix_format = prefix.as_ref().map(|p| p.format().to_string());
        let held = prefix.is_none().then(Held::default);
        RecordParser {
            held,
            assembler: Assembler::new(prefix),
            prefix_format,
        }
    }

    /// The prefix in use: given, detected, or `None` when none could be detected.
    pub fn prefix_format(&self) -> Option<&str> {
        self.prefix_format.as_deref()
    }

    pub fn counts(&self) -> &LineCounts {
        self.assembler.counts()
    }

    pub fn push(
        &mut self,
        line: &[u8],
        time: Option<&[u8]>,
        service: Option<&[u8]>,
        sink: &mut dyn FnMut(&Record<'_>),
    ) {
        let Some(held) = &mut self.held else {
            return self.assembler.push(line, time, service, sink);
        };
        let start = held.buf.len();
        held.buf.extend_from_slice(line);
        let line_range = start..held.buf.len();
        let mut keep = |b: &[u8]| {
            let s = held.buf.len();
            held.buf.extend_from_slice(b);
            s..held.buf.len()
        };
        let time = time.map(&mut keep);
        let service = service.map(&mut keep);
        if let Some(l) = find_label(line).filter(|l| l.prefix_len > 0) {
            held.prefixes.push(start..start + l.prefix_len);
        }
        held.lines.push((line_range, time, service));
        if held.prefixes.len() >= DETECT_LINES || held.buf.len() >= DETECT_BYTES {
            self.decide(sink);
        }
    }

    /// Decides the prefix from what was held back and replays those lines.
    fn decide(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        let Some(held) = self.held.take() else {
            return;
        };
        let prefixes: Vec<&[u8]> = held.prefixes.iter().map(|r| &held.buf[r.clone()]).collect();
        let detected = prefix::detect(&prefixes);
        self.prefix_format = detected.as_ref().map(|p| p.format().to_string());
        self.assembler = Assembler::new(detected);
        for (line, time, service) in &held.lines {
            let get = |r: &Option<Range<usize>>| r.clone().map(|r| &held.buf[r]);
            self.assembler
                .push(&held.buf[line.clone()], get(time), get(service), sink);
        }
    }

    /// A live stream paused: hand out what is pending. The prefix is decided from the
    /// labelled lines seen so far, but not before there is one (a container's first
    /// lines are often initdb's, without any prefix to learn from).
    pub fn pause(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if self.held.as_ref().is_some_and(|h| h.prefixes.is_empty()) {
            return;
        }
        self.finish(sink);
    }

    /// End of input: everything pending is handed out.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        self.decide(sink);
        self.assembler.flush(sink);
    }
}
