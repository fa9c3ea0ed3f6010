//! Where one large plain file is cut into chunks that threads read apart (ADR
//! split-input): the format and prefix are learnt once on the file's head, exactly as a
//! sequential read learns them, then each cut is moved forward to the next line that
//! starts a record whatever came before it.

use crate::parse::prefix::Prefix;
use crate::parse::{self, Format};
use crate::pipeline::{LogFormat, LogStream};
use crate::source::framing::Unframer;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Bytes of the head read to learn the format and prefix: detection decides within 4 MiB
/// of held text, a little more of lines with their newlines.
const HEAD: usize = 6 << 20;
/// Bytes read at a time while looking for a cut.
const WINDOW: usize = 1 << 20;
/// Bytes of the start checked for NUL: a binary file is left to the sequential reader,
/// which reports it.
const BINARY_CHECK: usize = 8192;

/// How a file is read by parts: the format and prefix every chunk after the first uses,
/// and where each chunk starts (the first at 0).
#[derive(Debug)]
pub struct Plan {
    pub format: Format,
    pub prefix: Option<Prefix>,
    pub starts: Vec<u64>,
}

/// The plan for `file` of `size` bytes in chunks of about `chunk` bytes, or `None` when it
/// is read whole: small, binary, its prefix unknown, or no line to cut at.
pub fn plan(
    file: &File,
    size: u64,
    chunk: u64,
    format: LogFormat,
    prefix: Option<&Prefix>,
) -> io::Result<Option<Plan>> {
    if size <= chunk {
        return Ok(None);
    }
    let mut head = vec![0u8; HEAD.min(size as usize)];
    let n = read_full_at(file, &mut head, 0)?;
    head.truncate(n);
    if memchr::memchr(0, &head[..n.min(BINARY_CHECK)]).is_some() {
        return Ok(None);
    }
    let Some((decided_at, format, prefix)) = learn(&head, format, prefix) else {
        return Ok(None);
    };
    let mut starts = vec![0];
    let mut from = decided_at.max(chunk);
    while from < size {
        let Some(cut) = find_cut(file, from, size, format, prefix.as_ref())? else {
            break;
        };
        starts.push(cut);
        from = cut + chunk;
    }
    Ok((starts.len() > 1).then_some(Plan {
        format,
        prefix,
        starts,
    }))
}

/// Reads the head as a sequential read does, line by line, until the format and prefix
/// are decided: where that happened, the format, and the prefix (stderr must have one,
/// or no line can be told to start a record).
fn learn(
    head: &[u8],
    format: LogFormat,
    prefix: Option<&Prefix>,
) -> Option<(u64, Format, Option<Prefix>)> {
    let mut stream = LogStream::with_format(format, prefix.cloned());
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', head) {
        stream.feed(&head[start..=nl], &mut |_| {});
        start = nl + 1;
        if !stream.detecting() {
            let format = stream.format();
            let prefix = match format {
                Format::Stderr => Some(Prefix::compile(stream.prefix_format()?).ok()?),
                _ => None,
            };
            return Some((start as u64, format, prefix));
        }
    }
    None
}

/// The start of the first line at or after `from` that starts a record in any state.
fn find_cut(
    file: &File,
    from: u64,
    size: u64,
    format: Format,
    prefix: Option<&Prefix>,
) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; WINDOW];
    // From the byte before `from`: a line starts after a newline.
    let mut at = from.saturating_sub(1);
    while at < size {
        let n = read_full_at(file, &mut buf[..WINDOW.min((size - at) as usize)], at)?;
        if n == 0 {
            break;
        }
        let window = &buf[..n];
        let Some(first) = memchr::memchr(b'\n', window) else {
            at += n as u64;
            continue;
        };
        let mut line_start = first + 1;
        while let Some(len) = memchr::memchr(b'\n', &window[line_start..]) {
            let line = &window[line_start..line_start + len];
            if starts_record(format, prefix, line.strip_suffix(b"\r").unwrap_or(line)) {
                return Ok(Some(at + line_start as u64));
            }
            line_start += len + 1;
        }
        // The rest is a line that goes on past the window: read on from the newline
        // before it, unless it filled the window, then past it (too long to be a cut).
        at += if line_start == first + 1 {
            n as u64
        } else {
            (line_start - 1) as u64
        };
    }
    Ok(None)
}

/// Whether a raw line starts a record, framing peeled as the reader peels it.
fn starts_record(format: Format, prefix: Option<&Prefix>, line: &[u8]) -> bool {
    let mut unframer = Unframer::default();
    let mut starts = false;
    unframer.push(line, &mut |f| {
        starts |= parse::starts_record(format, prefix, &f)
    });
    starts && !unframer.carries_state()
}

/// Fills `buf` from `offset` as far as the file goes; the bytes read.
pub fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
