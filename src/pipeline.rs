//! One input's path from bytes to records: lines, framing, format, records. Files and
//! container streams feed it the same way, in chunks of any size.

use crate::parse::prefix::Prefix;
use crate::parse::record::{LineCounts, Record};
use crate::parse::{self, Format, RecordParser};
use crate::source::framing::{FramingCounts, Unframer};
use crate::source::lines::LineSplitter;

/// The log format an input is read as: detected, or one the user names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Detect from the first line.
    Auto,
    Only(Format),
}

/// `auto`, then every registered format: `--format` lists what `parse::FORMATS` has.
const CHOICES: [LogFormat; Format::ALL.len() + 1] = {
    let mut all = [LogFormat::Auto; Format::ALL.len() + 1];
    let mut i = 0;
    while i < Format::ALL.len() {
        all[i + 1] = LogFormat::Only(Format::ALL[i]);
        i += 1;
    }
    all
};

impl clap::ValueEnum for LogFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &CHOICES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use clap::builder::PossibleValue;
        Some(match self {
            LogFormat::Auto => PossibleValue::new("auto").help("Detect from the first line."),
            LogFormat::Only(f) => PossibleValue::new(f.as_str()).help(parse::entry(*f).help),
        })
    }
}

#[derive(Debug)]
pub struct LogStream {
    splitter: LineSplitter,
    unframer: Unframer,
    parser: Box<dyn RecordParser>,
}

impl LogStream {
    /// `prefix`: the user's `--prefix`, or `None` to detect it from the first lines.
    pub fn new(prefix: Option<Prefix>) -> Self {
        LogStream::with_format(LogFormat::Auto, prefix)
    }

    pub fn with_format(format: LogFormat, prefix: Option<Prefix>) -> Self {
        let format = match format {
            LogFormat::Auto => None,
            LogFormat::Only(f) => Some(f),
        };
        LogStream {
            splitter: LineSplitter::default(),
            unframer: Unframer::default(),
            parser: parse::parser(format, prefix),
        }
    }

    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&Record<'_>)) {
        let LogStream {
            splitter,
            unframer,
            parser,
        } = self;
        splitter.feed(chunk, &mut |line| {
            unframer.push(line, &mut |f| parser.push(&f, sink))
        });
    }

    /// A pause in a live stream: the record held open is handed out (a partial line
    /// stays, waiting for its end).
    pub fn flush(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        self.parser.pause(sink);
    }

    /// A stream that has read all of `text`, for tests of what it learnt (format, prefix).
    #[cfg(test)]
    pub fn read_whole(text: &[u8]) -> LogStream {
        let mut stream = LogStream::new(None);
        stream.feed(text, &mut |_| {});
        stream.finish(&mut |_| {});
        stream
    }

    /// End of input: everything held back is handed out.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Record<'_>)) {
        let LogStream {
            splitter,
            unframer,
            parser,
        } = self;
        splitter.finish(&mut |line| unframer.push(line, &mut |f| parser.push(&f, sink)));
        unframer.finish(&mut |f| parser.push(&f, sink));
        parser.finish(sink);
    }

    /// The format the input was read as (stderr while nothing was read).
    pub fn format(&self) -> Format {
        self.parser.format()
    }

    pub fn prefix_format(&self) -> Option<&str> {
        self.parser.prefix_format()
    }

    /// Formats that read the lines as well as the detected prefix (a tie), if any.
    pub fn prefix_alternatives(&self) -> &[String] {
        self.parser.prefix_alternatives()
    }

    pub fn counts(&self) -> &LineCounts {
        self.parser.counts()
    }

    pub fn framing(&self) -> &FramingCounts {
        self.unframer.counts()
    }

    /// Still holding lines back to learn the format or prefix.
    pub fn detecting(&self) -> bool {
        self.parser.detecting()
    }

    /// Whether a later line could be read differently for what this stream holds or
    /// learnt (checked before `finish`): then it cannot end a chunk of a split input.
    pub fn carries_state(&self) -> bool {
        self.unframer.carries_state() || self.parser.carries_state()
    }

    pub fn truncated_lines(&self) -> u64 {
        self.splitter.truncated()
    }
}
