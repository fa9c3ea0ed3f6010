//! A viewer's time glued to the level (`17/07/2017 20:31:13LOG:  ...`): Rancher and
//! Portainer show each line after their own time, without a space, and a copy from the
//! page keeps it so. The line behind it had no prefix (PostgreSQL 9.6's default).

use super::{first, Outer, Peeled};
use crate::severity::Level;
use crate::source::framings::Framing;

pub const GLUED: Outer = Outer {
    framing: Framing::GluedTime,
    // The date and clock take 19 bytes; a fraction (`.123`) or the level follows at once.
    opens: |l| first(l, u8::is_ascii_digit) && matches!(l.get(19), Some(b'.' | b'A'..=b'Z')),
    peel: glued,
};

fn glued(line: &[u8]) -> Option<Peeled<'_>> {
    let date_len = date_len(line)?;
    let clock = line.get(date_len..)?.strip_prefix(b" ")?;
    if clock.len() < 9 || clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let mut end = date_len + 1 + 8;
    if line.get(end) == Some(&b'.') {
        end += 1 + line[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    }
    let text = &line[end..];
    // The level right after the clock: a server's own prefix has a space and a zone there.
    if !text.first()?.is_ascii_uppercase() {
        return None;
    }
    let colon = memchr::memchr(b':', &text[..text.len().min(12)])?;
    Level::from_label(&text[..colon])?;
    Some(Peeled {
        time: Some(&line[..end]),
        ..Peeled::text(text)
    })
}

/// Writes a viewer's `DD/MM/YYYY HH:MM:SS` (or `MM/DD/YYYY`, when the day says so) as
/// `YYYY-MM-DD HH:MM:SS` into `out`, so that it is read as a time; false when it is
/// already ISO or the order of day and month cannot be told.
pub fn iso_time(time: &[u8], out: &mut Vec<u8>) -> bool {
    if time.get(2) != Some(&b'/') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| std::str::from_utf8(&time[r]).ok()?.parse::<u8>().ok();
    let (Some(a), Some(b)) = (num(0..2), num(3..5)) else {
        return false;
    };
    let (day, month) = match (a > 12, b > 12) {
        (true, false) => (0..2, 3..5),
        (false, true) => (3..5, 0..2),
        _ => return false,
    };
    out.clear();
    out.extend_from_slice(&time[6..10]);
    out.push(b'-');
    out.extend_from_slice(&time[month]);
    out.push(b'-');
    out.extend_from_slice(&time[day]);
    out.extend_from_slice(&time[10..]);
    true
}

/// `DD/MM/YYYY` or `YYYY-MM-DD` at the start.
fn date_len(s: &[u8]) -> Option<usize> {
    let d = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let slashed =
        d(0..2) && s.get(2) == Some(&b'/') && d(3..5) && s.get(5) == Some(&b'/') && d(6..10);
    let iso = d(0..4) && s.get(4) == Some(&b'-') && d(5..7) && s.get(7) == Some(&b'-') && d(8..10);
    (slashed || iso).then_some(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines pasted in docker-library/postgres#314 (tests/framings/glued-time.log).
    #[test]
    fn glued_time_is_peeled() {
        let p =
            glued(b"17/07/2017 20:31:13LOG:  server process (PID 540) exited with exit code 255")
                .unwrap();
        assert_eq!(p.time, Some(&b"17/07/2017 20:31:13"[..]));
        assert_eq!(
            p.text,
            b"LOG:  server process (PID 540) exited with exit code 255"
        );
        assert!(glued(b"2024-01-01 00:00:00 UTC [1] LOG:  x").is_none());
        assert!(glued(b"2023-05-02 20:31:13.123LOG:  x").is_some());
        let mut out = Vec::new();
        assert!(iso_time(b"17/07/2017 20:31:13", &mut out));
        assert_eq!(out, b"2017-07-17 20:31:13");
        assert!(!iso_time(b"05/07/2017 20:31:13", &mut out), "day or month?");
    }

    /// `opens` rules out no line `glued` peels: every line of the pasted log and of the
    /// framing fixtures, each with a fraction after its 19th byte, and each with the bytes
    /// from the 19th on changed.
    #[test]
    fn opens_keeps_every_line_glued_peels() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/framings");
        let mut peeled = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for line in bytes.split(|b| *b == b'\n') {
                let mut variants = vec![line.to_vec()];
                if line.len() > 19 {
                    variants.push([&line[..19], b".123", &line[19..]].concat());
                }
                for at in 19..line.len().min(24) {
                    for b in [b'.', b'L', b' ', b'1'] {
                        let mut v = line.to_vec();
                        v[at] = b;
                        variants.push(v);
                    }
                }
                for v in variants {
                    if glued(&v).is_some() {
                        peeled += 1;
                        assert!((GLUED.opens)(&v), "{:?}", String::from_utf8_lossy(&v));
                    }
                }
            }
        }
        assert!(peeled > 10, "{peeled} lines peeled");
    }
}
