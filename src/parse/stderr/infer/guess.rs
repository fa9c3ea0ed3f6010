//! One prefix's proposal: the format its shapes suggest. Words no shape or label names
//! (`client backend`, `postgres nosuchrole`) are free-text slots, proposed three ways:
//! as the literal text, as unnamed text (`%i`), and named as user, database, application.

use super::super::prefix::{datetime, session_pid};
use nom::bytes::complete::tag;
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::Parser;

/// A slot no shape named, in `Guess::out` until the variants are written.
const SLOT: char = '\u{0}';

/// One format a prefix suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Proposal {
    pub format: String,
    /// Escapes put where a word was that no shape or label named.
    pub guessed: usize,
    /// Whether those guesses were given field names (`%u %d %a`) rather than `%i`.
    pub named: bool,
}

/// The formats a prefix suggests: one, or three when it has words no shape names.
pub(super) fn propose(p: &[u8]) -> Vec<Proposal> {
    let g = infer(p);
    let guessed = g.words.len();
    let write = |slot: &dyn Fn(usize, &str) -> String| {
        let mut out = String::new();
        let mut n = 0;
        for c in g.out.chars() {
            if c == SLOT {
                out.push_str(&slot(n, &out));
                n += 1;
            } else {
                out.push(c);
            }
        }
        out
    };
    if guessed == 0 {
        return vec![Proposal {
            format: g.out,
            guessed: 0,
            named: false,
        }];
    }
    let literal = write(&|n, _| g.words[n].replace('%', "%%"));
    let unnamed = write(&|_, _| "%i".to_string());
    let named = write(&|_, before| {
        let free = ["%u", "%d", "%a"].into_iter().find(|e| !before.contains(e));
        free.unwrap_or("%i").to_string()
    });
    vec![
        Proposal {
            format: literal,
            guessed: 0,
            named: false,
        },
        Proposal {
            format: unnamed,
            guessed,
            named: false,
        },
        Proposal {
            format: named,
            guessed,
            named: true,
        },
    ]
}

/// Proposes a format for one prefix from the shapes in it: times, bracketed numbers,
/// `label=value` pairs, `user@database`, session ids, addresses. Words after the first
/// escape that no shape names are slots; anything else is literal.
fn infer(p: &[u8]) -> Guess {
    let mut g = Guess::default();
    let mut i = 0;
    while i < p.len() {
        let rest = &p[i..];
        let consumed = g
            .time(rest)
            .or_else(|| g.bracketed(rest))
            .or_else(|| g.labelled(rest))
            .or_else(|| g.session(rest))
            .or_else(|| g.empty(rest))
            .or_else(|| g.token(rest));
        match consumed {
            Some(n) => i += n,
            None => {
                g.literal(rest[0]);
                i += 1;
            }
        }
    }
    g
}

/// The format proposed so far for one prefix. Each step looks at the rest of the prefix
/// and says how many bytes it explained.
#[derive(Default)]
struct Guess {
    out: String,
    have_pid: bool,
    have_time: bool,
    /// The pid a session id (`%c`) holds: a bare number equal to it is `%p`.
    session_pid: Option<u32>,
    /// The text of each slot, for the literal variant.
    words: Vec<String>,
}

impl Guess {
    fn anchored(&self) -> bool {
        self.have_time || self.have_pid || self.session_pid.is_some()
    }

    fn slot(&mut self, word: &[u8]) {
        self.out.push(SLOT);
        self.words.push(String::from_utf8_lossy(word).into_owned());
    }

