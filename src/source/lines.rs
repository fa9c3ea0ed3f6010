//! Splits a byte stream into lines without copying, whatever size the chunks arrive in.

/// The longest line kept whole. PostgreSQL statements can be megabytes long; past this,
/// the line is cut (and counted) so that one runaway line cannot exhaust memory.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// Turns chunks into lines. Complete lines inside a chunk are handed out as slices of it;
/// only a line that straddles two chunks is copied, into a buffer reused for the next one.
#[derive(Debug)]
pub struct LineSplitter {
    carry: Vec<u8>,
    max_line: usize,
    /// The line being carried has passed `max_line`; its rest is dropped up to the newline.
    cutting: bool,
    truncated: u64,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::with_max_line(MAX_LINE)
    }
}

impl LineSplitter {
    pub fn with_max_line(max_line: usize) -> Self {
        LineSplitter {
            carry: Vec::new(),
            max_line,
            cutting: false,
            truncated: 0,
        }
    }

    /// Lines cut at `max_line` so far.
    pub fn truncated(&self) -> u64 {
        self.truncated
    }

    pub fn feed(&mut self, mut chunk: &[u8], on_line: &mut dyn FnMut(&[u8])) {
        if !self.carry.is_empty() || self.cutting {
            match memchr::memchr(b'\n', chunk) {
                None => {
                    self.keep(chunk);
                    return;
                }
                Some(nl) => {
                    self.keep(&chunk[..nl]);
                    self.cutting = false;
                    on_line(trim_ends(&self.carry));
                    self.carry.clear();
                    chunk = &chunk[nl + 1..];
                }
            }
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', chunk) {
            let line = &chunk[start..nl];
            if line.len() > self.max_line {
                self.truncated += 1;
                on_line(&line[..self.max_line]);
            } else {
                on_line(trim_ends(line));
            }
            start = nl + 1;
        }
        self.keep(&chunk[start..]);
    }

    /// Hands out a last line that had no newline.
    pub fn finish(&mut self, on_line: &mut dyn FnMut(&[u8])) {
        if !self.carry.is_empty() {
            on_line(trim_ends(&self.carry));
            self.carry.clear();
        }
        self.cutting = false;
    }

    fn keep(&mut self, part: &[u8]) {
        if self.cutting {
            return;
        }
        let room = self.max_line - self.carry.len();
        if part.len() > room {
            self.carry.extend_from_slice(&part[..room]);
            self.cutting = true;
            self.truncated += 1;
        } else {
            self.carry.extend_from_slice(part);
        }
    }
}

/// A line without its CR (a CRLF file) and without the NULs before it: a crash can leave
/// a log extended on disk but never written, which the restarted server appends to.
fn trim_ends(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let start = line.iter().position(|&b| b != 0).unwrap_or(line.len());
    &line[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> (Vec<Vec<u8>>, u64) {
        let mut s = LineSplitter::with_max_line(max);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, &mut |l| out.push(l.to_vec()));
        }
        s.finish(&mut |l| out.push(l.to_vec()));
        (out, s.truncated())
    }

    #[test]
    fn lines_across_chunk_edges_come_out_whole() {
        let (lines, cut) = split(&[b"ab", b"c\r\nde\nf", b"g"], 100);
        assert_eq!(lines, vec![b"abc".to_vec(), b"de".to_vec(), b"fg".to_vec()]);
        assert_eq!(cut, 0);
    }

    #[test]
    fn overlong_lines_are_cut_and_counted() {
        let (lines, cut) = split(&[b"0123", b"456789\nok\n0123456789\n"], 5);
        assert_eq!(
            lines,
            vec![b"01234".to_vec(), b"ok".to_vec(), b"01234".to_vec()]
        );
        assert_eq!(cut, 2);
    }

    /// Hand-made: a NUL block a crash left, then the line the restarted server appended.
    #[test]
    fn nuls_before_a_line_are_dropped() {
        let (lines, _) = split(&[b"a\n\0\0\0", b"\0b\r\n\0\0\n"], 100);
        assert_eq!(lines, vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec()]);
    }
}
