//! Every framing reader on its own: Docker json-file and CRI chunks, compose and
//! Kubernetes prefixes, syslog, journald, Heroku, fly.io, Loki, ANSI colour, with a small
//! line limit so that the cut of an over-long line is exercised too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::source::framing::Unframer;
use pgtriage::source::lines::LineSplitter;
use pgtriage::source::outer;

fuzz_target!(|data: &[u8]| {
    let mut splitter = LineSplitter::with_max_line(4096);
    let mut unframer = Unframer::default();
    let mut seen = 0usize;
    let mut out = |f: pgtriage::source::framing::Framed<'_>| seen += f.text.len();
    splitter.feed(data, &mut |line| {
        let _ = outer::peel(line);
        unframer.push(line, &mut out);
    });
    splitter.finish(&mut |line| unframer.push(line, &mut out));
    unframer.finish(&mut out);
    let _ = unframer.counts().dominant();
});
