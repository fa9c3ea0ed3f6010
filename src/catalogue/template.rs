//! Catalogue templates: PostgreSQL's own `errmsg()` format strings, compiled into matchers.

use crate::bytes::{ends_with, find_byte, starts_with};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::digit1;
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(Literal),
    /// `%s`, `%m`: any text, as short as lets the rest match.
    Text,
    /// `%d`, `%u`, `%ld`, ...: an integer.
    Int,
    /// `%x`, `%X`: hexadecimal digits.
    Hex,
    /// `%c`: one character.
    Char,
    /// `%g`, `%f`, `%e`: a number as printf prints a double (`1.5`, `-2`, `1e+06`).
    Float,
}

/// Literal text of a template, with a searcher built once, when first needed: a
/// conversion's end is found by the text after it, in every candidate template of every
/// record, and most candidates fail. The searcher looks for the text's rarest bytes first,
/// where a scan for its first byte stopped at every space of a long statement. Most
/// templates (the translations among them) never search in a given log, and building every
/// searcher was a sixth of start-up.
#[derive(Debug, Clone)]
struct Literal {
    text: Box<[u8]>,
    /// Boxed: a searcher is a few hundred bytes, and pieces of other kinds are a byte.
    finder: OnceLock<Box<memchr::memmem::Finder<'static>>>,
}

impl Literal {
    fn new(text: Vec<u8>) -> Literal {
        Literal {
            text: text.into_boxed_slice(),
            finder: OnceLock::new(),
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.text
    }

    fn finder(&self) -> &memchr::memmem::Finder<'static> {
        self.finder
            .get_or_init(|| Box::new(memchr::memmem::Finder::new(&self.text).into_owned()))
    }

    /// Where the literal first occurs in `hay`. Mostly right after a short conversion (a
    /// statement's milliseconds): where the first place of its first byte starts it, no
    /// earlier place can, so the vectorised search runs only past a false start.
    fn find(&self, hay: &[u8]) -> Option<usize> {
        let start = find_byte(hay, *self.text.first()?)?;
        if starts_with(&hay[start..], &self.text) {
            return Some(start);
        }
        let after = start + 1;
        self.finder().find(&hay[after..]).map(|p| after + p)
    }
}

impl PartialEq for Literal {
    fn eq(&self, other: &Literal) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Literal {}

/// The most conversions a template may have (captures live in a fixed array, so matching
/// never allocates).
pub const MAX_CAPTURES: usize = 12;

/// Byte ranges of the values a match captured, in conversion order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Captures {
    spans: [(u32, u32); MAX_CAPTURES],
    len: usize,
}

impl Captures {
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        (i < self.len).then(|| (self.spans[i].0 as usize, self.spans[i].1 as usize))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
    conversions: usize,
    /// For a translation that reorders its arguments (`%2$s ... %1$s`): the argument each
    /// conversion prints, in text order, so that captures come out in argument order and
    /// keep the English template's capture names.
    arguments: Option<Vec<usize>>,
    /// Bytes of literal text, counted once: every candidate of every record is ranked by it.
    specificity: usize,
}

