//! The whole reading chain from bytes to classified records: line splitting, the framing
//! readers, format detection, stderr record assembly with prefix detection, the csvlog and
//! jsonlog readers, then classification, the verdict and the collectors (redaction
//! included). The first byte chooses the format (auto, or one forced) and how the rest
//! is cut into chunks, as reads and a live stream cut it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::catalogue::Catalogue;
use pgtriage::flow::Flow;
use pgtriage::parse::Format;
use pgtriage::pipeline::{LogFormat, LogStream};
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let format = match control & 3 {
        0 => LogFormat::Auto,
        1 => LogFormat::Only(Format::Stderr),
        2 => LogFormat::Only(Format::Csvlog),
        _ => LogFormat::Only(Format::Jsonlog),
    };
    let chunk = 1 + usize::from(control >> 2) * 7;
    let catalogue = Catalogue::builtin().expect("the built-in catalogue loads");
    let verdict = Verdict::new(Env::Prod, Severity::Error, None, None, control & 0x80 != 0);
    let mut flow = Flow::new(catalogue, &verdict, 0);
    let mut stream = LogStream::with_format(format, None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        flow.record(r, "fuzz", &["fuzz", "fuzz"], &mut |_| {});
    };
    for (i, piece) in input.chunks(chunk).enumerate() {
        stream.feed(piece, &mut sink);
        // Now and then a pause, as a live stream has between reads.
        if i % 5 == 4 {
            stream.flush(&mut sink);
        }
    }
    stream.finish(&mut sink);
    let _ = (stream.counts(), stream.framing(), stream.truncated_lines());
    let _ = flow.finish();
});
