//! Inferring `log_line_prefix` from the prefixes seen in a log, when the user does not
//! say what it is: each prefix proposes a format from the shapes in it, and the format
//! that parses the most prefixes wins.

use super::prefix::{datetime, Escape, Item, Prefix};
use nom::bytes::complete::tag;
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::Parser;

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
    let mut g = Guess::default();
    let mut i = 0;
    while i < p.len() {
        let rest = &p[i..];
        let consumed = g
            .time(rest)
            .or_else(|| g.bracketed(rest))
            .or_else(|| g.labelled(rest))
            .or_else(|| g.token(rest));
        match consumed {
            Some(n) => i += n,
            None => {
                g.literal(rest[0]);
                i += 1;
            }
        }
    }
    g.out
}

/// The format proposed so far for one prefix. Each step looks at the rest of the prefix
/// and says how many bytes it explained.
#[derive(Default)]
struct Guess {
    out: String,
    have_pid: bool,
    have_time: bool,
}

impl Guess {
    fn time(&mut self, rest: &[u8]) -> Option<usize> {
        if self.have_time {
            return None;
        }
        if time_of_day(rest) {
            // No escape prints a time without its date: a viewer's or an application's
            // stamp, kept literal rather than read as numbers (`%p:%l:%l`).
            self.out.push_str(&String::from_utf8_lossy(&rest[..8]));
            return Some(8);
        }
        let (r, escape) = if let Ok((r, _)) = datetime(true)(rest) {
            (r, "%m")
        } else if let Ok((r, _)) = datetime(false)(rest) {
            (r, "%t")
        } else {
            let (r, v) = recognize((digit1::<&[u8], ()>, tag("."), digit1))
                .parse(rest)
                .ok()?;
            if v.len() < 12 {
                return None;
            }
            (r, "%n")
        };
        self.out.push_str(escape);
        self.have_time = true;
        Some(rest.len() - r.len())
    }

    /// `[123]` is the pid; `[12-1]` is pgBadger's recommended `[%l-1]`.
    fn bracketed(&mut self, rest: &[u8]) -> Option<usize> {
        let (r, (_, _, dash, _)) = (
            tag::<_, _, ()>("["),
            digit1,
            opt((tag("-"), digit1)),
            tag("]"),
        )
            .parse(rest)
            .ok()?;
        if let Some((_, d)) = dash {
            self.out.push_str("[%l-");
            self.out.push_str(&String::from_utf8_lossy(d));
            self.out.push(']');
        } else if !self.have_pid {
            self.out.push_str("[%p]");
            self.have_pid = true;
        } else {
            self.out.push_str("[%l]");
        }
        Some(rest.len() - r.len())
    }

    /// `label=value` (or Heroku's `label = value`), the label saying what the value is.
    fn labelled(&mut self, rest: &[u8]) -> Option<usize> {
        let word_end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(rest.len());
        let equals = match &rest[word_end..] {
            [b'=', ..] => 1,
            [b' ', b'=', b' ', ..] => 3,
            _ => return None,
        };
        if word_end == 0 {
            return None;
        }
        let label = String::from_utf8_lossy(&rest[..word_end]).to_ascii_lowercase();
        let value_start = word_end + equals;
        // A `]` closes the value (`[queryid=%Q]`) unless the value is itself bracketed
        // (`user=[unknown]`, what background processes print).
        let bracketed = rest.get(value_start) == Some(&b'[');
        let value_len = rest[value_start..]
            .iter()
            .position(|b| matches!(b, b',' | b' ' | b';') || (*b == b']' && !bracketed))
            .unwrap_or(rest.len() - value_start);
        let escape = label_escape(&label, &rest[value_start..value_start + value_len]);
        self.out
            .push_str(&String::from_utf8_lossy(&rest[..value_start]));
        self.out.push_str(escape);
        self.have_pid |= escape == "%p";
        Some(value_start + value_len)
    }

    /// A token recognisable by its shape: `user@database` (either side possibly empty),
    /// an address, a number, a session or transaction id, or an application name.
    fn token(&mut self, rest: &[u8]) -> Option<usize> {
        let token_end = rest
            .iter()
            .position(|b| matches!(b, b' ' | b':' | b',' | b'/' | b'[' | b']' | b'(' | b')'))
            .unwrap_or(rest.len());
        let token = &rest[..token_end];
        if token.contains(&b'@') {
            self.out.push_str("%u@%d");
            return Some(token_end);
        }
        if token.is_empty() {
            return None;
        }
        if let Some(escape) = shape_escape(token, self.have_pid) {
            self.have_pid |= escape == "%p";
            // `%r` prints `host(port)`.
            if escape == "%h" && rest.get(token_end) == Some(&b'(') {
                if let Some(close) = memchr::memchr(b')', &rest[token_end..]) {
                    self.out.push_str("%r");
                    return Some(token_end + close + 1);
                }
            }
            self.out.push_str(escape);
            return Some(token_end);
        }
        // An unlabelled word after the user/database is most often the application.
        let word = token
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-');
        if word && self.out.contains("%d") && !self.out.contains("%a") {
            self.out.push_str("%a");
            return Some(token_end);
        }
        None
    }

    fn literal(&mut self, byte: u8) {
        if byte == b'%' {
            self.out.push_str("%%");
        } else {
            self.out.push(byte as char);
        }
    }
}

/// `19:09:27` not followed by more of a number or a date.
fn time_of_day(s: &[u8]) -> bool {
    let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    [0, 1, 3, 4, 6, 7].into_iter().all(digit)
        && s.get(2) == Some(&b':')
        && s.get(5) == Some(&b':')
        && !s.get(8).is_some_and(|b| b.is_ascii_digit() || *b == b'.')
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
        "sqlstate" | "state" | "code" | "sql_error_code" | "e" => "%e",
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
            // Heroku's, as the logplex fixture's lines have it once their frame is peeled.
            (
                "sql_error_code = %e ",
                &["sql_error_code = 00000 ", "sql_error_code = 40P01 "],
            ),
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
}
