//! The first path through a prefix's items, the one almost every line takes: compiled
//! apart, walked in one loop, and its free text read once for a run of lines that repeat
//! it.
//!
//! A stream's lines mostly carry the same user, database, application and client as the
//! line before (one session's statements, or a pool's sessions that share them), and each
//! free-text field is found by searching for the literal after it: a compare of the line's
//! rest with the last line's costs less than those searches.

use super::{escape_value, next_literal, set, strip, Escape, Item, PrefixFields};
use crate::bytes::find;
use crate::parse::stderr::label::{Labelled, Remembered};
use std::ops::Range;

/// One step of the first path: a free text knows where it ends, and `%q` is gone.
#[derive(Debug, Clone)]
enum Step {
    Literal(Vec<u8>),
    /// Free text up to the first occurrence of the next literal (to the end without one).
    Free(Escape, Option<Vec<u8>>),
    Fixed(Escape),
}

/// The first path's steps, and where the first free text is among them: the steps before
/// it read what changes from line to line (time, pid, line number).
#[derive(Debug, Clone)]
pub(super) struct Path {
    steps: Vec<Step>,
    free: usize,
    /// Bytes of the literal the steps before the first free text end with (0 without
    /// one): every line read to that free text has them before it.
    same: usize,
}

pub(super) fn first_path(items: &[Item]) -> Path {
    let steps: Vec<Step> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Literal(l) => Some(Step::Literal(l.clone())),
            Item::SessionOnly => None,
            Item::Escape(e) if e.is_free_text() => Some(Step::Free(
                *e,
                next_literal(&items[i + 1..]).map(<[u8]>::to_vec),
            )),
            Item::Escape(e) => Some(Step::Fixed(*e)),
        })
        .collect();
    let free = steps
        .iter()
        .position(|step| matches!(step, Step::Free(..)))
        .unwrap_or(steps.len());
    let same = match steps[..free].last() {
        Some(Step::Literal(l)) => l.len(),
        _ => 0,
    };
    Path { steps, free, same }
}

/// The first path `match_from` tries: each free text ends at the first occurrence of the
/// literal after it. It is the path almost every line takes, so it is compiled apart and
/// walked here in one loop, without the recursion and the saved fields that trying the
/// others needs; where it fails, `match_from` tries them all, and the first that matches
/// is this one or later.
pub(super) fn match_first<'a>(path: &Path, s: &'a [u8], f: &mut PrefixFields<'a>) -> bool {
    walk(&path.steps, s, f, &mut |_, _| {}).is_some_and(<[u8]>::is_empty)
}

/// Walks `steps` along `s`, setting in `f` what each reads (and telling `read` too); what
/// of `s` is left, or `None` where a step does not match.
fn walk<'a>(
    steps: &[Step],
    mut s: &'a [u8],
    f: &mut PrefixFields<'a>,
    read: &mut impl FnMut(Escape, &'a [u8]),
) -> Option<&'a [u8]> {
    for step in steps {
        let (e, value, rest) = match step {
            Step::Literal(l) => {
                s = strip(s, l)?;
                continue;
            }
            Step::Free(e, until) => {
                let end = match until {
                    Some(next) => find(s, next)?,
                    None => s.len(),
                };
                let (value, rest) = s.split_at(end);
                (*e, value, rest)
            }
            Step::Fixed(e) => {
                let (rest, value) = escape_value(*e, s)?;
                (*e, value, rest)
            }
        };
        if !set(f, e, value) {
            return None;
        }
        read(e, value);
        s = rest;
    }
    Some(s)
}

/// What the last line that took the first path read from its first free text on.
#[derive(Debug, Default)]
pub struct Repeat {
    /// That line's bytes from its first free text to the end of its prefix.
    tail: Vec<u8>,
    /// What the steps from there read, as places in `tail`.
    read: Vec<(Escape, Range<usize>)>,
    /// Whether `tail` and `read` hold a line's (a line that failed leaves them empty).
    held: bool,
    /// Where the last line walked had its first free text, if the walk matched.
    at: Option<usize>,
    /// That line's label, from its first free text on: with `tail`, what the next line
    /// must repeat to be read by `walk_line`.
    label: Remembered,
    /// The last time the first step read (`%t`, `%m`), with the byte after it: reading a
    /// time looks no further than that byte, so a line that starts with the same bytes
    /// reads the same time (a busy server logs many lines a second).
    time: Vec<u8>,
}

