//! A viewer's time glued to the level (`17/07/2017 20:31:13LOG:  ...`): Rancher and
//! Portainer show each line after their own time, without a space, and a copy from the
//! page keeps it so. The line behind it had no prefix (PostgreSQL 9.6's default).

use super::{Outer, Peeled};
use crate::severity::Level;
use crate::source::framing::Framing;

pub const GLUED: Outer = Outer {
    framing: Framing::GluedTime,
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
    let colon = memchr::memchr(b':', &text[..text.len().min(12)])?;
    if !text.first()?.is_ascii_uppercase() || Level::from_label(&text[..colon]).is_none() {
        return None;
    }
    Some(Peeled {
        time: Some(&line[..end]),
        ..Peeled::text(text)
    })
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
    }
}
