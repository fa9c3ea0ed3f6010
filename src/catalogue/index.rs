//! Which templates can match a message, found from its ends rather than by scanning it.
//!
//! A template matches a whole message, so one that opens with literal text can only match
//! a message that starts with it, and one that closes with literal text a message that ends
//! with it. Almost every template opens with text, and the statements of a busy log are
//! long (`duration: … statement: <SQL>`): a search anchored at the start reads the few
//! bytes of the opening text, where a scan for every template's text anywhere read every
//! byte of every statement (17% of a run). Only templates with a conversion at both ends
//! (`%s (PID %d) exited with exit code %d`) are looked for anywhere, by 19 distinct
//! texts.

use super::template::Template;
use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};

#[derive(Debug)]
pub struct Index {
    /// The opening literals, searched for at the message's start only: the longest that
    /// opens the message.
    heads: AhoCorasick,
    /// The opening literals, and whether each is the start of no longer one: a message
    /// that starts with such a literal has it as its longest.
    head_texts: Vec<Vec<u8>>,
    unextended: Vec<bool>,
    /// For each opening literal, the templates that open with it or with a shorter
    /// literal it starts with: those open every message it opens.
    by_head: Vec<Vec<usize>>,
    /// Templates that open with a conversion and close with a literal, by the literal's
    /// last byte: `(closing literal, template)`.
    by_last_byte: Vec<Vec<(Vec<u8>, usize)>>,
    /// The first literal of each template with a conversion at both ends, for whether a
    /// message holds any: a leftmost search, which skips ahead with a vectorised
    /// prefilter (an overlapping one would read every byte). Rarely true, and then those
    /// few templates are all offered.
    inner_texts: AhoCorasick,
    inner: Vec<usize>,
}

/// Texts and, for each, the templates that share it, in the order they were added.
#[derive(Default)]
struct Grouped<'t> {
    texts: Vec<&'t [u8]>,
    templates: Vec<Vec<usize>>,
    at: std::collections::HashMap<&'t [u8], usize>,
}

impl<'t> Grouped<'t> {
    fn add(&mut self, text: &'t [u8], template: usize) {
        let i = *self.at.entry(text).or_insert_with(|| {
            self.texts.push(text);
            self.templates.push(Vec::new());
            self.texts.len() - 1
        });
        self.templates[i].push(template);
    }
}

impl Index {
    pub fn new(templates: &[&Template]) -> Result<Index, String> {
        let mut heads = Grouped::default();
        let mut inner_texts: Vec<&[u8]> = Vec::new();
        let mut inner = Vec::new();
        let mut by_last_byte = vec![Vec::new(); 256];
        // The most specific first: once one matches, the classifier skips the less
        // specific rest of its group without matching them.
        let mut order: Vec<usize> = (0..templates.len()).collect();
        order.sort_by_key(|&ti| std::cmp::Reverse(templates[ti].specificity()));
        for ti in order {
            let t = templates[ti];
            match (t.head(), t.tail()) {
                (Some(head), _) => heads.add(head, ti),
                (None, Some(tail)) => {
                    let last = *tail.last().expect("literals are not empty");
                    by_last_byte[usize::from(last)].push((tail.to_vec(), ti));
                }
                (None, None) => {
                    inner_texts.push(t.first_literal().unwrap_or(t.anchor()));
                    inner.push(ti);
                }
            }
        }
        let heads_ac = AhoCorasick::builder()
            .start_kind(StartKind::Anchored)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&heads.texts)
            .map_err(|e| e.to_string())?;
        let by_head = with_shorter_heads(&heads.texts, heads.templates, templates);
        let mut unextended = vec![true; heads.texts.len()];
        let mut sorted: Vec<usize> = (0..heads.texts.len()).collect();
        sorted.sort_by_key(|&i| heads.texts[i]);
        // The literals that start with one follow it directly in sorted order.
        for pair in sorted.windows(2) {
            unextended[pair[0]] = !heads.texts[pair[1]].starts_with(heads.texts[pair[0]]);
        }
        let head_texts = heads.texts.iter().map(|t| t.to_vec()).collect();
        inner_texts.sort_unstable();
        inner_texts.dedup();
        let inner_texts = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&inner_texts)
            .map_err(|e| e.to_string())?;
        Ok(Index {
            heads: heads_ac,
            head_texts,
            unextended,
            by_head,
            by_last_byte,
            inner_texts,
            inner,
        })
    }

    /// Calls `each` with every template that may match `msg` (a superset of those that
    /// do), each once.
    pub fn candidates(&self, msg: &[u8], each: &mut dyn FnMut(usize)) {
        if let Some(head) = self.head(msg) {
            self.by_head[head].iter().for_each(|&ti| each(ti));
        }
        if let Some(&last) = msg.last() {
            for (tail, ti) in &self.by_last_byte[usize::from(last)] {
                if msg.ends_with(tail) {
                    each(*ti);
                }
            }
        }
        if self.inner_texts.is_match(msg) {
            self.inner.iter().for_each(|&ti| each(ti));
        }
    }
}

