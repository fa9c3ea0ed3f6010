//! fly.io's `fly logs`: `2023-03-13T11:34:59Z app[6e82dd62b11e87] lhr [info]text`, the
//! machine, its region and the stream's level before the line. Fly Postgres runs several
//! processes in one machine and names each (`postgres | `, `repmgrd  | `, `monitor | `):
//! only the database's lines are the server's.

use super::{bracketed_tag, iso_t, Outer, Peeled};
use crate::source::framings::{rfc3339_len, Framing};

pub const FLY: Outer = Outer {
    framing: Framing::Fly,
    opens: iso_t,
    peel: fly,
};

fn fly(line: &[u8]) -> Option<Peeled<'_>> {
    let t = rfc3339_len(line)?;
    let rest = line.get(t..)?.strip_prefix(b" ")?;
    let (source, _machine, rest) = bracketed_tag(rest)?;
    if !matches!(source, b"app" | b"runner" | b"proxy") {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    let region_end = memchr::memchr(b' ', &rest[..rest.len().min(12)])?;
    let rest = rest[region_end + 1..].strip_prefix(b"[")?;
    let close = memchr::memchr(b']', &rest[..rest.len().min(8)])?;
    let text = &rest[close + 1..];
    let text = text.strip_prefix(b" ").unwrap_or(text);
    let (text, other_program) = match process(text) {
        Some((name, rest)) => (rest, !matches!(name, b"postgres" | b"keeper" | b"db")),
        None => (text, source != b"app"),
    };
    Some(Peeled {
        time: Some(&line[..t]),
        other_program,
        ..Peeled::text(text)
    })
}

/// `name  | text`: the process inside the machine.
fn process(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let bar = memchr::memmem::find(&text[..text.len().min(24)], b" | ")?;
    let name = text[..bar].strip_suffix(b" ").unwrap_or(&text[..bar]);
    let name = &name[..name.iter().rposition(|b| *b != b' ')? + 1];
    name.iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .then(|| (name, &text[bar + 3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made around a real PostgreSQL line, to test the frame's shape only.
    #[test]
    fn fly_frame_and_processes() {
        let p = fly(b"2023-03-13T11:34:59Z app[6e82dd62b11e87] lhr [info]postgres | 2023-03-13 11:34:59.948 UTC [538] LOG:  checkpoint starting: time").unwrap();
        assert!(!p.other_program);
        assert!(p
            .text
            .starts_with(b"2023-03-13 11:34:59.948 UTC [538] LOG:"));
        let p = fly(b"2023-03-13T11:34:59Z app[6e82dd62b11e87] lhr [info]repmgrd  | [2023-03-13 11:34:59] [INFO] monitoring").unwrap();
        assert!(p.other_program);
    }
}
