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
/// Bytes of the head read first: most logs decide in their first lines, and the rest of
/// `HEAD` is read (and its pages mapped) only when they do not.
const FIRST_HEAD: usize = 256 << 10;
/// Bytes read at a time while looking for a cut.
const WINDOW: usize = 1 << 20;
/// Bytes read first at a cut: its first lines, where the cut mostly is.
const FIRST_WINDOW: usize = 64 << 10;
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
    let most = HEAD.min(size as usize);
    let mut head = Vec::new();
    let mut want = FIRST_HEAD.min(most);
    let (decided_at, format, prefix) = loop {
        head.resize(want, 0);
        let n = read_full_at(file, &mut head, 0)?;
        head.truncate(n);
        if memchr::memchr(0, &head[..n.min(BINARY_CHECK)]).is_some() {
            return Ok(None);
        }
        // A shorter head decides as a longer one does, or not yet: lines are fed in order
        // and detection stops at the first that decides.
        match learn(&head, format, prefix) {
            Learnt::Decided(decided) => break decided,
            Learnt::Undecided if n == want && want < most => want = (want * 4).min(most),
            Learnt::Undecided | Learnt::Unsplittable => return Ok(None),
        }
    };
    let mut starts = vec![0];
    let mut from = decided_at.max(chunk);
    let mut buf = Vec::new();
    let how = (format, prefix.as_ref());
    while from < size {
        let Some(cut) = find_cut(file, (from, size), how, FIRST_WINDOW, &mut buf)? else {
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

/// What reading a file's head learnt.
enum Learnt {
    /// Where the format and prefix were decided, the format, and the prefix.
    Decided((u64, Format, Option<Prefix>)),
    /// Stderr without a prefix: no line can be told to start a record.
    Unsplittable,
    /// The head ran out first.
    Undecided,
}

/// Reads the head as a sequential read does, line by line, until the format and prefix
/// are decided.
fn learn(head: &[u8], format: LogFormat, prefix: Option<&Prefix>) -> Learnt {
    let mut stream = LogStream::with_format(format, prefix.cloned());
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', head) {
        stream.feed(&head[start..=nl], &mut |_| {});
        start = nl + 1;
        if !stream.detecting() {
            let format = stream.format();
            let prefix = match format {
                Format::Stderr => match stream.prefix_format().map(Prefix::compile) {
                    Some(Ok(p)) => Some(p),
                    _ => return Learnt::Unsplittable,
                },
                _ => None,
            };
            return Learnt::Decided((start as u64, format, prefix));
        }
    }
    Learnt::Undecided
}

/// The start of the first line at or after `from` that starts a record in any state,
/// reading `first` bytes at first. `buf` is kept between calls.
fn find_cut(
    file: &File,
    (from, size): (u64, u64),
    how: (Format, Option<&Prefix>),
    first: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<u64>> {
    // From the byte before `from`: a line starts after a newline.
    let mut at = from.saturating_sub(1);
    // A cut among the first lines of a small read is the one the whole window finds
    // first: the same lines, read in the same order.
    let mut window = first;
    while at < size {
        buf.resize(window, 0);
        let n = read_full_at(file, &mut buf[..window.min((size - at) as usize)], at)?;
        if n == 0 {
            break;
        }
        match cut_in(&buf[..n], how) {
            Ok(cut) => return Ok(Some(at + cut as u64)),
            Err(_) if window < WINDOW => window = WINDOW,
            Err(on) => at += on as u64,
        }
    }
    Ok(None)
}

/// Where in `window` (read at a place in the file) the first whole line after its first
/// newline that starts a record begins; else how far to read on.
fn cut_in(window: &[u8], (format, prefix): (Format, Option<&Prefix>)) -> Result<usize, usize> {
    let Some(first) = memchr::memchr(b'\n', window) else {
        return Err(window.len());
    };
    let mut line_start = first + 1;
    while let Some(len) = memchr::memchr(b'\n', &window[line_start..]) {
        let line = &window[line_start..line_start + len];
        if starts_record(format, prefix, line.strip_suffix(b"\r").unwrap_or(line)) {
            return Ok(line_start);
        }
        line_start += len + 1;
    }
    // The rest is a line that goes on past the window: read on from the newline before
    // it, unless it filled the window, then past it (too long to be a cut).
    Err(if line_start == first + 1 {
        window.len()
    } else {
        line_start - 1
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Real logs (sample-logs/): from every place, a cut looked for with a small first read
    /// (down to a few lines, so that most places read on with the whole window) is the cut
    /// the whole window alone finds.
    #[test]
    fn a_small_first_read_finds_the_cut_the_whole_window_finds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
        let mut places = 0;
        for name in [
            "long-statement.log",
            "faults-pg15.log",
            "sql-statements.log",
        ] {
            let file = File::open(dir.join(name)).unwrap();
            let size = file.metadata().unwrap().len();
            let stream = LogStream::read_whole(&std::fs::read(dir.join(name)).unwrap());
            let prefix = Prefix::compile(stream.prefix_format().unwrap()).unwrap();
            let how = (stream.format(), Some(&prefix));
            let mut buf = Vec::new();
            for from in (0..size).step_by(211) {
                let whole = find_cut(&file, (from, size), how, WINDOW, &mut buf).unwrap();
                for first in [64, 300, 4096, FIRST_WINDOW] {
                    let cut = find_cut(&file, (from, size), how, first, &mut buf).unwrap();
                    assert_eq!(cut, whole, "{name} from {from}, first read {first}");
                }
                places += 1;
            }
        }
        assert!(places > 100, "{places}");
    }
}