thread_local! {
    /// The opening literal the thread's last message had. A log repeats its messages, and
    /// a compare with that literal costs less than a search; whether it holds is checked
    /// against the index asked, so an index never reads another's answer.
    static LAST_HEAD: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

impl Index {
    /// The longest opening literal that opens `msg`.
    fn head(&self, msg: &[u8]) -> Option<usize> {
        let last = LAST_HEAD.get();
        let again = self.unextended.get(last).is_some_and(|u| *u)
            && msg.starts_with(&self.head_texts[last]);
        if again {
            return Some(last);
        }
        let start = Input::new(msg).anchored(Anchored::Yes);
        let head = self.heads.find(start)?.pattern().as_usize();
        LAST_HEAD.set(head);
        Some(head)
    }
}

/// Each opening literal's templates joined by those of the literals it starts with (most
/// specific first): the longest literal that opens a message then names every template
/// that can open it. Sorted, a literal comes after the literals it starts with, so a stack
/// of the literals the current one starts with is kept as they are walked in order.
fn with_shorter_heads(
    texts: &[&[u8]],
    own: Vec<Vec<usize>>,
    templates: &[&Template],
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i]);
    let mut joined = vec![Vec::new(); texts.len()];
    let mut stack: Vec<usize> = Vec::new();
    for i in order {
        while stack
            .last()
            .is_some_and(|&j| !texts[i].starts_with(texts[j]))
        {
            stack.pop();
        }
        let mut all: Vec<usize> = stack
            .iter()
            .chain([&i])
            .flat_map(|&j| &own[j])
            .copied()
            .collect();
        all.sort_by_key(|&ti| (std::cmp::Reverse(templates[ti].specificity()), ti));
        joined[i] = all;
        stack.push(i);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(texts: &[&str]) -> Vec<Template> {
        texts
            .iter()
            .map(|t| Template::compile(t).unwrap())
            .collect()
    }

    fn candidates(index: &Index, msg: &str) -> Vec<usize> {
        let mut out = Vec::new();
        index.candidates(msg.as_bytes(), &mut |ti| out.push(ti));
        out.sort_unstable();
        out
    }

    /// Hand-made templates and messages (not server output): the thread's last opening
    /// literal is reused only where no longer one opens the message, and only if it opens
    /// it in the index asked.
    #[test]
    fn the_last_opening_literal_is_reused_only_where_it_is_the_longest() {
        let ts = compile(&["duration: %s", "duration: %s ms  statement: %s", "dur%s"]);
        let refs: Vec<&Template> = ts.iter().collect();
        let index = Index::new(&refs).unwrap();
        let other_ts = compile(&["statement: %s", "duration: %s"]);
        let other_refs: Vec<&Template> = other_ts.iter().collect();
        let other = Index::new(&other_refs).unwrap();
        for _ in 0..2 {
            assert_eq!(
                candidates(&index, "duration: 1 ms  statement: x"),
                [0, 1, 2]
            );
            assert_eq!(candidates(&index, "durable"), [2]);
            assert_eq!(
                candidates(&index, "duration: 2 ms  statement: y"),
                [0, 1, 2]
            );
            assert_eq!(candidates(&other, "statement: z"), [0]);
            assert_eq!(candidates(&index, "statement: z"), [] as [usize; 0]);
            assert_eq!(candidates(&other, "duration: 3"), [1]);
            assert_eq!(candidates(&index, "duration: 3"), [0, 1, 2]);
        }
    }

    /// Hand-made templates and messages (not server output): which templates are offered.
    #[test]
    fn every_template_that_can_match_is_offered() {
        let ts = compile(&[
            "duration: %s ms",
            "duration: %s ms  statement: %s",
            "dur%s",
            "%s can only be used in transaction blocks",
            "%s (PID %d) exited with exit code %d",
            "relation \"%s\" does not exist",
        ]);
        let refs: Vec<&Template> = ts.iter().collect();
        let index = Index::new(&refs).unwrap();
        let msg = "duration: 0.1 ms  statement: select 1";
        assert_eq!(candidates(&index, msg), [0, 1, 2]);
        assert_eq!(
            candidates(&index, "VACUUM can only be used in transaction blocks"),
            [3]
        );
        assert_eq!(
            candidates(&index, "server process (PID 12) exited with exit code 1"),
            [4]
        );
        assert_eq!(
            candidates(&index, "x relation \"t\" does not exist"),
            [] as [usize; 0]
        );
        for (ti, t) in ts.iter().enumerate() {
            for m in [msg, "VACUUM can only be used in transaction blocks"] {
                if t.matches(m.as_bytes()).is_some() {
                    assert!(candidates(&index, m).contains(&ti), "{ti} matches {m:?}");
                }
            }
        }
    }
}
