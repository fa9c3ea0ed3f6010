//! `log_line_prefix`: compiled from its format string into a matcher that reads a line's
//! prefix into the fields statistics need (time, pid, session). Inference from the lines
//! themselves is in `infer`.

use super::label::{find_label, Labelled};
use crate::bytes::{find, leading_digits};
pub use first::Repeat;
use first::{first_path, match_first, Path};
use nom::bytes::complete::{tag, take_while1, take_while_m_n};
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::error::ErrorKind;
use nom::{IResult, Parser};

/// One `%` escape of `log_line_prefix`, as documented in runtime-config-logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Escape {
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
    /// `%u`, `%d`, `%a`, `%h`, `%r`, `%L`, `%b`, `%i`: free text up to what follows.
    User,
    Database,
    Text(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    Literal(Vec<u8>),
    Escape(Escape),
    /// `%q`: non-session processes stop the prefix here.
    SessionOnly,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone)]
pub struct Prefix {
    format: String,
    pub(super) items: Vec<Item>,
    /// The first path through `items`; where `%q` is, and the first path through the
    /// items before it.
    first: Path,
    short: Option<(usize, Path)>,
}

/// What a prefix told about its line. Slices borrow from the line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PrefixFields<'a> {
    pub time: Option<&'a [u8]>,
    pub epoch: bool,
    pub pid: Option<u32>,
    pub user: Option<&'a [u8]>,
    pub database: Option<&'a [u8]>,
    /// `%a`.
    pub application: Option<&'a [u8]>,
    /// `%h`, or `%r`'s `host(port)`.
    pub client: Option<&'a [u8]>,
    /// `%e`.
    pub sqlstate: Option<&'a [u8]>,
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
                b'a' | b'h' | b'r' | b'L' | b'b' | b'i' => Item::Escape(Escape::Text(c)),
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
        let q = items.iter().position(|i| *i == Item::SessionOnly);
        Ok(Prefix {
            format: format.to_string(),
            first: first_path(&items),
            short: q.map(|q| (q, first_path(&items[..q]))),
            items,
        })
    }

    pub fn format(&self) -> &str {
        &self.format
    }

    /// What `parse` reads after pg_ctl's progress dots (`waiting for server to start....`),
    /// for a line `parse` did not read: the server's first lines are glued to them when both
    /// write to one stream, and keep their own prefix's time and pid.
    pub fn parse_after_dots<'a>(&self, prefix: &'a [u8]) -> Option<PrefixFields<'a>> {
        let dots = memchr::memmem::find(prefix, b"..")?;
        let end = prefix[dots..].iter().position(|b| *b != b'.')? + dots;
        self.parse(&prefix[end..])
    }

    /// `parse` for a stream's next line: `last` holds what the line before read of its
    /// free text, which the next line mostly repeats.
    pub fn parse_next<'a>(&self, prefix: &'a [u8], last: &mut Repeat) -> Option<PrefixFields<'a>> {
        let mut f = PrefixFields::default();
        if last.walk(&self.first, prefix, &mut f) {
            return Some(f);
        }
        self.parse_off_first(prefix)
    }

    /// A stream's next line's label, and in `fields` what its prefix reads: from the
    /// last line's, where the line repeats its bytes from its first free text through its
    /// label (`Repeat::walk_line`); else searched for, and the prefix read by
    /// `parse_next`. The fields are the caller's, so that they stay in place: moved on
    /// every line, their copies cost more than reading them.
    pub fn label_and_fields<'a>(
        &self,
        line: &'a [u8],
        last: &mut Repeat,
        fields: &mut Option<PrefixFields<'a>>,
    ) -> Option<Labelled> {
        let read = fields.insert(PrefixFields::default());
        if let Some(l) = last.walk_line(&self.first, line, read) {
            return Some(l);
        }
        *fields = None;
        let labelled = find_label(line);
        if let Some(l) = labelled.filter(|l| l.prefix_len > 0) {
            *fields = self.parse_next(&line[..l.prefix_len], last);
            if fields.is_some() {
                last.keep_label(&self.first, line, l);
            }
        }
        labelled
    }

    /// Matches `prefix`, which must be exactly the text before the level label. Lines of
    /// non-session processes end at `%q`, so a full match is tried first, then the short one.
    pub fn parse<'a>(&self, prefix: &'a [u8]) -> Option<PrefixFields<'a>> {
        let mut f = PrefixFields::default();
        if match_first(&self.first, prefix, &mut f) {
            return Some(f);
        }
        self.parse_off_first(prefix)
    }

    /// `parse` for a line the full first path did not read.
    fn parse_off_first<'a>(&self, prefix: &'a [u8]) -> Option<PrefixFields<'a>> {
        if let Some(f) = match_other_paths(&self.items, prefix) {
            return Some(f);
        }
        let (q, short) = self.short.as_ref()?;
        match_items(&self.items[..*q], short, prefix)
    }
}

