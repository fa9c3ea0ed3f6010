//! Other programs' lines in the server's stream, told by their shape: they are not the
//! server's records, even when they carry a level (`psql: FATAL:`, Patroni's `WARNING:`).
//! Each shape is one PostgreSQL never writes whatever its log_line_prefix.

use super::label::Labelled;
use crate::bytes::find_byte;

/// Client programs whose messages (`psql: error: ...`, `pg_dump: error: ...`, Go's
/// `pq: ...`) echo the server's but are not its records.
const CLIENTS: &[&[u8]] = &[
    b"psql",
    b"pg_dump",
    b"pg_dumpall",
    b"pg_restore",
    b"pg_basebackup",
    b"pg_rewind",
    b"pg_upgrade",
    b"pg_receivewal",
    b"pg_isready",
    b"createdb",
    b"createuser",
    b"dropdb",
    b"dropuser",
    b"vacuumdb",
    b"reindexdb",
    b"clusterdb",
    b"repmgr",
    b"repmgrd",
    b"patroni",
    b"patronictl",
    b"pgbouncer",
    b"pq",
];

pub fn is_other_program(line: &[u8], label: Option<Labelled>) -> bool {
    // Shapes that open with a kind of byte are tried only on a line that opens with one:
    // every line of a log is asked, and almost all open with the server's date.
    let opening = match line.first() {
        Some(b) if b.is_ascii_digit() => python_logging(line) || go_log(line),
        Some(b'[') => bracketed_date(line),
        Some(b) if b.is_ascii_lowercase() => client(line),
        _ => false,
    };
    opening
        || entrypoint(line)
        || label.is_some_and(|l| exception(&line[..l.prefix_len]) || pgpool(&line[..l.prefix_len]))
}

/// `2020-09-29 10:49:04: pid 1: ERROR:  ` — pgpool-II's default prefix (`%t: pid %p: `):
/// it borrows PostgreSQL's level words, its layout and its DETAIL lines.
fn pgpool(prefix: &[u8]) -> bool {
    let Some(head) = prefix.strip_suffix(b": ") else {
        return false;
    };
    let digits_at = head
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |p| p + 1);
    digits_at < head.len() && head[..digits_at].ends_with(b"pid ")
}

/// The text before the level names another program's message that quotes the server's:
/// `PG::ConnectionBad: FATAL:  ...`, `Query failed: ERROR:  ...`, `...php.CRITICAL: ERROR:`.
/// PostgreSQL's own prefixes never end in a word with lower-case letters and a colon,
/// unless `%a`, `%u` or `%d` ends one (`%m [%p] %a: `): such a line parses with the
/// detected prefix and gives a time or pid, which the assembler checks before taking it
/// for a quote.
pub fn quotes_server(prefix: &[u8]) -> bool {
    let Some(head) = prefix.trim_ascii_end().strip_suffix(b":") else {
        return false;
    };
    let word = head.rsplit(|b| *b == b' ').next().unwrap_or(head);
    word.iter().any(u8::is_ascii_lowercase)
        && !word
            .iter()
            .any(|b| matches!(b, b'@' | b'=' | b'[' | b']' | b',' | b'<' | b'>'))
}

/// `2021-01-06 12:49:15,621 INFO: ` — Python's logging, as Patroni writes it.
fn python_logging(s: &[u8]) -> bool {
    // The comma first: the server's own `%t`/`%m` lines share the date and time.
    s.get(19) == Some(&b',') && iso_date_time(s) && digits(s, 20..23) && s.get(23) == Some(&b' ')
}

/// `[2021-01-06 12:49:15] [ERROR] ` — repmgr and repmgrd.
fn bracketed_date(s: &[u8]) -> bool {
    s.first() == Some(&b'[') && iso_date_time(&s[1..]) && s.get(20) == Some(&b']')
}

/// `2022/10/27 18:25:49 ` — Go's log package, an application beside the server.
fn go_log(s: &[u8]) -> bool {
    s.get(4) == Some(&b'/')
        && digits(s, 0..4)
        && digits(s, 5..7)
        && s.get(7) == Some(&b'/')
        && s.get(10) == Some(&b' ')
        && s.get(13) == Some(&b':')
}

