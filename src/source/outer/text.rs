//! What terminals leave in a copied line: ANSI colour codes, and the padding and box
//! borders that compose, k9s and TUI viewers fill each line to the terminal width with.
//! Removed before anything else looks at the line, so templates match its end.

/// The line without trailing padding, and without a box border (`│`, or `|` after
/// padding) at its end; whether anything was removed. One trailing space is not padding:
/// PostgreSQL ends some messages with one (`duration: 0.027 ms  statement: ` of an empty
/// statement, in the pgBadger fixture rds.log).
pub fn trim_padding(line: &[u8]) -> (&[u8], bool) {
    let mut s = if line.ends_with(b"  ") {
        trim_spaces(line)
    } else {
        line
    };
    if let Some(rest) = s.strip_suffix("│".as_bytes()) {
        s = trim_spaces(rest);
    } else if let Some(rest) = s.strip_suffix(b"|") {
        // A bar only counts as a border after a run of padding, not at a message's end.
        if rest.ends_with(b"  ") {
            s = trim_spaces(rest);
        }
    }
    (s, s.len() != line.len())
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|b| *b != b' ').map_or(0, |p| p + 1);
    &s[..end]
}

/// Whether the line holds an escape sequence to strip.
pub fn has_ansi(line: &[u8]) -> bool {
    memchr::memchr(0x1b, line).is_some()
}

/// Copies `line` into `out` without its CSI escape sequences (`ESC [ params final`).
pub fn strip_ansi(line: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(p) = memchr::memchr(0x1b, &line[i..]) {
        let at = i + p;
        out.extend_from_slice(&line[i..at]);
        i = at + 1;
        if line.get(i) == Some(&b'[') {
            i += 1;
            while i < line.len() && !(0x40..=0x7e).contains(&line[i]) {
                i += 1;
            }
            // Past the final byte, or at the end of a line cut inside the sequence.
            i = (i + 1).min(line.len());
        }
    }
    out.extend_from_slice(&line[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made padding and colours around a real PostgreSQL message, to test the
    /// stripping only.
    #[test]
    fn padding_borders_and_colours() {
        let (s, cut) =
            trim_padding(b"LOG:  database system is ready to accept connections      \xe2\x94\x82");
        assert_eq!(s, b"LOG:  database system is ready to accept connections");
        assert!(cut);
        let (s, _) = trim_padding(b"LOG:  statement: SELECT a | b");
        assert_eq!(s, b"LOG:  statement: SELECT a | b");
        let (s, cut) = trim_padding(b"LOG:  duration: 0.027 ms  statement: ");
        assert_eq!(s, b"LOG:  duration: 0.027 ms  statement: ");
        assert!(!cut);
        let (s, _) = trim_padding(b"db-1  | LOG:  x          |");
        assert_eq!(s, b"db-1  | LOG:  x");
        let mut out = Vec::new();
        strip_ansi(
            b"\x1b[38;5;6mpostgresql \x1b[38;5;5m13:14:08.77 \x1b[0mINFO",
            &mut out,
        );
        assert_eq!(out, b"postgresql 13:14:08.77 INFO");
    }

    /// Found by tests/hostile_input (random bytes after a real log): a line that ends
    /// inside an escape sequence, or one byte after its `ESC [`.
    #[test]
    fn a_line_cut_inside_an_escape_sequence() {
        for line in [
            &b"LOG:  x\x1b["[..],
            b"LOG:  x\x1b[3",
            b"\x1b",
            b"a\x1b[\x1b[",
        ] {
            let mut out = Vec::new();
            strip_ansi(line, &mut out);
            assert!(!out.contains(&0x1b), "{out:?}");
        }
    }
}