/// Tries per line before giving up on it: a prefix such as `%b %i ` has
/// to try where one ends (`client backend SELECT `), but never without bound.
const FREE_TEXT_TRIES: usize = 64;

impl Escape {
    /// `%u %d %a %h %r %L %b %i`: text of any shape, which only what follows ends.
    pub(super) fn is_free_text(self) -> bool {
        matches!(self, Escape::User | Escape::Database | Escape::Text(_))
    }
}

/// `first` is `items`' first path.
fn match_items<'a>(items: &[Item], first: &Path, s: &'a [u8]) -> Option<PrefixFields<'a>> {
    let mut f = PrefixFields::default();
    if match_first(first, s, &mut f) {
        return Some(f);
    }
    match_other_paths(items, s)
}

/// Matches `items` along any path, for a line their first path did not read.
fn match_other_paths<'a>(items: &[Item], s: &'a [u8]) -> Option<PrefixFields<'a>> {
    let mut tries = FREE_TEXT_TRIES;
    let mut f = PrefixFields::default();
    match_from(items, s, &mut f, &mut tries).then_some(f)
}

/// The literal a free-text value runs up to: the next one in the format.
fn next_literal(rest: &[Item]) -> Option<&[u8]> {
    rest.iter().find_map(|i| match i {
        Item::Literal(l) => Some(l.as_slice()),
        _ => None,
    })
}

/// Matches `items` against `s`, filling `f`. Free text runs to an occurrence of the next
/// literal: the first that lets the rest match, so that free-text values side by side
/// (`%b %i`, whose values hold spaces) still read a line. The fields are set in place and
/// put back only where a free-text attempt fails: every line's prefix goes through here.
fn match_from<'a>(
    items: &[Item],
    s: &'a [u8],
    f: &mut PrefixFields<'a>,
    tries: &mut usize,
) -> bool {
    let Some((item, rest)) = items.split_first() else {
        return s.is_empty();
    };
    match item {
        Item::Literal(l) => strip(s, l).is_some_and(|s| match_from(rest, s, f, tries)),
        Item::SessionOnly => match_from(rest, s, f, tries),
        Item::Escape(e) if e.is_free_text() => {
            let Some(next) = next_literal(rest) else {
                return set(f, *e, s) && match_from(rest, &s[s.len()..], f, tries);
            };
            for end in occurrences(s, next) {
                if *tries == 0 {
                    return false;
                }
                *tries -= 1;
                let before = *f;
                if set(f, *e, &s[..end]) && match_from(rest, &s[end..], f, tries) {
                    return true;
                }
                *f = before;
            }
            false
        }
        Item::Escape(e) => escape_value(*e, s)
            .is_some_and(|(after, value)| set(f, *e, value) && match_from(rest, after, f, tries)),
    }
}

/// Where `needle` (a prefix literal: not empty) occurs in `s`, left to right, not
/// overlapping, as `memmem::find_iter` gives them.
fn occurrences<'s>(s: &'s [u8], needle: &'s [u8]) -> impl Iterator<Item = usize> + 's {
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + find(s.get(from..)?, needle)?;
        from = at + needle.len();
        Some(at)
    })
}

/// `s` after `literal`, if it starts with it. A prefix's literals are a few bytes, which
/// `bytes::eq` compares a word at a time, inline, in less than the call `strip_prefix`
/// makes to `memcmp`.
fn strip<'s>(s: &'s [u8], literal: &[u8]) -> Option<&'s [u8]> {
    let (head, rest) = s.split_at_checked(literal.len())?;
    crate::bytes::eq(head, literal).then_some(rest)
}

/// Sets in `f` what escape `e` read as `value`; false (and `f` untouched) if the value
/// cannot be what the escape prints.
#[inline]
fn set<'a>(f: &mut PrefixFields<'a>, e: Escape, value: &'a [u8]) -> bool {
    match e {
        Escape::Time | Escape::TimeMs => f.time = Some(value),
        Escape::Epoch => {
            f.time = Some(value);
            f.epoch = true;
        }
        Escape::Pid => match decimal(value) {
            Some(pid) => f.pid = Some(pid),
            None => return false,
        },
        // `%c` is the session's start and pid in hex: the pid for prefixes without `%p`
        // (Azure's `%t-%c-`).
        Escape::Session => f.pid = f.pid.or_else(|| session_pid(value)),
        Escape::User => f.user = Some(value),
        Escape::Database => f.database = Some(value),
        Escape::Text(b'a') => f.application = Some(value),
        Escape::Text(b'h' | b'r') => f.client = Some(value),
        Escape::Sqlstate => f.sqlstate = Some(value),
        _ => {}
    }
    true
}

