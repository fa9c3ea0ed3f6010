//! One input's path from bytes to records: lines, framing, prefix, assembly. Files and
//! container streams feed it the same way, in chunks of any size.

use crate::parse::prefix::Prefix;
use crate::parse::record::{LineCounts, Record};
use crate::parse::RecordParser;
use crate::source::framing::{FramingCounts, Unframer};
use crate::source::lines::LineSplitter;

#[derive(Debug)]
pub struct LogStream {
    splitter: LineSplitter,
    unframer: Unframer,
    parser: RecordParser,
}

impl LogStream {
    /// `prefix`: the user's `--prefix`, or `None` to detect it from the first lines.
    pub fn new(prefix: Option<Prefix>) -> Self {
        LogStream {
            splitter: LineSplitter::default(),
            unframer: Unframer::default(),
            parser: RecordParser::new(prefix),
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
        self.parser.pause(sink);
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
        parser.finish(sink);
    }

    pub fn prefix_format(&self) -> Option<&str> {
        self.parser.prefix_format()
    }

    pub fn counts(&self) -> &LineCounts {
        self.parser.counts()
    }

    pub fn framing(&self) -> &FramingCounts {
        self.unframer.counts()
    }

    pub fn truncated_lines(&self) -> u64 {
        self.splitter.truncated()
    }
}
