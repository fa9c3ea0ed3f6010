//! One input's path from bytes to records: lines, framing, format, records. Files and
//! container streams feed it the same way, in chunks of any size.

use crate::parse::prefix::Prefix;
use crate::parse::record::{LineCounts, Record};
use crate::parse::structured::{self, Kind, StructuredParser};
use crate::parse::RecordParser;
use crate::source::framing::{FramingCounts, Unframer};
use crate::source::lines::LineSplitter;

/// The log format an input is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Detect from the first line.
    Auto,
    /// PostgreSQL's stderr format, with any log_line_prefix.
    Stderr,
    /// PostgreSQL's csvlog.
    Csvlog,
    /// PostgreSQL's jsonlog (15+), or CloudNativePG's JSON records.
    Jsonlog,
}

#[derive(Debug)]
enum Parser {
    /// Waiting for the first non-empty line to tell the format.
    Undecided(Option<Prefix>),
    Stderr(Box<RecordParser>),
    Structured(StructuredParser),
}

impl Parser {
    fn push(
        &mut self,
        text: &[u8],
        time: Option<&[u8]>,
        service: Option<&[u8]>,
        sink: &mut dyn FnMut(&Record<'_>),
    ) {
        if let Parser::Undecided(prefix) = self {
            if text.is_empty() {
                // Blank lines before the first real one are kept, as the stderr parser
                // counts them.
                *self = Parser::Stderr(Box::new(RecordParser::new(prefix.take())));
            } else {
                *self = match structured::detect(text) {
                    Some(kind) => Parser::Structured(StructuredParser::new(kind)),
                    None => Parser::Stderr(Box::new(RecordParser::new(prefix.take()))),
                };
            }
        }
        match self {
            Parser::Stderr(p) => p.push(text, time, service, sink),
            Parser::Structured(p) => p.push(text, sink),
            Parser::Undecided(_) => unreachable!("decided above"),
        }
    }
}

#[derive(Debug)]
pub struct LogStream {
    splitter: LineSplitter,
    unframer: Unframer,
    parser: Parser,
}

impl LogStream {
    /// `prefix`: the user's `--prefix`, or `None` to detect it from the first lines.
    pub fn new(prefix: Option<Prefix>) -> Self {
        LogStream::with_format(LogFormat::Auto, prefix)
    }

    pub fn with_format(format: LogFormat, prefix: Option<Prefix>) -> Self {
        let parser = match format {
            LogFormat::Auto => Parser::Undecided(prefix),
            LogFormat::Stderr => Parser::Stderr(Box::new(RecordParser::new(prefix))),
            LogFormat::Csvlog => Parser::Structured(StructuredParser::new(Kind::Csv)),
            LogFormat::Jsonlog => Parser::Structured(StructuredParser::new(Kind::Json)),
        };
        LogStream {
            splitter: LineSplitter::default(),
            unframer: Unframer::default(),
            parser,
        }
    }

    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&Record<'_>)) {
        let LogStream {
            splitter,
            unframer,
            parser,
        } = self;
        splitter.feed(chunk, &mut |line| {
            unframer.push(line, &mut |f| parser.push(f.text, f.time, f.service, sink))
        });
    }

    /// A pause in a live stream: the record held open is handed out (a partial line
    /// stays, waiting for its end).
    pub fn flush(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        if let Parser::Stderr(p) = &mut self.parser {
            p.pause(sink);
        }
    }

    /// End of input: everything held back is handed out.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        let LogStream {
            splitter,
            unframer,
            parser,
        } = self;
        splitter.finish(&mut |line| {
            unframer.push(line, &mut |f| parser.push(f.text, f.time, f.service, sink))
        });
        unframer.finish(&mut |f| parser.push(f.text, f.time, f.service, sink));
        match parser {
            Parser::Stderr(p) => p.finish(sink),
            Parser::Structured(p) => p.finish(sink),
            Parser::Undecided(_) => {}
        }
    }

    /// `stderr`, `csvlog` or `jsonlog`, as the report names it.
    pub fn format_name(&self) -> &'static str {
        match &self.parser {
            Parser::Structured(p) if p.kind() == Kind::Csv => "csvlog",
            Parser::Structured(_) => "jsonlog",
            _ => "stderr",
        }
    }

    pub fn prefix_format(&self) -> Option<&str> {
        match &self.parser {
            Parser::Stderr(p) => p.prefix_format(),
            _ => None,
        }
    }

    pub fn counts(&self) -> &LineCounts {
        static NONE: std::sync::OnceLock<LineCounts> = std::sync::OnceLock::new();
        match &self.parser {
            Parser::Stderr(p) => p.counts(),
            Parser::Structured(p) => p.counts(),
            Parser::Undecided(_) => NONE.get_or_init(LineCounts::default),
        }
    }

    pub fn framing(&self) -> &FramingCounts {
        self.unframer.counts()
    }

    pub fn truncated_lines(&self) -> u64 {
        self.splitter.truncated()
    }
}
