//! Records: one event as PostgreSQL logged it — a main line, plus the DETAIL/HINT/CONTEXT/
//! STATEMENT/QUERY lines and TAB-continued lines that complete it. Every input format
//! produces the same record, so consumers never ask which format it came from.

use crate::severity::Level;

/// One assembled record. Slices borrow from the parser's reused buffers and are valid only
/// for the duration of the callback that receives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Record<'a> {
    /// The main line, framing removed (for csvlog and jsonlog, a `TIME [PID] LEVEL:  message`
    /// line standing in for the one a person would read).
    pub line: &'a [u8],
    pub level: Option<Level>,
    /// The first line of the message, after `LEVEL:  `; the whole line when unprefixed.
    /// Catalogue templates match this line, whatever the input format.
    pub message: &'a [u8],
    /// The rest of a multi-line message (autovacuum's `pages:`/`tuples:` lines, a
    /// statement logged over several lines), its lines joined with `\n`, leading TABs
    /// removed: the same text whether the input was stderr (TAB-continued lines) or
    /// csvlog/jsonlog (newlines inside the message field). Lines continuing a DETAIL or
    /// STATEMENT line are not part of it.
    pub continuation: Option<&'a [u8]>,
    pub pid: Option<u32>,
    /// The time from the prefix (`epoch` when it is `%n`), else from the container runtime.
    pub time: Option<&'a [u8]>,
    pub epoch: bool,
    pub service: Option<&'a [u8]>,
    /// The session's role (`%u`, csvlog's user_name, jsonlog's user).
    pub user: Option<&'a [u8]>,
    /// The session's database (`%d`, database_name, dbname).
    pub database: Option<&'a [u8]>,
    /// The session's application_name (`%a`).
    pub application: Option<&'a [u8]>,
    /// The client host (`%h`), or host and port as the format writes them (`%r`'s
    /// `host(port)`, csvlog's `host:port`).
    pub client: Option<&'a [u8]>,
    pub detail: Option<&'a [u8]>,
    /// The statement PostgreSQL logged with the event (`STATEMENT:` line).
    pub statement: Option<&'a [u8]>,
    /// The SQLSTATE (`28P01`): `log_error_verbosity = verbose` writes it before the
    /// message, `%e` in the prefix, csvlog and jsonlog in a field of their own.
    pub sqlstate: Option<&'a [u8]>,
    /// Physical lines the record spans.
    pub lines: u32,
}

/// Splits `28P01: message` (verbose mode) into the SQLSTATE and the message. Five
/// digits or capitals with at least one digit, as every SQLSTATE has, so that no English
/// word before a colon is taken for one.
pub fn split_sqlstate(message: &[u8]) -> Option<(&[u8], &[u8])> {
    let code = message.get(..5)?;
    let ok =
        is_sqlstate(code) && code.iter().any(u8::is_ascii_digit) && message[5..].starts_with(b": ");
    ok.then(|| (code, &message[7..]))
}

/// Five digits or capitals: a SQLSTATE's shape.
pub fn is_sqlstate(code: &[u8]) -> bool {
    code.len() == 5
        && code
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// Counts of what became of each line, so that nothing disappears unreported.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineCounts {
    pub lines: u64,
    pub records: u64,
    /// Records without a log_line_prefix (initdb, entrypoint, shell output).
    pub unprefixed_records: u64,
    /// Lines that joined a record: DETAIL/HINT/... and continuation lines.
    pub continuation_lines: u64,
    /// Continuation lines that had no record to join (a DETAIL whose main line was cut
    /// off at the start of the log, or another process's).
    pub orphan_lines: u64,
    pub blank_lines: u64,
    /// Labelled lines whose prefix did not match the detected log_line_prefix.
    pub prefix_mismatches: u64,
    /// Other programs' lines in the stream (a client's `psql: FATAL:`, Patroni, repmgrd,
    /// an application's log, systemd in a syslog): counted, not taken as the server's.
    pub other_program_lines: u64,
}

impl LineCounts {
    /// Nothing read yet: what an input reports before its format is known.
    pub const NONE: LineCounts = LineCounts {
        lines: 0,
        records: 0,
        unprefixed_records: 0,
        continuation_lines: 0,
        orphan_lines: 0,
        blank_lines: 0,
        prefix_mismatches: 0,
        other_program_lines: 0,
    };
}

#[cfg(test)]
mod tests {
    use super::split_sqlstate;

    /// Hand-made message texts, not server output: the edges of the SQLSTATE shape.
    #[test]
    fn only_a_sqlstate_shape_is_split_off() {
        let split = |m: &str| split_sqlstate(m.as_bytes()).map(|(c, _)| c.to_vec());
        assert_eq!(split("28P01: password"), Some(b"28P01".to_vec()));
        assert_eq!(split("00000: checkpoint starting"), Some(b"00000".to_vec()));
        assert_eq!(split("TRAP: x"), None);
        assert_eq!(split("ABCDE: no digit"), None);
        assert_eq!(split("28P01:no space"), None);
        assert_eq!(split("28p01: lower case"), None);
        assert_eq!(split("2"), None);
    }
}
