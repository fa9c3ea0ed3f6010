//! `log_line_prefix`: compiled from its format string into a matcher, or inferred from the
//! lines themselves when the user does not say what it is.

use nom::bytes::complete::{tag, take_while1, take_while_m_n};
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// One `%` escape of `log_line_prefix`, as documented in runtime-config-logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// `%t`: time without milliseconds.
    Time,
    /// `%m`: time with milliseconds.
    TimeMs,
    /// `%n`: epoch seconds with milliseconds.
    Epoch,
    /// `%s`: session start time (same shape as `%t`).
    SessionStart,
    /// `%p`: the process id.
    Pid,
    /// `%P`, `%l`, `%x`: other numbers (the letter kept for printing the format back).
    Number(u8),
    /// `%c`: session id, `hex.hex`.
    Session,
    /// `%e`: SQLSTATE, five characters.
    Sqlstate,
    /// `%v`: virtual transaction id `n/n` (empty in some processes).
    Vxid,
    /// `%Q`: query id, a signed number.
    QueryId,
    /// `%u`, `%d`, `%a`, `%h`, `%r`, `%b`, `%i`: free text up to what follows.
    User,
    Database,
    Text(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(Vec<u8>),
    Escape(Escape),
    /// `%q`: non-session processes stop the prefix here.
    SessionOnly,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone)]
pub struct Prefix {
    format: String,
    items: Vec<Item>,
}

/// What a prefix told about its line. Slices borrow from the line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PrefixFields<'a> {
    pub time: Option<&'a [u8]>,
    pub epoch: bool,
    pub pid: Option<u32>,
    pub user: Option<&'a [u8]>,
    pub database: Option<&'a [u8]>,
}

impl Prefix {
    /// Compiles a `log_line_prefix` value such as `%m [%p] %q%u@%d `.
    pub fn compile(format: &str) -> Result<Prefix, String> {
        let mut items = Vec::new();
        let mut lit = Vec::new();
        let bytes = format.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'%' {
                lit.push(bytes[i]);
                i += 1;
                continue;
            }
            i += 1;
            // Padding such as %-10u or %5p.
            while i < bytes.len() && (bytes[i] == b'-' || bytes[i].is_ascii_digit()) {
                i += 1;
            }
            let Some(&c) = bytes.get(i) else {
                return Err(format!("log_line_prefix {format:?} ends in a lone %"));
            };
            i += 1;
            let item = match c {
                b'%' => {
                    lit.push(b'%');
                    continue;
                }
                b't' => Item::Escape(Escape::Time),
                b'm' => Item::Escape(Escape::TimeMs),
                b'n' => Item::Escape(Escape::Epoch),
                b's' => Item::Escape(Escape::SessionStart),
                b'p' => Item::Escape(Escape::Pid),
                b'P' | b'l' | b'x' => Item::Escape(Escape::Number(c)),
                b'c' => Item::Escape(Escape::Session),
                b'e' => Item::Escape(Escape::Sqlstate),
                b'v' => Item::Escape(Escape::Vxid),
                b'Q' => Item::Escape(Escape::QueryId),
                b'u' => Item::Escape(Escape::User),
                b'd' => Item::Escape(Escape::Database),
                b'a' | b'h' | b'r' | b'b' | b'i' => Item::Escape(Escape::Text(c)),
                b'q' => Item::SessionOnly,
                other => {
                    return Err(format!(
                        "log_line_prefix {format:?}: unknown escape %{}",
                        other as char
                    ))
                }
            };
            if !lit.is_empty() {
                items.push(Item::Literal(std::mem::take(&mut lit)));
            }
            items.push(item);
        }
        if !lit.is_empty() {
            items.push(Item::Literal(lit));
        }
        Ok(Prefix {
            format: format.to_string(),
            items,
        })
    }

    pub fn format(&self) -> &str {
        &self.format
    }

    /// Matches `prefix`, which must be exactly the text before the level label. Lines of
    /// non-session processes end at `%q`, so a full match is tried first, then the short one.
    pub fn parse<'a>(&self, prefix: &'a [u8]) -> Option<PrefixFields<'a>> {
        if let Some(f) = match_items(&self.items, prefix) {
            return Some(f);
        }
        let q = self.items.iter().position(|i| *i == Item::SessionOnly)?;
        match_items(&self.items[..q], prefix)
    }
}