impl Repeat {
    /// `match_first`, the same fields set for the same line: the steps before the first
    /// free text are walked, the rest only when the line's rest differs from the last one's.
    /// Walking is a function of the bytes walked, so a repeated rest reads the same.
    pub(super) fn walk<'a>(&mut self, path: &Path, s: &'a [u8], f: &mut PrefixFields<'a>) -> bool {
        self.label.forget();
        self.at = None;
        let (fixed, free) = path.steps.split_at(path.free);
        let Some(rest) = self.walk_fixed(fixed, s, f) else {
            return false;
        };
        let at = s.len() - rest.len();
        if self.held && crate::bytes::eq(rest, &self.tail) {
            for (e, r) in &self.read {
                set(f, *e, &rest[r.clone()]);
            }
            self.at = Some(at);
            return true;
        }
        self.held = false;
        self.read.clear();
        let base = rest.as_ptr() as usize;
        let read = &mut self.read;
        let matched = walk(free, rest, f, &mut |e, value: &[u8]| {
            let at = value.as_ptr() as usize - base;
            read.push((e, at..at + value.len()));
        })
        .is_some_and(<[u8]>::is_empty);
        if matched {
            self.tail.clear();
            self.tail.extend_from_slice(rest);
            self.held = true;
            self.at = Some(at);
        }
        matched
    }

    /// Keeps `l`, the label of the line `walk` just read the prefix of, for `walk_line`.
    pub(super) fn keep_label(&mut self, path: &Path, line: &[u8], l: Labelled) {
        if let Some(at) = self.at {
            self.label.keep(line, at, path.same, l);
        }
    }

    /// `find_label` and `walk` of its prefix for a whole line, without the search or the
    /// walk of the free text, where the line repeats the last one's bytes from its first
    /// free text through its label (`Remembered`): the prefix then ends where that line's
    /// did, and its rest after the fixed steps is `tail`. The fixed steps are walked on the
    /// whole line here, on the prefix by `walk`: each step reads no further than the byte
    /// after its value, and the free text's start is past them all, so both read the same.
    /// `f`, empty when given, holds the prefix's fields where the label is returned.
    pub(super) fn walk_line<'a>(
        &mut self,
        path: &Path,
        line: &'a [u8],
        f: &mut PrefixFields<'a>,
    ) -> Option<Labelled> {
        if !self.held {
            return None;
        }
        let rest = self.walk_fixed(&path.steps[..path.free], line, f)?;
        let l = self.label.find(line, line.len() - rest.len())?;
        for (e, r) in &self.read {
            set(f, *e, &rest[r.clone()]);
        }
        Some(l)
    }

    /// Walks the steps before the first free text, taking a time that repeats the last
    /// one's bytes without reading it again.
    fn walk_fixed<'a>(
        &mut self,
        fixed: &[Step],
        s: &'a [u8],
        f: &mut PrefixFields<'a>,
    ) -> Option<&'a [u8]> {
        let Some(Step::Fixed(e @ (Escape::Time | Escape::TimeMs))) = fixed.first() else {
            return walk(fixed, s, f, &mut |_, _| {});
        };
        if !self.time.is_empty() && crate::bytes::starts_with(s, &self.time) {
            let value = &s[..self.time.len() - 1];
            set(f, *e, value);
            return walk(&fixed[1..], &s[value.len()..], f, &mut |_, _| {});
        }
        let mut time = None;
        let rest = walk(fixed, s, f, &mut |_, value| {
            time.get_or_insert(value.len());
        });
        self.time.clear();
        if let Some(window) = time.and_then(|n| s.get(..n + 1)) {
            self.time.extend_from_slice(window);
        }
        rest
    }
}
