//! `analyze` on several threads (ADR split-input): inputs are read side by side, and a
//! large plain file is cut into chunks (`split`) that are read side by side too, each
//! into its own flow; the flows are merged in input and chunk order. A chunk that ended
//! holding something the next one would have needed makes its input be read again
//! sequentially, so the report is the one `--threads 1` gives.

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
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Reads every input on `opts.threads` threads; one flow and summary per input, in order.
pub fn read_all<'c>(
    opened: Vec<(&str, Opened)>,
    opts: &Options,
    new_flow: &(dyn Fn(u64) -> Flow<'c> + Sync),
) -> Vec<(Flow<'c>, InputSummary)> {
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
    let mut done = pool(opts.threads, jobs.len(), &|j| {
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
            Input::Split(split) => {
                let chunks = Chunks {
                    split,
                    input: i,
                    opts,
                    new_flow,
                };
                Done::Part(Box::new(chunks.read(part, None)))
            }
        }
    })
    .into_iter();
    let mut out = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        match input {
            Input::Whole(..) => match done.next() {
                Some(Done::Whole(whole)) => out.push(*whole),
                _ => unreachable!("one result per whole input"),
            },
            Input::Split(split) => {
                let (name, plan) = (split.name, &split.plan);
                let parts = done.by_ref().take(plan.starts.len()).map(|d| match d {
                    Done::Part(p) => *p,
                    Done::Whole(..) => unreachable!("parts follow their input"),
                });
                let chunks = Chunks {
                    split,
                    input: i,
                    opts,
                    new_flow,
                };
                let merged = chunks.merge(parts.collect());
                if opts.chunk_note {
                    let n = plan.starts.len();
                    match &merged {
                        Ok(_) => eprintln!("pgtriage: {name}: read in {n} chunks"),
                        Err(why) => eprintln!("pgtriage: {name}: {n} chunks, read again: {why}"),
                    }
                }
                out.push(merged.unwrap_or_else(|_| sequential(name, i, opts, new_flow)));
            }
        }
    }
    out
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

    /// The chunks' flows merged in order, a chunk read again (on this thread) when the
    /// one before left it context; or why not: a chunk failed, or ended holding what the
    /// next one's lines needed.
    fn merge(
        &self,
        parts: Vec<io::Result<Part<'c>>>,
    ) -> Result<(Flow<'c>, InputSummary), &'static str> {
        const UNREADABLE: &str = "a chunk could not be read";
        let mut flow = (self.new_flow)(seq_base(self.input));
        let mut framing = FramingCounts::default();
        let mut streams = Vec::with_capacity(parts.len());
        let last = parts.len() - 1;
        let mut carried = None;
        for (k, part) in parts.into_iter().enumerate() {
            let mut part = part.map_err(|_| UNREADABLE)?;
            if let Some(c) = carried.take() {
                part = self.read(k, Some(c)).map_err(|_| UNREADABLE)?;
            }
            if part.holds && k < last {
                return Err("a chunk ended inside a record");
            }
            carried = part.context.take();
            flow.merge(part.flow);
            framing.merge(part.stream.framing());
            streams.push(part.stream);
        }
        let streams: Vec<&LogStream> = streams.iter().collect();
        let summary = InputSummary::of(
            Source::File,
            self.split.name.to_string(),
            framing.dominant(),
            Compression::None,
            &streams,
        );
        Ok((flow, summary))
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

/// Runs jobs `0..jobs` on up to `threads` threads; their results in job order.
fn pool<T: Send>(threads: usize, jobs: usize, work: &(dyn Fn(usize) -> T + Sync)) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = (0..jobs).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(jobs) {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= jobs {
                    break;
                }
                let out = work(j);
                *slots[j].lock().expect("unpoisoned") = Some(out);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().expect("unpoisoned").expect("every job ran"))
        .collect()
}
