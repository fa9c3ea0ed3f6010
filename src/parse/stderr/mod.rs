//! PostgreSQL's stderr format: lines with any log_line_prefix. The prefix is learned from
//! the first lines (or given), then lines are assembled into records.

pub mod assemble;
pub mod boundary;
pub mod infer;
pub mod label;
mod other;
pub mod prefix;
mod whose;

use super::record::{LineCounts, Record};
use super::{Format, RecordParser};
use crate::source::framing::Framed;
use assemble::Assembler;
use label::{find_label, unindent};
use prefix::Prefix;
use std::ops::Range;
use whose::Evidence;

/// Labelled lines looked at before the prefix is decided.
const DETECT_LINES: usize = 200;
/// Bytes held back at most while waiting for that many.
const DETECT_BYTES: usize = 4 * 1024 * 1024;

/// A held line: its text, frame time and service as ranges of `Held::buf`, and what
/// its frame said.
#[derive(Debug)]
struct HeldLine {
    text: Range<usize>,
    time: Option<Range<usize>>,
    service: Option<Range<usize>>,
    pid: Option<u32>,
    continues: bool,
    other_program: bool,
}

/// Lines held back until the prefix is known, then replayed.
#[derive(Debug, Default)]
struct Held {
    buf: Vec<u8>,
    lines: Vec<HeldLine>,
    /// Where the prefix of each labelled line is, inside `buf`.
    prefixes: Vec<Range<usize>>,
    evidence: Evidence,
}

/// Turns stderr lines into records, learning the prefix first unless it was given.
#[derive(Debug)]
pub struct StderrParser {
    held: Option<Held>,
    assembler: Assembler,
    prefix_format: Option<String>,
    /// Other formats that read the held lines as well (`infer::Detected`).
    prefix_alternatives: Vec<String>,
}

impl StderrParser {
    /// `prefix`: the user's `--prefix`; `None` to detect it.
    pub fn new(prefix: Option<Prefix>) -> Self {
        let prefix_format = prefix.as_ref().map(|p| p.format().to_string());
        let held = prefix.is_none().then(Held::default);
        StderrParser {
            held,
            assembler: Assembler::new(prefix, Evidence::default()),
            prefix_format,
            prefix_alternatives: Vec::new(),
        }
    }

    /// Decides the prefix from what was held back and replays those lines.
    fn decide(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        let Some(mut held) = self.held.take() else {
            return;
        };
        let prefixes: Vec<&[u8]> = held.prefixes.iter().map(|r| &held.buf[r.clone()]).collect();
        let detected = infer::detect(&prefixes);
        self.prefix_format = detected.as_ref().map(|d| d.prefix.format().to_string());
        let (prefix, alternatives) =
            detected.map_or((None, Vec::new()), |d| (Some(d.prefix), d.alternatives));
        self.prefix_alternatives = alternatives;
        self.assembler = Assembler::new(prefix, std::mem::take(&mut held.evidence));
        for h in &held.lines {
            let get = |r: &Option<Range<usize>>| r.clone().map(|r| &held.buf[r]);
            let framed = Framed {
                text: &held.buf[h.text.clone()],
                time: get(&h.time),
                service: get(&h.service),
                pid: h.pid,
                continues: h.continues,
                other_program: h.other_program,
            };
            self.assembler.push(framed, sink);
        }
    }
}

impl RecordParser for StderrParser {
    fn push(&mut self, framed: &Framed<'_>, sink: &mut dyn FnMut(&Record<'_>)) {
        let framed = &Framed {
            text: if framed.continues {
                framed.text
            } else {
                unindent(framed.text)
            },
            ..*framed
        };
        let Some(held) = &mut self.held else {
            return self.assembler.push(*framed, sink);
        };
        let start = held.buf.len();
        held.buf.extend_from_slice(framed.text);
        let line_range = start..held.buf.len();
        let mut keep = |b: &[u8]| {
            let s = held.buf.len();
            held.buf.extend_from_slice(b);
            s..held.buf.len()
        };
        let time = framed.time.map(&mut keep);
        let service = framed.service.map(&mut keep);
        let label = find_label(framed.text);
        held.evidence.observe(framed.text, label, framed.service);
        let prefixed = label.filter(|l| l.prefix_len > 0 && !framed.continues);
        if let Some(l) = prefixed.filter(|_| !framed.other_program) {
            // A quoting program's prefix (`PG::ConnectionBad: `) takes part: it is a prefix
            // without time or pid, and the assembler takes such lines for quotes.
            if !other::is_other_program(framed.text, Some(l)) {
                held.prefixes.push(start..start + l.prefix_len);
            }
        }
        held.lines.push(HeldLine {
            text: line_range,
            time,
            service,
            pid: framed.pid,
            continues: framed.continues,
            other_program: framed.other_program,
        });
        if held.prefixes.len() >= DETECT_LINES || held.buf.len() >= DETECT_BYTES {
            self.decide(sink);
        }
    }

    /// The prefix is decided from the labelled lines seen so far, but not before there is
    /// one (a container's first lines are often initdb's, without any prefix to learn
    /// from).
    fn pause(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if self.held.as_ref().is_some_and(|h| h.prefixes.is_empty()) {
            return;
        }
        self.finish(sink);
    }

    fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        self.decide(sink);
        self.assembler.flush(sink);
    }

    fn counts(&self) -> &LineCounts {
        self.assembler.counts()
    }

    fn format(&self) -> Format {
        Format::Stderr
    }

    fn prefix_format(&self) -> Option<&str> {
        self.prefix_format.as_deref()
    }

    fn prefix_alternatives(&self) -> &[String] {
        &self.prefix_alternatives
    }

    fn detecting(&self) -> bool {
        self.held.is_some()
    }

    fn carries_state(&self) -> bool {
        self.held.is_some() || self.assembler.carries_state()
    }
}

pub const ENTRY: super::FormatEntry = super::FormatEntry {
    format: Format::Stderr,
    help: "PostgreSQL's stderr format, with any log_line_prefix.",
    detect: |_| true,
    parser: |prefix| Box::new(StderrParser::new(prefix)),
};