fn match_items<'a>(items: &[Item], mut s: &'a [u8]) -> Option<PrefixFields<'a>> {
    let mut f = PrefixFields::default();
    for (idx, item) in items.iter().enumerate() {
        match item {
            Item::Literal(l) => s = s.strip_prefix(l.as_slice())?,
            Item::SessionOnly => {}
            Item::Escape(e) => {
                let next = items[idx + 1..].iter().find_map(|i| match i {
                    Item::Literal(l) => Some(l.as_slice()),
                    _ => None,
                });
                let (rest, value) = escape_value(*e, s, next)?;
                match e {
                    Escape::Time | Escape::TimeMs => f.time = Some(value),
                    Escape::Epoch => {
                        f.time = Some(value);
                        f.epoch = true;
                    }
                    Escape::Pid => f.pid = std::str::from_utf8(value).ok()?.parse().ok(),
                    Escape::User => f.user = Some(value),
                    Escape::Database => f.database = Some(value),
                    _ => {}
                }
                s = rest;
            }
        }
    }
    s.is_empty().then_some(f)
}

type Res<'a> = IResult<&'a [u8], &'a [u8]>;

/// `2024-01-02 03:04:05[.678] ZONE`; the zone never holds a colon, since prefixes such as
/// `%t:%h:` put one straight after it.
fn datetime(millis: bool) -> impl Fn(&[u8]) -> Res<'_> {
    move |s| {
        let two = || take_while_m_n(2, 2, |b: u8| b.is_ascii_digit());
        let core = (
            take_while_m_n(4, 4, |b: u8| b.is_ascii_digit()),
            tag("-"),
            two(),
            tag("-"),
            two(),
            tag(" "),
            two(),
            tag(":"),
            two(),
            tag(":"),
            two(),
        );
        let zone = preceded(
            tag(" "),
            take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'-'),
        );
        if millis {
            recognize((core, tag("."), digit1, zone)).parse(s)
        } else {
            recognize((core, zone)).parse(s)
        }
    }
}

fn escape_value<'a>(e: Escape, s: &'a [u8], next: Option<&[u8]>) -> Option<(&'a [u8], &'a [u8])> {
    let is_hex = |b: u8| b.is_ascii_hexdigit();
    let r: Res<'a> = match e {
        Escape::Time | Escape::SessionStart => datetime(false)(s),
        Escape::TimeMs => datetime(true)(s),
        Escape::Epoch => recognize((digit1, tag("."), digit1)).parse(s),
        Escape::Pid | Escape::Number(_) => digit1(s),
        Escape::Session => recognize((take_while1(is_hex), tag("."), take_while1(is_hex))).parse(s),
        Escape::Sqlstate => take_while_m_n(5, 5, |b: u8| b.is_ascii_alphanumeric())(s),
        Escape::Vxid => recognize(opt((digit1, tag("/"), digit1))).parse(s),
        Escape::QueryId => recognize((opt(tag("-")), digit1)).parse(s),
        Escape::User | Escape::Database | Escape::Text(_) => {
            // Free text runs to the next literal; with nothing after it, to the end.
            let end = match next {
                Some(l) => memchr::memmem::find(s, l)?,
                None => s.len(),
            };
            Ok((&s[end..], &s[..end]))
        }
    };
    r.ok()
}

/// Escapes that only session processes print, before which `%q` goes.
fn is_session_only(e: Escape) -> bool {
    matches!(e, Escape::User | Escape::Database | Escape::Text(_))
}

