//! Grafana's "Download logs" of a Loki query: a header (`Common labels: {...}`,
//! `Line limit: ...`), then `TIME<TAB>line` per entry, newest first. Order does not
//! matter to first/last seen, which take the earliest and latest time of each finding.

use super::{first, iso_t, Outer, Peeled};
use crate::source::framings::{rfc3339_len, Framing};

pub const EXPORT: Outer = Outer {
    framing: Framing::Loki,
    opens: |l| iso_t(l) || first(l, u8::is_ascii_uppercase),
    peel: export,
};

const HEADER: [&[u8]; 4] = [
    b"Common labels: ",
    b"Line limit: ",
    b"Total bytes processed: ",
    b"Total lines: ",
];

fn export(line: &[u8]) -> Option<Peeled<'_>> {
    if HEADER.iter().any(|h| line.starts_with(h)) {
        return Some(Peeled {
            other_program: true,
            ..Peeled::text(line)
        });
    }
    let t = rfc3339_len(line)?;
    let text = line.get(t..)?.strip_prefix(b"\t")?;
    // logcli's `--output=default` puts the stream's labels between time and line.
    let text = match text.strip_prefix(b"{") {
        Some(body) => {
            let close = memchr::memmem::find(body, b"}\t")?;
            &body[close + 2..]
        }
        None => text,
    };
    Some(Peeled {
        time: Some(&line[..t]),
        ..Peeled::text(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made around a real PostgreSQL line, to test the frame's shape only.
    #[test]
    fn loki_export_lines() {
        let p = export(b"2024-10-19T11:47:37.871Z\t2024-10-19 11:47:37.871 UTC [23] LOG:  redirecting log output to logging collector process").unwrap();
        assert!(p.text.starts_with(b"2024-10-19 11:47:37.871 UTC [23] LOG:"));
        assert!(
            export(b"Common labels: {\"app\":\"db\"}")
                .unwrap()
                .other_program
        );
        assert!(export(b"2024-10-19T11:47:37.871Z stderr F x").is_none());
    }
}
