//! From framed lines to records. Each input format is one module implementing
//! [`RecordParser`] and one line in [`FORMATS`]; nothing else matches on the format, so a
//! new format is a new module, a registry line and a [`Format`] variant.

pub mod csvlog;
pub mod jsonlog;
pub mod record;
pub mod stderr;
mod structured;

/// `--prefix` is stderr's, but callers name it from here.
pub use stderr::prefix;

use crate::source::framing::Framed;
use prefix::Prefix;
use record::{LineCounts, Record};

crate::report_names! {
    /// An input format, named as in the report's `inputs[].format` and `--format`.
    pub enum Format {
        Stderr = "stderr",
        Csvlog = "csvlog",
        Jsonlog = "jsonlog",
    }
}

/// One format's parser: framed lines in, records out through `sink`. Records borrow the
/// parser's buffers, so they are handed out by callback rather than returned (ADR 0001).
pub trait RecordParser: Send + std::fmt::Debug {
    fn push(&mut self, line: &Framed<'_>, sink: &mut dyn FnMut(&Record<'_>));
    /// A live stream paused: hand out what is held back, if the format holds any.
    fn pause(&mut self, _sink: &mut dyn FnMut(&Record<'_>)) {}
    /// End of input: everything pending is handed out.
    fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>));
    fn counts(&self) -> &LineCounts;
    fn format(&self) -> Format;
    /// The log_line_prefix in use, for formats that have one.
    fn prefix_format(&self) -> Option<&str> {
        None
    }
    /// Other log_line_prefix values that read the lines as well as the detected one.
    fn prefix_alternatives(&self) -> &[String] {
        &[]
    }

    /// Still holding lines back to learn the format or prefix.
    fn detecting(&self) -> bool {
        false
    }
    /// Whether what it holds or learnt so far could change how a later line is read (a
    /// csvlog row still open, a quoted message remembered): a split input cannot be
    /// read from a later line on without it (ADR split-input).
    fn carries_state(&self) -> bool {
        false
    }
}

/// How one format is recognised and read.
pub struct FormatEntry {
    pub format: Format,
    /// One line for `--format`'s help.
    pub help: &'static str,
    /// Whether an input whose first non-empty line is this one is in the format.
    pub detect: fn(first: &[u8]) -> bool,
    /// The parser; `prefix` is the user's `--prefix`, which only stderr uses.
    pub parser: fn(prefix: Option<Prefix>) -> Box<dyn RecordParser>,
}

/// Every input format, in the order detection tries them: stderr takes any line, so it
/// comes last.
pub const FORMATS: &[FormatEntry] = &[jsonlog::ENTRY, csvlog::ENTRY, stderr::ENTRY];

pub fn entry(format: Format) -> &'static FormatEntry {
    FORMATS
        .iter()
        .find(|e| e.format == format)
        .expect("every format is registered")
}

/// A parser for `format`, or one that tells the format from the first line when `None`.
pub fn parser(format: Option<Format>, prefix: Option<Prefix>) -> Box<dyn RecordParser> {
    match format {
        Some(f) => (entry(f).parser)(prefix),
        None => Box::new(Detecting {
            prefix,
            parser: None,
        }),
    }
}

/// Whether a split input may start a chunk at this line: every parser in any state starts
/// a record there (ADR split-input). jsonlog is one record per line; a csvlog row is one
/// when it is complete on its own line (a chunk that ends inside a quoted field says so
/// through `carries_state`); stderr needs the prefix to tell.
pub fn starts_record(format: Format, prefix: Option<&Prefix>, framed: &Framed<'_>) -> bool {
    match format {
        Format::Jsonlog => !framed.continues,
        Format::Csvlog => !framed.other_program && csvlog::detect(framed.text),
        Format::Stderr => prefix.is_some_and(|p| stderr::boundary::starts_record(p, framed)),
    }
}

/// The format whose detection accepts an input's first non-empty line.
pub fn detect(first: &[u8]) -> Format {
    FORMATS
        .iter()
        .find(|e| (e.detect)(first))
        .map_or(Format::Stderr, |e| e.format)
}

/// Waits for the first line to tell the format, then hands everything to that parser.
#[derive(Debug)]
struct Detecting {
    prefix: Option<Prefix>,
    parser: Option<Box<dyn RecordParser>>,
}

impl RecordParser for Detecting {
    fn push(&mut self, line: &Framed<'_>, sink: &mut dyn FnMut(&Record<'_>)) {
        let parser = self.parser.get_or_insert_with(|| {
            // Blank lines before the first real one are stderr's, which counts them.
            let format = match line.text {
                [] => Format::Stderr,
                text => detect(text),
            };
            (entry(format).parser)(self.prefix.take())
        });
        parser.push(line, sink);
    }

    fn pause(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if let Some(p) = &mut self.parser {
            p.pause(sink);
        }
    }

    fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if let Some(p) = &mut self.parser {
            p.finish(sink);
        }
    }

    fn counts(&self) -> &LineCounts {
        self.parser
            .as_ref()
            .map_or(&LineCounts::NONE, |p| p.counts())
    }

    /// Stderr until a line says otherwise, as an empty input is reported.
    fn format(&self) -> Format {
        self.parser.as_ref().map_or(Format::Stderr, |p| p.format())
    }

    fn prefix_format(&self) -> Option<&str> {
        self.parser.as_ref().and_then(|p| p.prefix_format())
    }

    fn prefix_alternatives(&self) -> &[String] {
        self.parser
            .as_ref()
            .map_or(&[], |p| p.prefix_alternatives())
    }

    fn detecting(&self) -> bool {
        self.parser.as_ref().is_none_or(|p| p.detecting())
    }

    fn carries_state(&self) -> bool {
        self.parser.as_ref().is_some_and(|p| p.carries_state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_registered_once_under_its_report_name() {
        for f in Format::ALL {
            assert_eq!(
                FORMATS.iter().filter(|e| e.format == *f).count(),
                1,
                "{f:?}"
            );
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
            assert_eq!((entry(*f).parser)(None).format(), *f);
        }
        assert_eq!(FORMATS.len(), Format::ALL.len());
    }

    /// First lines as the pgBadger fixtures and sample-logs/ have them.
    #[test]
    fn detection_from_the_first_line() {
        let cases: &[(&str, Format)] = &[
            (
                r#"{"timestamp":"2024-06-27 00:00:07.369 CEST","pid":58151,"error_severity":"LOG","message":"x"}"#,
                Format::Jsonlog,
            ),
            (
                r#"{"level":"info","msg":"record","record":{"log_time":"2022-11-27 18:58:02.096 UTC","error_severity":"LOG"}}"#,
                Format::Jsonlog,
            ),
            (
                r#""2026-05-16 05:11:50.269 UTC","example_user","example_db",1001,"192.0.2.10:54321",00000001.000003e9,1,"SELECT","2026-05-16 05:00:00 UTC",1/1,0,LOG,00000,"duration: 1 ms",,,,,,,,,"example app","client backend",0"#,
                Format::Csvlog,
            ),
            (
                "2026-11-27 20:46:17.202 UTC [14008] LOG:  checkpoint starting: time",
                Format::Stderr,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(detect(line.as_bytes()), *want, "{line}");
        }
    }
}