impl Template {
    /// Compiles a format string such as `password authentication failed for user "%s"`.
    pub fn compile(text: &str) -> Result<Template, String> {
        let b = text.as_bytes();
        let mut pieces = Vec::new();
        let mut lit = Vec::new();
        let mut arguments = Vec::new();
        let mut i = 0;
        while i < b.len() {
            // Literal text runs to the next `%`, copied whole: some 4,700 templates,
            // most of them translations, are compiled before every run's first line.
            let Some(run) = memchr::memchr(b'%', &b[i..]) else {
                lit.extend_from_slice(&b[i..]);
                break;
            };
            lit.extend_from_slice(&b[i..i + run]);
            i += run + 1;
            if b.get(i) == Some(&b'%') {
                lit.push(b'%');
                i += 1;
                continue;
            }
            let pos = position(&b[i..]);
            i += pos.map_or(0, |(_, len)| len);
            // Flags, width, precision: %-10s, %03d, %.*s.
            while i < b.len()
                && matches!(b[i], b'-' | b'+' | b' ' | b'#' | b'0'..=b'9' | b'.' | b'*')
            {
                i += 1;
            }
            // Length modifiers: %ld, %llu, %zu, %hd.
            while i < b.len() && matches!(b[i], b'l' | b'z' | b'h' | b'j' | b't') {
                i += 1;
            }
            let piece = match b.get(i) {
                Some(b's' | b'm') => Piece::Text,
                Some(b'd' | b'i' | b'u') => Piece::Int,
                Some(b'x' | b'X') => Piece::Hex,
                Some(b'c') => Piece::Char,
                Some(b'g' | b'f' | b'e' | b'G') => Piece::Float,
                Some(&c) => {
                    return Err(format!("unsupported conversion %{} in {text:?}", c as char))
                }
                None => return Err(format!("lone % at the end of {text:?}")),
            };
            arguments.push((pos.map(|(n, _)| n), b[i] == b'm'));
            i += 1;
            if !lit.is_empty() {
                pieces.push(Piece::Literal(Literal::new(std::mem::take(&mut lit))));
            }
            pieces.push(piece);
        }
        if !lit.is_empty() {
            pieces.push(Piece::Literal(Literal::new(lit)));
        }
        let conversions = pieces
            .iter()
            .filter(|p| !matches!(p, Piece::Literal(_)))
            .count();
        let arguments = argument_order(&arguments, text)?;
        let conversions = arguments
            .as_ref()
            .map_or(conversions, |a| a.iter().max().map_or(0, |m| m + 1));
        if conversions > MAX_CAPTURES {
            return Err(format!("more than {MAX_CAPTURES} conversions in {text:?}"));
        }
        let specificity = pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(l) => l.as_slice().len(),
                _ => 0,
            })
            .sum();
        Ok(Template {
            pieces,
            conversions,
            arguments,
            specificity,
        })
    }

    /// Whether `other` takes the same arguments, of the same kinds, as this template: a
    /// translation can then stand for it.
    pub fn same_arguments(&self, other: &Template) -> bool {
        self.argument_kinds() == other.argument_kinds()
    }

    /// The kind of each argument, in argument order (`None`: one no conversion prints).
    fn argument_kinds(&self) -> Vec<Option<&Piece>> {
        let mut kinds = vec![None; self.conversions];
        let convs = self
            .pieces
            .iter()
            .filter(|p| !matches!(p, Piece::Literal(_)));
        for (k, piece) in convs.enumerate() {
            let arg = self.arguments.as_ref().map_or(k, |a| a[k]);
            kinds[arg] = Some(piece);
        }
        kinds
    }

    pub fn conversions(&self) -> usize {
        self.conversions
    }

    /// The longest literal text (the catalogue refuses a template without one of 3 bytes
    /// or more).
    pub fn anchor(&self) -> &[u8] {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Literal(l) => Some(l.as_slice()),
                _ => None,
            })
            .max_by_key(|l| l.len())
            .unwrap_or(b"")
    }

    /// The literal text the template opens with, if it opens with text.
    pub fn head(&self) -> Option<&[u8]> {
        match self.pieces.first()? {
            Piece::Literal(l) => Some(l.as_slice()),
            _ => None,
        }
    }

    /// The first literal text of 3 bytes or more, if any.
    pub fn first_literal(&self) -> Option<&[u8]> {
        self.pieces.iter().find_map(|p| match p {
            Piece::Literal(l) if l.as_slice().len() >= 3 => Some(l.as_slice()),
            _ => None,
        })
    }

    /// The literal text the template closes with, if it closes with text.
    pub fn tail(&self) -> Option<&[u8]> {
        match self.pieces.last()? {
            Piece::Literal(l) => Some(l.as_slice()),
            _ => None,
        }
    }

    /// Bytes of literal text; the more a template has, the more specific it is.
    pub fn specificity(&self) -> usize {
        self.specificity
    }

    /// Matches the whole of `message`.
    pub fn matches(&self, message: &[u8]) -> Option<Captures> {
        // Its text cannot fit, or its closing text is not the message's end: a template
        // offered for its opening text mostly fails here, before searching the middle.
        let short = message.len() < self.specificity;
        if short || self.tail().is_some_and(|t| !ends_with(message, t)) {
            return None;
        }
        let mut caps = Captures::default();
        if !match_from(&self.pieces, message, 0, &mut caps) {
            return None;
        }
        let Some(arguments) = &self.arguments else {
            return Some(caps);
        };
        let mut ordered = Captures {
            len: self.conversions,
            ..Captures::default()
        };
        for (k, &arg) in arguments.iter().enumerate() {
            ordered.spans[arg] = caps.spans[k];
        }
        Some(ordered)
    }
}

