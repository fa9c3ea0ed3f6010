//! `analyze` on several threads (ADR split-input): inputs are read side by side, and a
//! large plain file is cut into chunks (`split`) that are read side by side too, each
//! into its own flow; the flows are merged in input and chunk order as they come, so few
//! wait (ADR 18). A chunk that ended
//! holding something the next one would have needed makes its input be read again
//! sequentially, so the report is the one `--threads 1` gives.

use super::ordered;
use super::read::{read_one, record_sink, Options};
use super::split::{self, read_full_at, Plan};
use crate::collect::seq_base;
use crate::flow::{Context, Flow};
use crate::pipeline::{LogFormat, LogStream};
use crate::report::{InputSummary, Source};
use crate::source::framing::FramingCounts;
use crate::source::{self, Compression, Opened};
use std::fs::File;
use std::io;
use std::sync::Mutex;

/// Bytes read at a time by one chunk's reader.
const READ: usize = 1 << 20;

/// One input, as it will be read.
enum Input<'n> {
    Whole(&'n str, Mutex<Option<Opened>>),
    Split(SplitFile<'n>),
}

/// A plain file cut into chunks at `plan`'s starts.
struct SplitFile<'n> {
    name: &'n str,
    file: File,
    plan: Plan,
}

/// The chunks of one input merged so far, in order.
struct Merge<'c> {
    flow: Flow<'c>,
    framing: FramingCounts,
    streams: Vec<LogStream>,
    /// What the last chunk merged left the next one: that one is read again from it.
    carried: Option<Context>,
    /// Why the input must be read again whole, once known.
    failed: Option<&'static str>,
}

/// One chunk read into its own flow.
struct Part<'c> {
    flow: Flow<'c>,
    stream: LogStream,
    /// The parser or framing ended holding what the next chunk's lines need (a csvlog
    /// row still open, a quoted message learnt): the input must be read whole.
    holds: bool,
    /// What the flow carries into the next chunk's records, if anything: that chunk is
    /// read again starting from it.
    context: Option<Context>,
}

/// What reading one chunk needs.
struct Chunks<'a, 'c> {
    split: &'a SplitFile<'a>,
    input: usize,
    opts: &'a Options,
    new_flow: &'a (dyn Fn(u64) -> Flow<'c> + Sync),
}