/// Infers `log_line_prefix` from prefixes seen in a log (the text before each level label).
/// Each prefix proposes a format from the shapes in it; the one that parses the most
/// prefixes wins. Returns `None` when nothing parses at least half of them.
pub fn detect(prefixes: &[&[u8]]) -> Option<Prefix> {
    let mut candidates: Vec<String> = Vec::new();
    for p in prefixes {
        let guess = infer(p);
        for f in [with_session_marker(&guess), guess] {
            if !candidates.contains(&f) {
                candidates.push(f);
            }
        }
    }
    let mut best: Option<(usize, Prefix)> = None;
    for c in candidates {
        let Ok(prefix) = Prefix::compile(&c) else {
            continue;
        };
        let score = prefixes
            .iter()
            .filter(|p| prefix.parse(p).is_some())
            .count();
        // Prefer the format that parses more; on a tie the one with more escapes (so that
        // `%u` is not read as a literal user name that happened to repeat), then the one
        // without `%q` (which is only needed when short lines are seen).
        let better = match &best {
            None => true,
            Some((s, b)) => {
                score > *s
                    || (score == *s && escapes(&prefix) > escapes(b))
                    || (score == *s
                        && escapes(&prefix) == escapes(b)
                        && prefix.items.len() < b.items.len())
            }
        };
        if better {
            best = Some((score, prefix));
        }
    }
    best.filter(|(score, _)| *score * 2 >= prefixes.len() && *score > 0)
        .map(|(_, p)| p)
}

fn escapes(p: &Prefix) -> usize {
    p.items
        .iter()
        .filter(|i| matches!(i, Item::Escape(_)))
        .count()
}

/// Puts `%q` before the first session-only escape: `%m [%p] %u@%d ` → `%m [%p] %q%u@%d `.
fn with_session_marker(format: &str) -> String {
    let Ok(p) = Prefix::compile(format) else {
        return format.to_string();
    };
    let Some(first) = p
        .items
        .iter()
        .position(|i| matches!(i, Item::Escape(e) if is_session_only(*e)))
    else {
        return format.to_string();
    };
    // Keep a label such as `user=` after %q: it is printed only with the value.
    let mut out = String::new();
    for (idx, item) in p.items.iter().enumerate() {
        if idx + 1 == first {
            if let Item::Literal(l) = item {
                let l = String::from_utf8_lossy(l);
                let keep =
                    l.trim_end_matches(|c: char| c.is_alphanumeric() || c == '=' || c == '_');
                out.push_str(&keep.replace('%', "%%"));
                out.push_str("%q");
                out.push_str(&l[keep.len()..].replace('%', "%%"));
                continue;
            }
        }
        if idx == first && (idx == 0 || !matches!(p.items[idx - 1], Item::Literal(_))) {
            out.push_str("%q");
        }
        push_item(&mut out, item);
    }
    out
}

fn push_item(out: &mut String, item: &Item) {
    match item {
        Item::Literal(l) => out.push_str(&String::from_utf8_lossy(l).replace('%', "%%")),
        Item::SessionOnly => out.push_str("%q"),
        Item::Escape(e) => {
            out.push('%');
            out.push(match e {
                Escape::Time => 't',
                Escape::TimeMs => 'm',
                Escape::Epoch => 'n',
                Escape::SessionStart => 's',
                Escape::Pid => 'p',
                Escape::Number(c) | Escape::Text(c) => *c as char,
                Escape::Session => 'c',
                Escape::Sqlstate => 'e',
                Escape::Vxid => 'v',
                Escape::QueryId => 'Q',
                Escape::User => 'u',
                Escape::Database => 'd',
            });
        }
    }
}

