//! `docker logs --timestamps` frames, cut into lines without the repeats a re-attach brings.
//!
//! After the engine connection drops, or a container restarts, the log is attached again
//! from a whole second (the API's `since` has no finer grain), so the engine sends again
//! lines already read. Each line starts with the engine's RFC 3339 nanosecond time: a line
//! at or before the last one seen on its stream is such a repeat. The comparison is per
//! stream because the engine copies stdout and stderr separately: across the two, times are
//! not in order. A line longer than the engine's buffer arrives as several frames, each with
//! its own time; only the first chunk is a line start.

use crate::timestamp;

/// The stdout and stderr state of one container's log.
#[derive(Debug, Default)]
pub struct Frames {
    /// A frame that ended mid-line: the next frame's timestamp is not a line start.
    mid_line: [bool; 2],
    /// The last line's engine time, in Unix nanoseconds.
    last_ns: [Option<i128>; 2],
}

impl Frames {
    /// Cuts one frame of `stream` (0 stdout, 1 stderr) into line chunks and hands each new
    /// one to `chunk`: a line start keeps its timestamp (the log pipeline reads it), a
    /// continuation chunk loses its own. Returns the number of new lines.
    pub fn split(&mut self, stream: usize, mut bytes: &[u8], chunk: &mut dyn FnMut(&[u8])) -> u64 {
        let mut lines = 0;
        while !bytes.is_empty() {
            let line_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
            let (line, rest) = bytes.split_at(line_end);
            bytes = rest;
            let stamp_end = memchr::memchr(b' ', line).unwrap_or(0);
            let ns = timestamp::rfc3339_nanos(&line[..stamp_end]);
            let text = if self.mid_line[stream] {
                match ns {
                    Some(_) => &line[stamp_end + 1..],
                    None => line,
                }
            } else {
                if let (Some(ns), Some(last)) = (ns, self.last_ns[stream]) {
                    if ns <= last {
                        continue;
                    }
                }
                if ns.is_some() {
                    self.last_ns[stream] = ns;
                }
                lines += 1;
                line
            };
            self.mid_line[stream] = !line.ends_with(b"\n");
            chunk(text);
        }
        lines
    }

    /// Where to attach again, in Unix seconds: the earlier of the two streams' last lines,
    /// so neither misses a line (the repeats are skipped).
    pub fn resume_secs(&self) -> Option<i64> {
        let ns = self.last_ns.iter().flatten().min()?;
        Some((ns / 1_000_000_000) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(f: &mut Frames, stream: usize, frame: &str) -> (u64, Vec<String>) {
        let mut out = Vec::new();
        let n = f.split(stream, frame.as_bytes(), &mut |c| {
            out.push(String::from_utf8_lossy(c).into_owned())
        });
        (n, out)
    }

    const T1: &str = "2026-12-02T10:00:01.000000001Z";
    const T2: &str = "2026-12-02T10:00:01.000000002Z";
    const T3: &str = "2026-12-02T10:00:02.5Z";

    #[test]
    fn a_reattached_stream_skips_the_lines_already_read() {
        let mut f = Frames::default();
        let first = format!("{T1} LOG:  a\n{T2} LOG:  b\n");
        assert_eq!(split(&mut f, 1, &first).0, 2);
        assert_eq!(f.resume_secs(), Some(1_796_205_601));
        // Attached again from the whole second: a and b come again, then c.
        let again = format!("{T1} LOG:  a\n{T2} LOG:  b\n{T3} LOG:  c\n");
        let (n, chunks) = split(&mut f, 1, &again);
        assert_eq!(n, 1);
        assert_eq!(chunks, [format!("{T3} LOG:  c\n")]);
    }

    #[test]
    fn a_long_line_in_chunks_is_one_line_without_the_inner_timestamps() {
        let mut f = Frames::default();
        let (n, chunks) = split(&mut f, 0, &format!("{T1} LOG:  aaaa"));
        assert_eq!((n, chunks), (1, vec![format!("{T1} LOG:  aaaa")]));
        // The continuation's own time is later, but it is not a line start.
        let (n, chunks) = split(&mut f, 0, &format!("{T2} bbbb\n{T3} LOG:  next\n"));
        assert_eq!(n, 1);
        assert_eq!(chunks, ["bbbb\n".to_string(), format!("{T3} LOG:  next\n")]);
    }

    #[test]
    fn each_stream_keeps_its_own_order() {
        let mut f = Frames::default();
        split(&mut f, 0, &format!("{T3} on stdout\n"));
        // Earlier than stdout's last line, but new on stderr.
        let (n, _) = split(&mut f, 1, &format!("{T1} on stderr\n"));
        assert_eq!(n, 1);
        assert_eq!(f.resume_secs(), Some(1_796_205_601));
        assert_eq!(split(&mut f, 1, &format!("{T1} on stderr\n")).0, 0);
    }

    #[test]
    fn lines_without_a_timestamp_are_never_taken_for_repeats() {
        let mut f = Frames::default();
        assert_eq!(split(&mut f, 1, "plain\nplain\n").0, 2);
        assert_eq!(f.resume_secs(), None);
    }
}