fn client(s: &[u8]) -> bool {
    let Some(colon) = find_byte(&s[..s.len().min(16)], b':') else {
        return false;
    };
    s.get(colon + 1) == Some(&b' ') && CLIENTS.contains(&&s[..colon])
}

/// Bitnami's entrypoint: `postgresql 13:14:08.77 INFO  ==> ...`, a level word before the
/// arrow.
fn entrypoint(s: &[u8]) -> bool {
    let head = &s[..s.len().min(48)];
    let Some(arrow) = find_byte(head, b'>')
        .and_then(|gt| gt.checked_sub(3))
        .filter(|at| head[*at..].starts_with(b" ==> "))
    else {
        return false;
    };
    let before = s[..arrow].trim_ascii_end();
    let word = before.rsplit(|b| *b == b' ').next().unwrap_or(before);
    matches!(word, b"INFO" | b"WARN" | b"ERROR" | b"DEBUG")
}

/// A Java client's `org.postgresql.util.PSQLException: FATAL: ...`.
fn exception(prefix: &[u8]) -> bool {
    crate::bytes::ends_with(prefix, b"Exception: ")
}

/// `2021-01-06 12:49:15` at the start: how `%t` and `%m` begin.
pub fn iso_date_time(s: &[u8]) -> bool {
    digits(s, 0..4)
        && s.get(4) == Some(&b'-')
        && s.get(7) == Some(&b'-')
        && s.get(10) == Some(&b' ')
        && s.get(13) == Some(&b':')
        && s.get(16) == Some(&b':')
        && digits(s, 17..19)
}

fn digits(s: &[u8], r: std::ops::Range<usize>) -> bool {
    s.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// libpq's message when the server ends a session, which psql prints after the notice the
/// server sent (`WARNING:  terminating connection because of crash ...`).
pub fn libpq_lost_connection(line: &[u8]) -> bool {
    line.starts_with(b"server closed the connection unexpectedly")
}

#[cfg(test)]
mod tests {
    use super::super::label::find_label;
    use super::*;

    /// Lines from zalando/spilo#537, machinefi/w3bstream-devnet#144 (see
    /// tests/framings/SOURCES.md) and helm/charts#14533.
    #[test]
    fn other_programs_by_shape() {
        let others: &[&[u8]] = &[
            b"2021-01-06 12:49:15,834 WARNING: Could not activate Linux watchdog device: \"Can't open watchdog device: [Errno 2] No such file or directory: '/dev/watchdog'\"",
            b"psql: FATAL:  role \"postgres\" does not exist",
            b"2022/10/27 18:25:49 retry in seconds 3s [err: Driver.Open: pq: the database system is starting up]",
            // helm/charts#14533, a Bitnami entrypoint's line.
            b" 11:38:42.58 INFO  ==> ** Starting PostgreSQL setup **",
            // tests/corpus/091: repmgr's own log.
            b"[2021-02-03 14:38:38] [DETAIL] PQping() returned \"PQPING_NO_RESPONSE\"",
            // tests/corpus/093: pgpool-II's own log.
            b"2020-09-29 10:49:04: pid 178: FATAL:  failed to create a backend 0 connection",
        ];
        for l in others {
            assert!(
                is_other_program(l, find_label(l)),
                "{}",
                String::from_utf8_lossy(l)
            );
        }
        // `is_other_program` asks `client` only of a line that opens with a lower-case letter.
        assert!(CLIENTS.iter().all(|c| c[0].is_ascii_lowercase()));
        let server: &[&[u8]] = &[
            b"2021-01-06 12:49:15 UTC [63]: [5-1] 5ff5b1cb.3f 0     LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"",
            b"2022-10-27 18:25:49.029 GMT [72] FATAL:  the database system is starting up",
            b"initdb: warning: enabling \"trust\" authentication for local connections",
        ];
        for l in server {
            assert!(
                !is_other_program(l, find_label(l)),
                "{}",
                String::from_utf8_lossy(l)
            );
        }
    }
}
