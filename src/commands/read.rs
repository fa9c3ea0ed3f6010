//! Reading one input into a flow: the options every read shares, the window, and the
//! loop over large buffers. Sequential and split reads (`parallel`) both use it, so
//! `analyze` only chooses between them.

use super::progress::{Progress, Size};
use crate::flow::{container_names, record_time, Flow};
use crate::parse::prefix::Prefix;
use crate::parse::record::Record;
use crate::parse::Format;
use crate::pipeline::{LogFormat, LogStream};
use crate::report::term::Look;
use crate::report::{InputSummary, Output, Source};
use crate::source::{self, Compression};
use crate::timestamp::Timestamp;
use crate::verdict::Verdict;
use std::io::Read;

/// About how many bytes of a large plain file one thread reads at a time (`--threads`).
pub const CHUNK_BYTES: u64 = 64 << 20;
/// Bytes read per call: large, so the per-line work dominates, not the system calls.
const CHUNK: usize = 1 << 20;
/// Bytes of an input's start checked for NUL bytes, which no text log contains.
const BINARY_CHECK: usize = 8192;

/// What `analyze` is asked to do.
#[derive(Debug)]
pub struct Options {
    /// Paths to read; `-` or none reads stdin.
    pub paths: Vec<String>,
    pub output: Output,
    /// Width, colour and `--all` of the table output.
    pub look: Look,
    pub format: LogFormat,
    /// `--prefix`, compiled; `None` to detect it per input.
    pub prefix: Option<Prefix>,
    pub verdict: Verdict,
    /// Collect the statistics of what the server did (off with `--no-stats`).
    pub stats: bool,
    /// `--begin`/`--end`: records logged outside are skipped.
    pub window: Window,
    /// Threads reading (`--threads`); 1 reads the inputs one after another.
    pub threads: usize,
    /// About how many bytes of a large plain file each thread reads at a time.
    pub chunk_bytes: u64,
    /// Say on stderr how each split file was read (with the `PGTRIAGE_CHUNK_BYTES` test
    /// knob, so tests can tell a split read from a whole one).
    pub chunk_note: bool,
}

/// The part of the logs to read. Records without a time are kept.
#[derive(Debug, Default, Clone, Copy)]
pub struct Window {
    pub begin: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

impl Window {
    pub fn is_all(&self) -> bool {
        self.begin.is_none() && self.end.is_none()
    }

    fn contains(&self, r: &Record<'_>) -> bool {
        let Some(t) = record_time(r) else {
            return true;
        };
        self.begin.is_none_or(|b| t.cmp_bound(&b).is_ge())
            && self.end.is_none_or(|e| t.cmp_bound(&e).is_le())
    }
}
/// Where an input's records go: into `flow`, those outside the window skipped.
pub(super) fn record_sink<'a, 'c>(
    flow: &'a mut Flow<'c>,
    name: &'a str,
    window: Window,
) -> impl FnMut(&Record<'_>) + use<'a, 'c>
where
    'c: 'a,
{
    let all = window.is_all();
    move |r: &Record<'_>| {
        if !all && !window.contains(r) {
            return;
        }
        // A compose log names `db-1`; policies may say the container or the service `db`.
        let service = r.service.and_then(|s| std::str::from_utf8(s).ok());
        let names = service.map(|s| container_names(s, None));
        let names = names.as_ref().map_or(&[][..], |n| &n[..]);
        flow.record(r, name, names, &mut |_| {});
    }
}

pub(super) fn read_one(
    flow: &mut Flow<'_>,
    name: &str,
    opened: source::Opened,
    opts: &Options,
) -> InputSummary {
    let mut stream = LogStream::with_format(opts.format, opts.prefix.clone());
    let mut sink = record_sink(flow, name, opts.window);
    let mut buf = vec![0u8; CHUNK];
    let mut error = None;
    let mut total = 0u64;
    let size = match (opened.size, opened.compression) {
        (None, _) => Size::Stream,
        (Some(n), Compression::None) => Size::Bytes(n),
        (Some(_), _) => Size::Unknown,
    };
    let mut progress = Progress::new(name, size);
    // With threads to spare, a compressed input is decoded on one and parsed on this one.
    let mut reader = match opened.compression {
        Compression::Gzip | Compression::Bzip2 if opts.threads > 1 => {
            source::decompress::on_own_thread(opened.reader)
        }
        _ => opened.reader,
    };
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if total == 0 {
                    if let Some(at) = memchr::memchr(0, &buf[..n.min(BINARY_CHECK)]) {
                        error = Some(format!(
                            "binary data (a NUL byte at offset {at}), not a text log"
                        ));
                        break;
                    }
                }
                total += n as u64;
                stream.feed(&buf[..n], &mut sink);
                progress.update(total, stream.counts().records);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(crate::error::io_reason(&e));
                break;
            }
        }
    }
    progress.finish();
    note_if_cut(name, opened.compression, total);
    stream.finish(&mut sink);
    if opts.prefix.is_none() {
        note_if_no_prefix(name, &stream);
    }
    let (source, name) = match name {
        "-" => (Source::Stdin, "<stdin>".to_string()),
        path => (Source::File, path.to_string()),
    };
    let framing = stream.framing().dominant();
    InputSummary {
        error,
        ..InputSummary::of(source, name, framing, opened.compression, &[&stream])
    }
}

/// A file cut shorter while it was read (logrotate's copytruncate) ends the read early but
/// loses nothing of what was read: the rest went to the rotated copy. The user is told
/// the report stops there, so that a short report is not taken for a quiet server.
fn note_if_cut(name: &str, compression: Compression, read: u64) {
    if name == "-" || compression != Compression::None {
        return;
    }
    match std::fs::metadata(name) {
        Ok(meta) if meta.len() < read => eprintln!(
            "pgtriage: {name}: the file was cut to {} bytes while it was read (rotated with \
             copytruncate?); the report covers the {read} bytes read before",
            meta.len()
        ),
        _ => {}
    }
}

/// Records whose prefix could not be read lose their time and pid (first and last seen,
/// sessions); only the user knows the server's setting, so say how to give it.
fn note_if_no_prefix(name: &str, stream: &LogStream) {
    let c = stream.counts();
    if stream.format() == Format::Stderr
        && stream.prefix_format().is_none()
        && c.records > c.unprefixed_records
    {
        eprintln!(
            "pgtriage: {name}: could not detect the log_line_prefix of {} records; they are \
             read without their time and pid. Pass --prefix with the server's setting (psql: \
             SHOW log_line_prefix;)",
            c.records - c.unprefixed_records
        );
    }
}