/// The argument each conversion prints, for a template with positional conversions: `%m`
/// takes no argument (it prints errno's text), so in one it comes after the numbered ones.
fn argument_order(
    convs: &[(Option<usize>, bool)],
    text: &str,
) -> Result<Option<Vec<usize>>, String> {
    if convs.iter().all(|(n, _)| n.is_none()) {
        return Ok(None);
    }
    let mut next = convs
        .iter()
        .filter_map(|(n, _)| *n)
        .max()
        .map_or(0, |m| m + 1);
    let mut order = Vec::with_capacity(convs.len());
    for &(n, errno) in convs {
        match n {
            _ if text.contains('*') => return Err(format!("positional %* in {text:?}")),
            Some(n) => order.push(n),
            None if errno => {
                order.push(next);
                next += 1;
            }
            None => {
                return Err(format!(
                    "positional and plain conversions mixed in {text:?}"
                ))
            }
        }
    }
    Ok(Some(order))
}

/// A positional conversion's `N$` (1-based), as the argument index and the bytes it takes.
fn position(b: &[u8]) -> Option<(usize, usize)> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || b.get(digits) != Some(&b'$') {
        return None;
    }
    let n: usize = std::str::from_utf8(&b[..digits]).ok()?.parse().ok()?;
    Some((n.checked_sub(1)?, digits + 1))
}

type Res<'a> = IResult<&'a [u8], &'a [u8]>;

fn integer(s: &[u8]) -> Res<'_> {
    recognize((opt(tag("-")), digit1)).parse(s)
}

fn float(s: &[u8]) -> Res<'_> {
    let digits = |s| take_while1(|b: u8| b.is_ascii_digit() || b == b'.')(s);
    recognize((
        opt(tag("-")),
        digits,
        opt((alt((tag("e+"), tag("e-"))), digit1)),
    ))
    .parse(s)
}

fn hex(s: &[u8]) -> Res<'_> {
    take_while1(|b: u8| b.is_ascii_hexdigit())(s)
}

/// Backtracking match of `pieces` against `msg[at..]`, which must be consumed entirely.
fn match_from(pieces: &[Piece], msg: &[u8], at: usize, caps: &mut Captures) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return at == msg.len();
    };
    let s = &msg[at..];
    let capture = |caps: &mut Captures, len: usize| {
        caps.spans[caps.len] = (at as u32, (at + len) as u32);
        caps.len += 1;
    };
    match piece {
        Piece::Literal(l) => {
            let l = l.as_slice();
            starts_with(s, l) && match_from(rest, msg, at + l.len(), caps)
        }
        Piece::Int | Piece::Hex | Piece::Float => {
            let parsed = match piece {
                Piece::Int => integer(s),
                Piece::Hex => hex(s),
                _ => float(s),
            };
            let Ok((_, v)) = parsed else {
                return false;
            };
            let saved = caps.len;
            capture(caps, v.len());
            match_from(rest, msg, at + v.len(), caps) || {
                caps.len = saved;
                false
            }
        }
        Piece::Char => {
            let len = utf8_len(s);
            if len == 0 {
                return false;
            }
            let saved = caps.len;
            capture(caps, len);
            match_from(rest, msg, at + len, caps) || {
                caps.len = saved;
                false
            }
        }
        Piece::Text => {
            let saved = caps.len;
            match rest.first() {
                None => {
                    capture(caps, s.len());
                    true
                }
                // The message's closing text: only its end can be the place.
                Some(Piece::Literal(last)) if rest.len() == 1 => {
                    let last = last.as_slice();
                    ends_with(s, last) && {
                        capture(caps, s.len() - last.len());
                        true
                    }
                }
                Some(Piece::Literal(next)) => {
                    // Shortest first: try each place the next literal occurs, as `find_iter`
                    // gives them (not overlapping), without its iterator's setup per call.
                    let mut from = 0;
                    while let Some(p) = next.find(&s[from..]) {
                        let pos = from + p;
                        capture(caps, pos);
                        if match_from(rest, msg, at + pos, caps) {
                            return true;
                        }
                        caps.len = saved;
                        from = pos + next.as_slice().len();
                    }
                    false
                }
                Some(_) => {
                    for len in 0..=s.len() {
                        capture(caps, len);
                        if match_from(rest, msg, at + len, caps) {
                            return true;
                        }
                        caps.len = saved;
                    }
                    false
                }
            }
        }
    }
}

fn utf8_len(s: &[u8]) -> usize {
    match s.first() {
        None => 0,
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4.min(s.len()),
        Some(b) if *b >= 0xE0 => 3.min(s.len()),
        Some(_) => 2.min(s.len()),
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
