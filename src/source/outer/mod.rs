//! Outer framings: what a log shipper, a platform or a terminal wrapped around
//! PostgreSQL's own line (syslog, journald, Heroku's logplex, fly.io, `kubectl --prefix`,
//! Grafana/Loki exports, a viewer's time glued to the level), peeled before the
//! log_line_prefix is learnt so that it is never learnt as part of it. Each framing is one
//! module with one `peel` function, registered in [`OUTER`]; the first that accepts a line
//! peels it. The pid and time a frame carries are fallbacks: PostgreSQL's own prefix wins.

mod fly;
pub mod glued;
mod heroku;
pub mod journald;
pub mod kubernetes;
mod loki;
pub mod syslog;
pub mod text;

use super::framings::Framing;

/// A line with its outer frame removed. Slices borrow from the line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Peeled<'a> {
    pub text: &'a [u8],
    /// The frame's time (syslog's, the platform's), used when the prefix has none.
    pub time: Option<&'a [u8]>,
    /// The frame's pid (`postgres[PID]`, `app[postgres.PID]`), used when the prefix has none.
    pub pid: Option<u32>,
    /// The frame numbers this line as a later chunk of the previous message (syslog's
    /// `[N-2]`): it continues the open record even without a TAB.
    pub continues: bool,
    /// The frame says the line is another program's (systemd, an application dyno,
    /// repmgrd beside PostgreSQL), not the server's.
    pub other_program: bool,
    /// rsyslog's `#011`-style escapes of control characters may be in the text.
    pub octal_escapes: bool,
}

impl<'a> Peeled<'a> {
    fn text(text: &'a [u8]) -> Self {
        Peeled {
            text,
            ..Peeled::default()
        }
    }
}

/// One outer framing: its name in the report, a test of a few fixed bytes that its lines
/// all pass (so that a line is only offered to the framings that could have written it:
/// most lines are ruled out in a comparison or two), and the function that peels it.
pub struct Outer {
    pub framing: Framing,
    pub opens: fn(&[u8]) -> bool,
    pub peel: for<'a> fn(&'a [u8]) -> Option<Peeled<'a>>,
}

/// Every outer framing, in the order they are tried. Each checks a fixed shape at the
/// start of the line, so the order only matters where shapes share a start: Heroku and
/// fly.io both open with an RFC 3339 time, and Loki's export does too (with a TAB).
pub const OUTER: &[Outer] = &[
    syslog::RFC5424,
    syslog::RFC3164,
    journald::SHORT_ISO,
    heroku::LOGPLEX,
    fly::FLY,
    loki::EXPORT,
    glued::GLUED,
];

/// The first outer framing that accepts `line`, and what it leaves.
pub fn peel(line: &[u8]) -> Option<(Framing, Peeled<'_>)> {
    OUTER
        .iter()
        .filter(|o| (o.opens)(line))
        .find_map(|o| (o.peel)(line).map(|p| (o.framing, p)))
}

/// `word[digits]` at the start of `s`: a syslog tag or a dyno (`app[postgres.12]`), its
/// name, what is inside the brackets, and the rest after `]`.
fn bracketed_tag(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let open = memchr::memchr(b'[', &s[..s.len().min(128)])?;
    let name = &s[..open];
    if name.is_empty() || name.contains(&b' ') {
        return None;
    }
    let close = open + memchr::memchr(b']', &s[open..])?;
    Some((name, &s[open + 1..close], &s[close + 1..]))
}

/// The line starts with a byte `f` accepts.
fn first(line: &[u8], f: fn(&u8) -> bool) -> bool {
    line.first().is_some_and(f)
}

/// The line could start with an RFC 3339 time (`2019-03-14T00:22:56...`).
fn iso_t(line: &[u8]) -> bool {
    line.get(10) == Some(&b'T')
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}