/// A pid: decimal digits that fit a `u32`.
fn decimal(value: &[u8]) -> Option<u32> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u32, |v, b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        v.checked_mul(10)?.checked_add(u32::from(d))
    })
}

/// The pid in a session id (`6b112b1c.77e1`: 0x77e1).
pub(super) fn session_pid(session: &[u8]) -> Option<u32> {
    let dot = memchr::memchr(b'.', session)?;
    u32::from_str_radix(std::str::from_utf8(&session[dot + 1..]).ok()?, 16).ok()
}

type Res<'a> = IResult<&'a [u8], &'a [u8]>;

/// `2024-01-02 03:04:05[.678] ZONE`. The zone is an abbreviation (`UTC`, `CEST`) or a
/// numeric offset (`-03`, `+0530`), never both, so that what follows it in prefixes such as
/// `%t:%h:` or `%t-%c-` is not taken for part of it. Read byte by byte: every line's prefix
/// starts with it, and combinators cost several times as much.
pub(super) fn datetime(millis: bool) -> impl Fn(&[u8]) -> Res<'_> {
    move |s| match datetime_len(s, millis) {
        Some(n) => Ok((&s[n..], &s[..n])),
        None => Err(nom::Err::Error(nom::error::Error::new(s, ErrorKind::Tag))),
    }
}

fn datetime_len(s: &[u8], millis: bool) -> Option<usize> {
    const SHAPE: &[u8; 19] = b"0000-00-00 00:00:00";
    let core = s.get(..SHAPE.len())?;
    let shaped = core.iter().zip(SHAPE).all(|(b, c)| match c {
        b'0' => b.is_ascii_digit(),
        _ => b == c,
    });
    if !shaped {
        return None;
    }
    let mut at = SHAPE.len();
    if millis {
        let fraction = s.get(at + 1..).map_or(0, leading_digits);
        if s.get(at) != Some(&b'.') || fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    if s.get(at) != Some(&b' ') {
        return None;
    }
    let zone = &s[at + 1..];
    let letters = zone.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let offset = zone
        .get(1..)
        .map_or(0, |z| leading_digits(&z[..z.len().min(4)]));
    if letters > 0 {
        Some(at + 1 + letters)
    } else if matches!(zone.first(), Some(b'+' | b'-')) && offset >= 2 {
        Some(at + 2 + offset)
    } else {
        None
    }
}

/// What a fixed-shape escape reads at the start of `s`: the rest and the value. Inlined
/// for the numbers (`%p`, `%l`: two on most lines), the other shapes behind a call.
#[inline]
fn escape_value(e: Escape, s: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Escape::Pid | Escape::Number(_) = e {
        let (value, rest) = s.split_at(leading_digits(s));
        // `%P`, the parallel leader, is empty outside parallel workers.
        let empty_ok = e == Escape::Number(b'P');
        return (!value.is_empty() || empty_ok).then_some((rest, value));
    }
    shaped_value(e, s)
}

#[inline(never)]
fn shaped_value<'a>(e: Escape, s: &'a [u8]) -> Option<(&'a [u8], &'a [u8])> {
    let is_hex = |b: u8| b.is_ascii_hexdigit();
    let r: Res<'a> = match e {
        Escape::Time | Escape::SessionStart => datetime(false)(s),
        Escape::TimeMs => datetime(true)(s),
        Escape::Epoch => recognize((digit1, tag("."), digit1)).parse(s),
        Escape::Session => recognize((take_while1(is_hex), tag("."), take_while1(is_hex))).parse(s),
        Escape::Sqlstate => take_while_m_n(5, 5, |b: u8| b.is_ascii_alphanumeric())(s),
        Escape::Vxid => recognize(opt((digit1, tag("/"), digit1))).parse(s),
        Escape::QueryId => recognize((opt(tag("-")), digit1)).parse(s),
        // Numbers are read by `escape_value`; free text has no shape.
        Escape::Pid | Escape::Number(_) | Escape::User | Escape::Database | Escape::Text(_) => {
            return None
        }
    };
    r.ok()
}

mod first;

#[cfg(test)]
#[path = "prefix_tests.rs"]
mod tests;
