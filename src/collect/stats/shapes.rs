//! Statement shapes remembered with the statements that gave them. A busy log runs the same
//! few statements again and again with other numbers (`... WHERE aid = 796596;`): a
//! statement that is a remembered one but for its numbers has the remembered shape, which
//! a compare of the text between the numbers tells for a fraction of what normalising it
//! again costs (#13).
//!
//! Why that is exact: `normalize_into` reads a statement left to right, and what each step
//! writes and how far it reads is decided by the shape written so far and the bytes from
//! the step on. A number (a digit where no word goes on) is one step: it writes `?` and
//! reads the run of letters, digits and dots from there (`number_end`). Take a statement
//! that is a remembered one with each number's run replaced by another run that starts
//! with a digit and that `number_end` reads to the same next byte. Up to the first number
//! both have written the same; at it, both take the number step (same byte class, same
//! shape before it) and go on at the same text after it, and so on to the end. A step that
//! reads ahead (a comment, a quoted text) reads within the text between two numbers, where
//! both are equal, or it would have read past a number in the remembered one. So both give
//! the same shape, and the same type, which the shape alone decides.

use super::capped::Place;
use super::into_key;
use super::normalize::{finish, normalize_into, normalize_marking, number_end};
use super::normalize::{statement_type, StatementType};
use std::ops::Range;

/// Sets of remembered statements, picked by how a statement starts.
const SETS: usize = 64;
/// Statements remembered per set: a statement with a negative number (`+ -4021`) is
/// another one than with a positive one (`+ 384`), and both start alike.
const WAYS: usize = 4;
/// Longer statements are normalised each time, so what is remembered stays small:
/// at most `SETS * WAYS` statements of this many bytes.
const MAX_TEXT: usize = 1024;
/// How many of a statement's first bytes, up to its first digit, pick its set.
const HEAD: usize = 32;
/// The shape of a statement logged without text.
const EMPTY: &str = "(empty statement)";

#[derive(Debug, Clone, Default)]
pub struct Shapes {
    /// `SETS * WAYS` places, a set's ways side by side.
    known: Vec<Known>,
    /// Counts lookups: the way of a set used longest ago is the one replaced.
    clock: u64,
    /// A shape not remembered (a statement over several lines, or a long one).
    fresh: String,
}

#[derive(Debug, Clone)]
struct Known {
    text: Vec<u8>,
    /// Where `normalize_marking` found each number in `text`.
    numbers: Vec<Range<usize>>,
    shape: String,
    kind: StatementType,
    /// Where the shape's row is in the caller's table, once found there.
    row: Option<Place>,
    /// The clock when last used; 0: the place holds nothing.
    used: u64,
}

/// A statement's shape as a report key, its type, and (for a remembered one) where the
/// caller last found its row.
pub struct Shape<'s> {
    pub key: &'s str,
    pub kind: StatementType,
    pub row: Option<&'s mut Option<Place>>,
}

impl Default for Known {
    fn default() -> Self {
        Known {
            text: Vec::new(),
            numbers: Vec::new(),
            shape: String::new(),
            kind: StatementType::Other,
            row: None,
            used: 0,
        }
    }
}

impl Shapes {
    /// The shape of a statement logged as `text`, its later lines `rest` (if any).
    pub fn of(&mut self, text: &[u8], rest: Option<&[u8]>) -> Shape<'_> {
        if rest.is_some() || text.len() > MAX_TEXT {
            let mut shape = std::mem::take(&mut self.fresh).into_bytes();
            shape.clear();
            normalize_into(&mut shape, text);
            if let Some(rest) = rest {
                normalize_into(&mut shape, b"\n");
                normalize_into(&mut shape, rest);
            }
            let kind = finished(&mut shape);
            self.fresh = into_key(shape);
            return Shape {
                key: with_empty(&self.fresh),
                kind,
                row: None,
            };
        }
        if self.known.is_empty() {
            self.known = vec![Known::default(); SETS * WAYS];
        }
        self.clock += 1;
        let set = set_of(text) * WAYS;
        let ways = &mut self.known[set..set + WAYS];
        let at = match ways
            .iter()
            .position(|k| k.used > 0 && k.same_but_numbers(text))
        {
            Some(way) => way,
            None => {
                let oldest = (0..WAYS).min_by_key(|&w| ways[w].used).unwrap_or(0);
                ways[oldest].learn(text);
                oldest
            }
        };
        let known = &mut ways[at];
        known.used = self.clock;
        Shape {
            key: with_empty(&known.shape),
            kind: known.kind,
            row: Some(&mut known.row),
        }
    }
}

impl Known {
    /// Normalises `text` and remembers it here, reusing this place's buffers.
    fn learn(&mut self, text: &[u8]) {
        self.row = None;
        self.text.clear();
        self.text.extend_from_slice(text);
        self.numbers.clear();
        let mut shape = std::mem::take(&mut self.shape).into_bytes();
        shape.clear();
        normalize_marking(&mut shape, text, &mut self.numbers);
        self.kind = finished(&mut shape);
        self.shape = into_key(shape);
    }

    /// `text` is this statement with each number replaced by a run that `number_end`
    /// reads from a digit to the same next byte (the module's comment says why that
    /// gives the same shape).
    fn same_but_numbers(&self, text: &[u8]) -> bool {
        let mut at = 0;
        let mut from = 0;
        for number in &self.numbers {
            let between = &self.text[from..number.start];
            if !text
                .get(at..)
                .is_some_and(|t| crate::bytes::starts_with(t, between))
            {
                return false;
            }
            at += between.len();
            if !text.get(at).is_some_and(u8::is_ascii_digit) {
                return false;
            }
            at = number_end(text, at);
            from = number.end;
        }
        text[at..] == self.text[from..]
    }
}

/// Trims the shape's end; its type, read before an empty shape is named.
fn finished(shape: &mut Vec<u8>) -> StatementType {
    finish(shape);
    statement_type(shape)
}

/// psql sends an empty query for a lone `;`; PostgreSQL logs it with no text.
fn with_empty(shape: &str) -> &str {
    if shape.is_empty() {
        EMPTY
    } else {
        shape
    }
}

/// The set a statement's first bytes up to its first digit pick. A statement and the same
/// one with other numbers have the same bytes before their first digit (the text before
/// the first number is the same, and a number starts with a digit), so they pick the
/// same set. Read eight bytes at a time, as it is done for every statement.
fn set_of(text: &[u8]) -> usize {
    let mut h = 0u64;
    for at in (0..HEAD.min(text.len())).step_by(8) {
        let x = word_at(text, at);
        let digits = crate::bytes::digit_flags(x);
        let before = if digits == 0 {
            x
        } else {
            x & ((digits & digits.wrapping_neg()) / 0x80).wrapping_sub(1)
        };
        h = (h ^ before)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
        if digits != 0 {
            break;
        }
    }
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % SETS
}

/// The eight bytes of `text` from `at`, little-endian, zeros past its end.
fn word_at(text: &[u8], at: usize) -> u64 {
    match text.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
        None => text[at..]
            .iter()
            .rev()
            .fold(0, |w, b| (w << 8) | u64::from(*b)),
    }
}

#[cfg(test)]
#[path = "shapes_tests.rs"]
mod tests;
