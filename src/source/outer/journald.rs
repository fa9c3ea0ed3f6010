//! journald, as `journalctl` prints it: `-o short-iso` (`2020-05-25T10:24:07+0000 host
//! postgres[11106]: `), `-o json` (one object per entry, the line in `MESSAGE`) and its
//! `-- Logs begin at ... --` / `-- Boot ... --` notes. The default short output has the
//! RFC 3164 shape and is read as syslog.

use super::{iso_t, number, syslog, Outer, Peeled};
use crate::source::framings::Framing;

pub const SHORT_ISO: Outer = Outer {
    framing: Framing::Journald,
    opens: |l| l.first() == Some(&b'-') || iso_t(l),
    peel: short_iso,
};

fn short_iso(line: &[u8]) -> Option<Peeled<'_>> {
    if line.starts_with(b"-- ") && (line.ends_with(b" --") || line.starts_with(b"-- Boot")) {
        // journalctl's own notes between entries.
        return Some(Peeled {
            other_program: true,
            ..Peeled::text(line)
        });
    }
    // `2020-05-25T10:24:07+0000`: an ISO time whose zone has no colon, which neither
    // Docker nor PostgreSQL writes.
    if line.len() < 25 || line[4] != b'-' || line[10] != b'T' || line[13] != b':' {
        return None;
    }
    let end = memchr::memchr(b' ', &line[..line.len().min(40)]).filter(|e| *e >= 24)?;
    let zone = &line[end - 5..end];
    if !matches!(zone[0], b'+' | b'-') || !zone[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    syslog::tagged(&line[end + 1..], &line[..end])
}

/// One `journalctl -o json` entry: its `MESSAGE` (still JSON-escaped), pid, time
/// (`__REALTIME_TIMESTAMP`, microseconds since the epoch) and whether it is the server's.
pub struct JsonEntry<'a> {
    pub message: &'a [u8],
    pub pid: Option<u32>,
    pub other_program: bool,
}

/// Reads an entry's fields where they are, without parsing the whole object.
pub fn json_entry(line: &[u8]) -> Option<JsonEntry<'_>> {
    let message = string_field(line, b"\"MESSAGE\":\"")?;
    memchr::memmem::find(line, b"\"__REALTIME_TIMESTAMP\"")?;
    let ident = string_field(line, b"\"SYSLOG_IDENTIFIER\":\"").unwrap_or(b"");
    let comm = string_field(line, b"\"_COMM\":\"").unwrap_or(b"");
    Some(JsonEntry {
        message,
        pid: string_field(line, b"\"_PID\":\"").and_then(number),
        other_program: !(syslog::is_postgres(ident) || syslog::is_postgres(comm)),
    })
}

fn string_field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(line, key)? + key.len();
    let body = &line[at..];
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return Some(&body[..i]),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `journalctl --output=short-iso`, as pasted in darold/pgbadger#596.
    #[test]
    fn short_iso_from_a_real_paste() {
        let line = b"2020-05-25T10:24:07+0000 server postgres[11106]: [43993-1] 2020-05-25 12:24:07 CEST [11106]: [131949-1] user=isxouser,db=isxo,app=[* ISXOSchedulerPrioritized_QuartzSchedulerThread][?],client=127.0.0.1 LOG:  BIND MESSAGE STATISTICS";
        let p = short_iso(line).unwrap();
        assert_eq!(p.pid, Some(11106));
        assert!(p.text.starts_with(b"2020-05-25 12:24:07 CEST [11106]: "));
        assert_eq!(p.time, Some(&b"2020-05-25T10:24:07+0000"[..]));
        let note =
            b"-- Logs begin at Mon 2020-05-25 10:24:06 UTC, end at Mon 2020-05-25 12:49:52 UTC. --";
        assert!(short_iso(note).unwrap().other_program);
        assert!(short_iso(b"2024-01-01T00:00:00.1Z stderr F x").is_none());
        assert!(short_iso(b"2024- 1-01T0: 00000000000000000000").is_none());
    }

    /// A hand-made `-o json` entry (journald's field names) around a real line of
    /// darold/pgbadger#638, to test the field reading only.
    #[test]
    fn json_entry_fields() {
        let line = br#"{"__REALTIME_TIMESTAMP":"1613979543000000","_PID":"18605","SYSLOG_IDENTIFIER":"postgres","MESSAGE":"[7-1] 2021-02-22 08:39:03 CET [18605]: db=,user=,app=,client= LOG:  database system was shut down at 2021-02-22 08:38:55 CET"}"#;
        let e = json_entry(line).unwrap();
        assert_eq!(e.pid, Some(18605));
        assert!(!e.other_program);
        assert!(e.message.starts_with(b"[7-1] 2021-02-22"));
        let other = br#"{"__REALTIME_TIMESTAMP":"1","_PID":"1","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"Started PostgreSQL RDBMS."}"#;
        assert!(json_entry(other).unwrap().other_program);
        assert!(json_entry(br#"{"log":"x","stream":"stderr"}"#).is_none());
    }
}