/// Proposes a format for one prefix from the shapes in it: times, bracketed numbers,
/// `label=value` pairs, `user@database`, addresses. Anything else is literal.
fn infer(p: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    let mut have_pid = false;
    let mut have_time = false;
    while i < p.len() {
        let rest = &p[i..];
        if !have_time {
            if let Ok((r, _)) = datetime(true)(rest) {
                out.push_str("%m");
                have_time = true;
                i = p.len() - r.len();
                continue;
            }
            if let Ok((r, _)) = datetime(false)(rest) {
                out.push_str("%t");
                have_time = true;
                i = p.len() - r.len();
                continue;
            }
            if let Ok((r, v)) = recognize((digit1::<&[u8], ()>, tag("."), digit1)).parse(rest) {
                if v.len() >= 12 {
                    out.push_str("%n");
                    have_time = true;
                    i = p.len() - r.len();
                    continue;
                }
            }
        }
        // `[123]` is the pid; `[12-1]` is pgBadger's recommended `[%l-1]`.
        if rest[0] == b'[' {
            if let Ok((r, (_, n, dash, _))) = (
                tag::<_, _, ()>("["),
                digit1,
                opt((tag("-"), digit1)),
                tag("]"),
            )
                .parse(rest)
            {
                let _ = n;
                if let Some((_, d)) = dash {
                    out.push_str("[%l-");
                    out.push_str(&String::from_utf8_lossy(d));
                    out.push(']');
                } else if !have_pid {
                    out.push_str("[%p]");
                    have_pid = true;
                } else {
                    out.push_str("[%l]");
                }
                i = p.len() - r.len();
                continue;
            }
        }
        let word_end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(rest.len());
        if word_end > 0 && rest.get(word_end) == Some(&b'=') {
            let label = String::from_utf8_lossy(&rest[..word_end]).to_ascii_lowercase();
            let value_start = word_end + 1;
            let value_len = rest[value_start..]
                .iter()
                .position(|b| matches!(b, b',' | b' ' | b';'))
                .unwrap_or(rest.len() - value_start);
            let value = &rest[value_start..value_start + value_len];
            out.push_str(&String::from_utf8_lossy(&rest[..value_start]));
            out.push_str(label_escape(&label, value));
            if label_escape(&label, value) == "%p" {
                have_pid = true;
            }
            i += value_start + value_len;
            continue;
        }
        // `user@database`, either side possibly empty.
        let token_end = rest
            .iter()
            .position(|b| matches!(b, b' ' | b':' | b',' | b'/' | b'[' | b']' | b'(' | b')'))
            .unwrap_or(rest.len());
        let token = &rest[..token_end];
        if let Some(at) = memchr::memchr(b'@', token) {
            let _ = at;
            out.push_str("%u@%d");
            i += token_end;
            continue;
        }
        if token_end > 0 {
            if let Some(esc) = shape_escape(token, have_pid) {
                if esc == "%p" {
                    have_pid = true;
                }
                out.push_str(esc);
                i += token_end;
                // `%r` prints `host(port)`.
                if esc == "%h" && p.get(i) == Some(&b'(') {
                    if let Some(close) = memchr::memchr(b')', &p[i..]) {
                        out.truncate(out.len() - 2);
                        out.push_str("%r");
                        i += close + 1;
                    }
                }
                continue;
            }
            if token
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            {
                // An unlabelled word after the user/database is most often the application.
                if out.contains("%d") && !out.contains("%a") {
                    out.push_str("%a");
                    i += token_end;
                    continue;
                }
            }
        }
        let ch = rest[0] as char;
        if ch == '%' {
            out.push_str("%%");
        } else {
            out.push(ch);
        }
        i += 1;
    }
    out
}

fn label_escape(label: &str, value: &[u8]) -> &'static str {
    match label {
        "user" | "usr" | "u" | "username" | "role" => "%u",
        "db" | "database" | "dbname" | "d" => "%d",
        "app" | "application" | "appname" | "application_name" | "a" => "%a",
        "pid" | "p" => "%p",
        "session" | "sid" | "session_id" | "c" => "%c",
        "line" | "l" => "%l",
        "xid" | "tx" | "x" => "%x",
        "vxid" | "v" => "%v",
        "sqlstate" | "state" | "code" | "e" => "%e",
        "qid" | "query_id" | "queryid" => "%Q",
        "type" | "backend" | "backend_type" | "b" => "%b",
        "tag" | "cmd" | "command" | "i" => "%i",
        _ if value.contains(&b'(') => "%r",
        _ => "%h",
    }
}

