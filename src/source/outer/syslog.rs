//! syslog, as PostgreSQL writes to it with `log_destination = syslog`: the daemon's
//! header (RFC 3164 `Feb 11 13:15:39 host postgres[10808]: ` or RFC 5424
//! `<134>1 2024-01-02T03:04:05Z host postgres 10808 - - `), then PostgreSQL's
//! `[N-M] ` (message N, chunk M: chunks after the first continue message N), then the
//! log_line_prefix. rsyslog writes control characters as `#ooo` (a TAB is `#011`).

use super::{bracketed_tag, first, number, Outer, Peeled};
use crate::source::framings::Framing;
use crate::timestamp::MONTHS;

pub const RFC3164: Outer = Outer {
    framing: Framing::Syslog,
    opens: |l| first(l, |b| *b == b'<' || b.is_ascii_uppercase()),
    peel: rfc3164,
};

pub const RFC5424: Outer = Outer {
    framing: Framing::Syslog,
    opens: |l| l.first() == Some(&b'<'),
    peel: rfc5424,
};

/// `[<PRI>]Mmm dd hh:mm:ss[.ffffff] host tag[pid]: ` (also journalctl's default output).
fn rfc3164(line: &[u8]) -> Option<Peeled<'_>> {
    let s = skip_priority(line);
    if s.len() < 16 || !MONTHS.iter().any(|m| s.starts_with(*m)) || s[3] != b' ' {
        return None;
    }
    let day_end = if s[4] == b' ' { 6 } else { 6.min(s.len()) };
    if !s[4..day_end]
        .iter()
        .all(|b| *b == b' ' || b.is_ascii_digit())
        || s[day_end] != b' '
    {
        return None;
    }
    let clock = &s[day_end + 1..];
    if clock.len() < 9 || clock[2] != b':' || clock[5] != b':' || clock[8] != b' ' {
        // Sub-second precision (`journalctl -o short-precise`).
        if clock.get(8) != Some(&b'.') {
            return None;
        }
    }
    let time_end = day_end + 1 + memchr::memchr(b' ', clock)?;
    tagged(&s[time_end + 1..], &s[..time_end])
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`, SD being `-` or `[...]` elements.
fn rfc5424(line: &[u8]) -> Option<Peeled<'_>> {
    let s = skip_priority(line);
    if s.len() == line.len() {
        return None;
    }
    let s = s.strip_prefix(b"1 ")?;
    let mut fields = s.splitn(6, |b| *b == b' ');
    let time = fields.next()?;
    let _host = fields.next()?;
    let app = fields.next()?;
    let procid = fields.next()?;
    let _msgid = fields.next()?;
    let rest = fields.next()?;
    let msg = match rest.strip_prefix(b"- ") {
        Some(m) => m,
        None if rest == b"-" => &[],
        None => structured_data_end(rest)?,
    };
    // rsyslog's RSYSLOG_SyslogProtocol23Format keeps the space that followed the local
    // socket's `postgres[pid]:` tag: `- -  [5-1] ...`.
    let msg = match msg {
        [b' ', b'[', ..] => &msg[1..],
        _ => msg,
    };
    let (text, continues) = sequence(msg);
    Some(Peeled {
        text,
        time: Some(time),
        pid: number(procid),
        continues,
        other_program: !is_postgres(app),
        octal_escapes: true,
    })
}

/// `host tag[pid]: [N-M] text`, what follows the time in RFC 3164 and journald output.
pub(super) fn tagged<'a>(s: &'a [u8], time: &'a [u8]) -> Option<Peeled<'a>> {
    let host_end = memchr::memchr(b' ', &s[..s.len().min(256)])?;
    let after_host = &s[host_end + 1..];
    let (program, pid, rest) = match bracketed_tag(after_host) {
        Some((name, pid, rest)) => (name, number(pid), rest.strip_prefix(b": ")?),
        None => {
            // A tag without a pid: `host program: text`.
            let colon = memchr::memchr(b':', &after_host[..after_host.len().min(64)])?;
            let name = &after_host[..colon];
            if name.contains(&b' ') {
                return None;
            }
            (name, None, after_host[colon + 1..].strip_prefix(b" ")?)
        }
    };
    let (text, continues) = sequence(rest);
    Some(Peeled {
        text,
        time: Some(time),
        pid,
        continues,
        other_program: !is_postgres(program),
        octal_escapes: true,
    })
}

/// PostgreSQL's `[N-M] ` before the message (`syslog_sequence_numbers`); whether M > 1.
pub fn sequence(s: &[u8]) -> (&[u8], bool) {
    let Some(body) = s.strip_prefix(b"[") else {
        return (s, false);
    };
    let Some(close) = memchr::memchr(b']', &body[..body.len().min(24)]) else {
        return (s, false);
    };
    let inside = &body[..close];
    let Some(dash) = memchr::memchr(b'-', inside) else {
        return (s, false);
    };
    let (Some(_), Some(chunk)) = (number(&inside[..dash]), number(&inside[dash + 1..])) else {
        return (s, false);
    };
    let rest = &body[close + 1..];
    (rest.strip_prefix(b" ").unwrap_or(rest), chunk > 1)
}

/// The server's own syslog identities (`syslog_ident`, `postgres` by default; Debian's
/// and RHEL's units log as `postgres` or `postmaster`).
pub(super) fn is_postgres(program: &[u8]) -> bool {
    program.starts_with(b"postgres") || program.starts_with(b"postmaster")
}

fn skip_priority(line: &[u8]) -> &[u8] {
    if line.first() != Some(&b'<') {
        return line;
    }
    match memchr::memchr(b'>', &line[..line.len().min(5)]) {
        Some(end) if line[1..end].iter().all(u8::is_ascii_digit) => &line[end + 1..],
        _ => line,
    }
}

/// The message after RFC 5424 structured data (`[id k="v"][id2 ...] msg`).
fn structured_data_end(s: &[u8]) -> Option<&[u8]> {
    let mut rest = s;
    while rest.first() == Some(&b'[') {
        let mut i = 1;
        while i < rest.len() && rest[i] != b']' {
            i += if rest[i] == b'\\' { 2 } else { 1 };
        }
        rest = rest.get(i + 1..)?;
    }
    Some(rest.strip_prefix(b" ").unwrap_or(rest))
}

/// Decodes rsyslog's `#ooo` escapes of control characters into `out`.
pub fn decode_octal(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'#', &s[i..]) {
        let at = i + p;
        out.extend_from_slice(&s[i..at]);
        let code = s
            .get(at + 1..at + 4)
            .filter(|d| d[0] == b'0' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match code {
            Some(d) if (d[1] - b'0') * 8 + (d[2] - b'0') < 0x20 => {
                out.push((d[1] - b'0') * 8 + (d[2] - b'0'));
                i = at + 4;
            }
            _ => {
                out.push(b'#');
                i = at + 1;
            }
        }
    }
    out.extend_from_slice(&s[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the pgBadger fixture pg-syslog.1 (real rsyslog output).
    #[test]
    fn rfc3164_lines_of_a_real_syslog() {
        let p = rfc3164(b"Feb 11 13:15:39 test-pc postgres[10808]: [3-2] db=,user=,app=,client= HINT:  Future log output will go to log destination \"syslog\".").unwrap();
        assert_eq!(p.pid, Some(10808));
        assert!(p.continues);
        assert!(p.text.starts_with(b"db=,user="));
        assert_eq!(p.time, Some(&b"Feb 11 13:15:39"[..]));
        let p = rfc3164(b"Feb 11 13:15:41 test-pc systemd[1]: Started PostgreSQL RDBMS.").unwrap();
        assert!(p.other_program);
        let mut out = Vec::new();
        decode_octal(b"#011FROM pg_catalog.pg_database d #1", &mut out);
        assert_eq!(out, b"\tFROM pg_catalog.pg_database d #1");
        assert!(rfc3164(b"2024-01-01 00:00:00 UTC [1] LOG:  x").is_none());
    }

    /// Hand-made RFC 5424 headers around a fixture's text, to test the header only.
    #[test]
    fn rfc5424_header() {
        let p = rfc5424(b"<134>1 2019-02-11T13:15:39.000+01:00 test-pc postgres 10808 - - [1-1] db=,user=,app=,client= LOG:  x").unwrap();
        assert_eq!(p.pid, Some(10808));
        assert!(!p.continues && !p.other_program);
        assert!(p.text.starts_with(b"db=,"));
        let p =
            rfc5424(b"<134>1 2019-02-11T13:15:39Z h postgres 7 - [meta x=\"1\"] [2-2] y").unwrap();
        assert_eq!(p.text, b"y");
        assert!(p.continues);
    }
}