    fn time(&mut self, rest: &[u8]) -> Option<usize> {
        if time_of_day(rest) && !self.have_time {
            // No escape prints a time without its date: a viewer's or an application's
            // stamp, kept literal rather than read as numbers (`%p:%l:%l`).
            self.out.push_str(&String::from_utf8_lossy(&rest[..8]));
            return Some(8);
        }
        let (r, escape) = if let Ok((r, _)) = datetime(true)(rest) {
            if self.have_time {
                return None;
            }
            (r, "%m")
        } else if let Ok((r, _)) = datetime(false)(rest) {
            // A second time is the session's start.
            (r, if self.have_time { "%s" } else { "%t" })
        } else {
            let (r, v) = recognize((digit1::<&[u8], ()>, tag("."), digit1))
                .parse(rest)
                .ok()?;
            if v.len() < 12 || self.have_time {
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

    /// `%c`, `hex.hex`, wherever it stands (Azure's `%t-%c-` glues it between dashes).
    fn session(&mut self, rest: &[u8]) -> Option<usize> {
        let hex = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        let a = hex(rest);
        let b = hex(rest.get(a + 1..)?);
        let end = a + 1 + b;
        let glued = rest.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
        if a < 6 || rest[a] != b'.' || b == 0 || glued {
            return None;
        }
        self.session_pid = session_pid(&rest[..end]);
        self.out.push_str("%c");
        Some(end)
    }

    /// A space after another where a value could stand: an escape that printed nothing
    /// (`%P` outside parallel workers, the session fields of background processes).
    fn empty(&mut self, rest: &[u8]) -> Option<usize> {
        let after_value = !self.out.ends_with(' ') && !self.out.is_empty();
        if !(self.anchored() && after_value && rest.starts_with(b"  ")) {
            return None;
        }
        self.out.push(' ');
        self.slot(b"");
        Some(1)
    }

    /// A token recognisable by its shape: `user@database` (either side possibly empty),
    /// an address, a number, a query or transaction id, or an application name; after an
    /// escape, any other word is a slot.
    fn token(&mut self, rest: &[u8]) -> Option<usize> {
        let token_end = token_end(rest);
        let token = &rest[..token_end];
        if token.contains(&b'@') {
            self.out.push_str("%u@%d");
            return Some(token_end);
        }
        if token.is_empty() {
            return None;
        }
        if let Some(escape) = self.shape_escape(token) {
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
        let starts_word = token[0].is_ascii_alphanumeric() || token[0] == b'[';
        if self.anchored() && starts_word {
            self.slot(token);
            return Some(token_end);
        }
        None
    }

    /// Escapes recognisable by the value's shape alone.
    fn shape_escape(&self, token: &[u8]) -> Option<&'static str> {
        let all = |f: fn(&u8) -> bool| token.iter().all(f);
        if token == b"[local]" || is_ipv4(token) {
            return Some("%h");
        }
        // A SQLSTATE: five characters, upper-case letters among them or a leading 0
        // (`00000`, `28P01`); PostgreSQL's numbers are never zero-padded. Five digits
        // after the pid (`57014`) are one too: a line number that long is rare, and a
        // transaction id that happens to be is outranked by the lines where it is not.
        let code = all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        let digits = all(u8::is_ascii_digit);
        if token.len() == 5 && code && (token[0] == b'0' || !digits || self.have_pid) {
            return Some("%e");
        }
        if all(u8::is_ascii_digit) {
            let n = std::str::from_utf8(token).ok()?.parse::<u32>().ok();
            return Some(match (self.have_pid, self.session_pid) {
                (false, Some(pid)) if n == Some(pid) => "%p",
                // The session id already holds the pid: a number next to it is another.
                (false, None) => "%p",
                _ => "%l",
            });
        }
        // A signed query id stands alone; a dash glued after an escape is a literal
        // (`%t-%c-%l`).
        let alone = self.out.ends_with(' ');
        if alone && token[0] == b'-' && token.len() > 1 && token[1..].iter().all(u8::is_ascii_digit)
        {
            return Some("%Q");
        }
        if let Some(slash) = memchr::memchr(b'/', token) {
            let (a, b) = (&token[..slash], &token[slash + 1..]);
            if !a.is_empty() && !b.is_empty() && a.iter().chain(b).all(u8::is_ascii_digit) {
                return Some("%v");
            }
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

/// Where a token ends: at a separator, or after a bracketed word (`[local]`, `[unknown]`).
fn token_end(rest: &[u8]) -> usize {
    if rest.first() == Some(&b'[') {
        if let Some(close) = memchr::memchr(b']', rest) {
            if rest[1..close].iter().all(u8::is_ascii_alphabetic) && close > 1 {
                return close + 1;
            }
        }
    }
    // A virtual transaction id, `3/6`; elsewhere a slash separates (`%d/%a`).
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let a = digits(rest);
    if a > 0 && rest.get(a) == Some(&b'/') {
        let b = digits(&rest[a + 1..]);
        if b > 0 {
            return a + 1 + b;
        }
    }
    rest.iter()
        .position(|b| matches!(b, b' ' | b':' | b',' | b'/' | b'[' | b']' | b'(' | b')'))
        .unwrap_or(rest.len())
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

fn is_ipv4(t: &[u8]) -> bool {
    let parts: Vec<&[u8]> = t.split(|b| *b == b'.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit))
}