/// Escapes recognisable by the value's shape alone.
fn shape_escape(token: &[u8], have_pid: bool) -> Option<&'static str> {
    let all = |f: fn(&u8) -> bool| token.iter().all(f);
    if token == b"[local]" || is_ipv4(token) {
        return Some("%h");
    }
    if all(u8::is_ascii_digit) {
        return Some(if have_pid { "%l" } else { "%p" });
    }
    if let Some(dot) = memchr::memchr(b'.', token) {
        let (a, b) = (&token[..dot], &token[dot + 1..]);
        if a.len() >= 6 && !b.is_empty() && a.iter().chain(b).all(u8::is_ascii_hexdigit) {
            return Some("%c");
        }
    }
    if let Some(slash) = memchr::memchr(b'/', token) {
        let (a, b) = (&token[..slash], &token[slash + 1..]);
        if !a.is_empty() && !b.is_empty() && a.iter().chain(b).all(u8::is_ascii_digit) {
            return Some("%v");
        }
    }
    None
}

fn is_ipv4(t: &[u8]) -> bool {
    let parts: Vec<&[u8]> = t.split(|b| *b == b'.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_prefix_reads_its_fields() {
        let p = Prefix::compile("%m [%p] %q%u@%d/%a ").unwrap();
        let f = p
            .parse(b"2026-11-27 19:40:01.123 UTC [42] app@shop/psql ")
            .unwrap();
        assert_eq!(f.pid, Some(42));
        assert_eq!(f.user, Some(&b"app"[..]));
        assert_eq!(f.database, Some(&b"shop"[..]));
        assert_eq!(f.time, Some(&b"2026-11-27 19:40:01.123 UTC"[..]));
        // A background process stops at %q.
        let bg = p.parse(b"2026-11-27 19:40:01.123 UTC [7] ").unwrap();
        assert_eq!(bg.pid, Some(7));
        assert!(p.parse(b"garbage ").is_none());
    }

    /// Prefix texts cut from the pgBadger fixtures' lines (see SOURCE.md there) and from
    /// sample-logs; the formats are the ones those logs were written with.
    #[test]
    fn detection_recovers_known_formats() {
        let cases: &[(&str, &[&str])] = &[
            (
                "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
                &[
                    "2017-09-06 08:40:10 UTC [20]: [1-1] user=,db=,app=,client= ",
                    "2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=postgres,app=pgbench,client=172.23.0.1 ",
                ],
            ),
            (
                "%t:%h:%u@%d:[%p]:",
                &["2021-05-27 17:00:00 UTC:10.1.91.65:user@my_db:[24743]:"],
            ),
            (
                "%t [%p]: db=%d,user=%u,app=%a,client=%h ",
                &["2021-02-14 01:34:02 CET [30291]: db=[unknown],user=[unknown],app=[unknown],client=[local] "],
            ),
            ("%m [%p] ", &["2019-10-21 12:03:31.311 MSK [5133] "]),
            (
                "%m [%p] %q%u@%d/%a ",
                &[
                    "2026-11-27 19:40:01.123 UTC [1] ",
                    "2026-11-27 19:40:01.123 UTC [42] app@shop/psql ",
                    "2026-11-27 19:40:01.123 UTC [43] [unknown]@[unknown]/[unknown] ",
                ],
            ),
        ];
        for (want, prefixes) in cases {
            let bytes: Vec<&[u8]> = prefixes.iter().map(|p| p.as_bytes()).collect();
            let got = detect(&bytes).expect(want);
            assert_eq!(got.format(), *want);
        }
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(Prefix::compile("%m %").is_err());
        assert!(Prefix::compile("%m %y").is_err());
    }
}