/// A job's result, boxed: flows are large and results wait in slots.
enum Done<'c> {
    Whole(Box<(Flow<'c>, InputSummary)>),
    Part(Box<io::Result<Part<'c>>>),
}

/// Reads every input on `opts.threads` threads; `take` gets one flow and summary per
/// input, in input order, on this thread, as soon as the input is read: a split input's
/// chunks are merged as they come, so only about `threads` chunks' flows are held at once.
pub fn read_all<'c>(
    opened: Vec<(&str, Opened)>,
    opts: &Options,
    new_flow: &(dyn Fn(u64) -> Flow<'c> + Sync),
    take: &mut dyn FnMut(Flow<'c>, InputSummary),
) {
    let inputs: Vec<Input<'_>> = opened
        .into_iter()
        .map(|(name, o)| prepare(name, o, opts))
        .collect();
    let jobs: Vec<(usize, usize)> = inputs
        .iter()
        .enumerate()
        .flat_map(|(i, input)| {
            let parts = match input {
                Input::Whole(..) => 1,
                Input::Split(split) => split.plan.starts.len(),
            };
            (0..parts).map(move |p| (i, p))
        })
        .collect();
    let chunks = |i: usize, split| Chunks {
        split,
        input: i,
        opts,
        new_flow,
    };
    let work = |j: usize| {
        let (i, part) = jobs[j];
        match &inputs[i] {
            Input::Whole(name, opened) => {
                let opened = opened
                    .lock()
                    .expect("unpoisoned")
                    .take()
                    .expect("read once");
                let mut flow = new_flow(seq_base(i));
                let summary = read_one(&mut flow, name, opened, opts);
                Done::Whole(Box::new((flow, summary)))
            }
            Input::Split(split) => Done::Part(Box::new(chunks(i, split).read(part, None))),
        }
    };
    let mut merging: Option<Merge<'c>> = None;
    ordered::run(opts.threads, jobs.len(), &work, &mut |j, done| {
        let (i, part) = jobs[j];
        match (&inputs[i], done) {
            (Input::Whole(..), Done::Whole(whole)) => {
                let (flow, summary) = *whole;
                take(flow, summary);
            }
            (Input::Split(split), Done::Part(p)) => {
                let chunks = chunks(i, split);
                let merge = merging.get_or_insert_with(|| chunks.start());
                chunks.add(merge, part, *p);
                if part + 1 == split.plan.starts.len() {
                    let merge = merging.take().expect("merging this input");
                    let (flow, summary) = chunks.finish(merge);
                    take(flow, summary);
                }
            }
            _ => unreachable!("a whole input's job reads it whole, a split one's a chunk"),
        }
    });
}

/// A plain file worth splitting gets a plan; anything else is read whole.
fn prepare<'n>(name: &'n str, opened: Opened, opts: &Options) -> Input<'n> {
    let plain = name != "-" && opened.compression == Compression::None;
    let plan = opened.size.filter(|_| plain).and_then(|size| {
        let file = File::open(name).ok()?;
        let plan = split::plan(
            &file,
            size,
            opts.chunk_bytes,
            opts.format,
            opts.prefix.as_ref(),
        );
        Some((file, plan.ok()??))
    });
    match plan {
        Some((file, plan)) => Input::Split(SplitFile { name, file, plan }),
        None => Input::Whole(name, Mutex::new(Some(opened))),
    }
}

impl<'c> Chunks<'_, 'c> {
    /// Chunk `part`, read into a flow of its own, starting from `context` (what the chunk
    /// before left) if given. The first chunk learns the format and prefix as a
    /// sequential read does; the others are given them.
    fn read(&self, part: usize, context: Option<Context>) -> io::Result<Part<'c>> {
        let (plan, opts, name) = (&self.split.plan, self.opts, self.split.name);
        let start = plan.starts[part];
        let end = plan.starts.get(part + 1).copied();
        let mut stream = match part {
            0 => LogStream::with_format(opts.format, opts.prefix.clone()),
            _ => LogStream::with_format(LogFormat::Only(plan.format), plan.prefix.clone()),
        };
        // Sequence numbers only order records: a chunk's start in bytes is past every
        // number the chunks before it used.
        let mut flow = (self.new_flow)(seq_base(self.input) + start);
        if let Some(c) = context {
            flow.resume(name, c);
        }
        let mut buf = vec![0u8; READ];
        let mut at = start;
        let mut sink = record_sink(&mut flow, name, opts.window);
        while end.is_none_or(|e| at < e) {
            let want = end.map_or(READ, |e| READ.min((e - at) as usize));
            let n = read_full_at(&self.split.file, &mut buf[..want], at)?;
            if n == 0 {
                break;
            }
            stream.feed(&buf[..n], &mut sink);
            at += n as u64;
        }
        if end.is_some_and(|e| at < e) {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank"));
        }
        let holds = stream.carries_state();
        stream.finish(&mut sink);
        drop(sink);
        let context = flow.carried(name);
        Ok(Part {
            flow,
            stream,
            holds,
            context,
        })
    }

    /// The merge of this input's chunks, before the first.
    fn start(&self) -> Merge<'c> {
        Merge {
            flow: (self.new_flow)(seq_base(self.input)),
            framing: FramingCounts::default(),
            streams: Vec::with_capacity(self.split.plan.starts.len()),
            carried: None,
            failed: None,
        }
    }

    /// Folds in chunk `k`, the next in order: read again (on this thread) when the one
    /// before left it context. Once a chunk failed, or ended holding what the next one's
    /// lines needed, the rest are dropped: the input is read again whole.
    fn add(&self, merge: &mut Merge<'c>, k: usize, part: io::Result<Part<'c>>) {
        const UNREADABLE: &str = "a chunk could not be read";
        if merge.failed.is_some() {
            return;
        }
        let part = match merge.carried.take() {
            Some(c) => self.read(k, Some(c)),
            None => part,
        };
        let Ok(mut part) = part else {
            merge.failed = Some(UNREADABLE);
            return;
        };
        if part.holds && k + 1 < self.split.plan.starts.len() {
            merge.failed = Some("a chunk ended inside a record");
            return;
        }
        merge.carried = part.context.take();
        merge.flow.merge(part.flow);
        merge.framing.merge(part.stream.framing());
        merge.streams.push(part.stream);
    }

    /// The input's flow and summary once every chunk was added; read again whole, as
    /// `--threads 1` reads it, if the chunks could not be merged.
    fn finish(&self, merge: Merge<'c>) -> (Flow<'c>, InputSummary) {
        let (name, n) = (self.split.name, self.split.plan.starts.len());
        if self.opts.chunk_note {
            match merge.failed {
                None => eprintln!("pgtriage: {name}: read in {n} chunks"),
                Some(why) => eprintln!("pgtriage: {name}: {n} chunks, read again: {why}"),
            }
        }
        if merge.failed.is_some() {
            drop(merge);
            return sequential(name, self.input, self.opts, self.new_flow);
        }
        let streams: Vec<&LogStream> = merge.streams.iter().collect();
        let summary = InputSummary::of(
            Source::File,
            name.to_string(),
            merge.framing.dominant(),
            Compression::None,
            &streams,
        );
        (merge.flow, summary)
    }
}

/// The input read again from its start on this thread, as `--threads 1` reads it.
fn sequential<'c>(
    name: &str,
    input: usize,
    opts: &Options,
    new_flow: &(dyn Fn(u64) -> Flow<'c> + Sync),
) -> (Flow<'c>, InputSummary) {
    let mut flow = new_flow(seq_base(input));
    let summary = match source::open(name) {
        Ok(opened) => read_one(&mut flow, name, opened, opts),
        Err(e) => InputSummary {
            error: Some(e),
            ..InputSummary::of(
                Source::File,
                name.to_string(),
                FramingCounts::default().dominant(),
                Compression::None,
                &[&LogStream::new(None)],
            )
        },
    };
    (flow, summary)
}
