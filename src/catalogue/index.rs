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
//!
//! The opening literals are kept sorted, each linked to the longest other literal it
//! starts with. The longest literal that opens a message starts the last literal sorted
//! at or before the message (every text sorted between a message's opening and the
//! message starts with that opening), so a binary search and a walk up the links find it.
//! An automaton did the same in one pass, but took a quarter of the start-up to build.

use super::template::Template;
use aho_corasick::{AhoCorasick, MatchKind};

#[derive(Debug)]
pub struct Index {
    /// The opening literals, sorted.
    heads: Vec<Vec<u8>>,
    /// For each, the longest other opening literal it starts with.
    parent: Vec<Option<usize>>,
    /// For each, whether it is the start of no longer one: a message that starts with
    /// such a literal has it as its longest.
    unextended: Vec<bool>,
    /// For each opening literal, the templates that open with it or with a shorter
    /// literal it starts with: those open every message it opens.
    by_head: Vec<Vec<usize>>,
    /// Templates that open with a conversion and close with a literal, by the literal's
    /// last byte: `(closing literal, template)`.
    by_last_byte: Vec<Vec<(Vec<u8>, usize)>>,
    /// The first literal of each template with a conversion at both ends, for whether a
    /// message holds any. Rarely true, and then those few templates are all offered.
    inner_texts: InnerTexts,
    inner: Vec<usize>,
}

/// A leftmost search for a few texts, which skips ahead with a vectorised prefilter (an
/// overlapping one would read every byte): aho-corasick's packed (Teddy) searcher asked
/// directly, at a fraction of the automaton's calls around the same search, or the
/// automaton on a CPU without one.
#[derive(Debug)]
enum InnerTexts {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl InnerTexts {
    fn new(texts: &[&[u8]]) -> Result<InnerTexts, String> {
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(texts)
            .build();
        if let Some(packed) = packed {
            return Ok(InnerTexts::Packed(packed));
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(texts)
            .map(InnerTexts::Automaton)
            .map_err(|e| e.to_string())
    }

    fn in_message(&self, msg: &[u8]) -> bool {
        match self {
            InnerTexts::Packed(packed) => packed.find(msg).is_some(),
            InnerTexts::Automaton(automaton) => automaton.is_match(msg),
        }
    }
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
    /// `rank`: how templates that both match a message are chosen between, the higher
    /// the better (ties: the lower index). Each opening literal's templates are kept in
    /// that order, so the first of them that matches is the best of them.
    pub fn new(templates: &[&Template], rank: &dyn Fn(usize) -> usize) -> Result<Index, String> {
        let mut heads = Grouped::default();
        let mut inner_texts: Vec<&[u8]> = Vec::new();
        let mut inner = Vec::new();
        let mut by_last_byte = vec![Vec::new(); 256];
        // The highest ranked first, so that each group below is in rank order too.
        let mut order: Vec<usize> = (0..templates.len()).collect();
        order.sort_by_key(|&ti| std::cmp::Reverse(rank(ti)));
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
        let linked = link_heads(heads, rank);
        inner_texts.sort_unstable();
        inner_texts.dedup();
        let inner_texts = InnerTexts::new(&inner_texts)?;
        Ok(Index {
            heads: linked.texts,
            parent: linked.parent,
            unextended: linked.unextended,
            by_head: linked.templates,
            by_last_byte,
            inner_texts,
            inner,
        })
    }

    /// Calls `each` with every template that may match `msg` (a superset of those that
    /// do), each once.
    ///
    /// `each` returns whether `ti` matched: the rest of the templates `msg` opens with are
    /// then ranked lower, and are not offered.
    pub fn candidates(&self, msg: &[u8], each: &mut dyn FnMut(usize) -> bool) {
        if let Some(head) = self.head(msg) {
            for &ti in &self.by_head[head] {
                if each(ti) {
                    break;
                }
            }
        }
        if let Some(&last) = msg.last() {
            for (tail, ti) in &self.by_last_byte[usize::from(last)] {
                if msg.ends_with(tail) {
                    each(*ti);
                }
            }
        }
        if self.inner_texts.in_message(msg) {
            for &ti in &self.inner {
                each(ti);
            }
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
            && crate::bytes::starts_with(msg, &self.heads[last]);
        if again {
            return Some(last);
        }
        let at_or_before = self.heads.partition_point(|h| h.as_slice() <= msg);
        let mut head = at_or_before.checked_sub(1)?;
        while !crate::bytes::starts_with(msg, &self.heads[head]) {
            head = self.parent[head]?;
        }
        LAST_HEAD.set(head);
        Some(head)
    }
}

/// The opening literals sorted, with their links and templates.
struct Linked {
    texts: Vec<Vec<u8>>,
    parent: Vec<Option<usize>>,
    unextended: Vec<bool>,
    templates: Vec<Vec<usize>>,
}

/// Sorts the opening literals and links each to the longest other it starts with; its
/// templates are joined by those of every literal it starts with (highest ranked first),
/// so that the longest literal that opens a message names every template that can open
/// it. Sorted, a literal comes after the literals it starts with, and those that start
/// with it follow it directly: a stack of the literals the current one starts with is
/// kept as they are walked in order.
fn link_heads(heads: Grouped<'_>, rank: &dyn Fn(usize) -> usize) -> Linked {
    let mut order: Vec<usize> = (0..heads.texts.len()).collect();
    order.sort_by_key(|&i| heads.texts[i]);
    let texts: Vec<&[u8]> = order.iter().map(|&i| heads.texts[i]).collect();
    let mut own = heads.templates;
    let mut linked = Linked {
        texts: texts.iter().map(|t| t.to_vec()).collect(),
        parent: vec![None; texts.len()],
        unextended: vec![true; texts.len()],
        templates: Vec::with_capacity(texts.len()),
    };
    let mut stack: Vec<usize> = Vec::new();
    for (k, text) in texts.iter().enumerate() {
        while stack.last().is_some_and(|&j| !text.starts_with(texts[j])) {
            stack.pop();
        }
        let parent = stack.last().copied();
        linked.parent[k] = parent;
        let mut all = std::mem::take(&mut own[order[k]]);
        if let Some(j) = parent {
            linked.unextended[j] = false;
            // The parent's list already holds the templates of all it starts with.
            all.extend_from_slice(&linked.templates[j]);
        }
        all.sort_by_key(|&ti| (std::cmp::Reverse(rank(ti)), ti));
        linked.templates.push(all);
        stack.push(k);
    }
    linked
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
        index.candidates(msg.as_bytes(), &mut |ti| {
            out.push(ti);
            false
        });
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
        let index = Index::new(&refs, &|ti| refs[ti].specificity()).unwrap();
        let other_ts = compile(&["statement: %s", "duration: %s"]);
        let other_refs: Vec<&Template> = other_ts.iter().collect();
        let other = Index::new(&other_refs, &|ti| other_refs[ti].specificity()).unwrap();
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

    /// Hand-made templates and messages (not server output): the literal sorted just
    /// before a message need not open it; the longest that does is among its links.
    #[test]
    fn the_longest_opening_literal_is_found_through_the_links() {
        let ts = compile(&["ab%s", "abc%s", "abd%s", "abdd%s", "b%s"]);
        let refs: Vec<&Template> = ts.iter().collect();
        let index = Index::new(&refs, &|ti| refs[ti].specificity()).unwrap();
        assert_eq!(candidates(&index, "abzz"), [0]);
        assert_eq!(candidates(&index, "abcx"), [0, 1]);
        assert_eq!(candidates(&index, "abde"), [0, 2]);
        assert_eq!(candidates(&index, "abddd"), [0, 2, 3]);
        assert_eq!(candidates(&index, "abd"), [0, 2]);
        assert_eq!(candidates(&index, "bz"), [4]);
        for none in ["", "a", "aa", "c", "\u{ff}"] {
            assert_eq!(candidates(&index, none), [] as [usize; 0], "{none:?}");
        }
    }

    /// Hand-made templates (not server output): an opening literal's templates come in
    /// rank order, ties by index, and stop at the first that matched; the ranks here put
    /// the least specific first, so the order is not the one specificity alone gives.
    #[test]
    fn templates_come_in_rank_order_and_stop_at_the_first_match() {
        let ts = compile(&["dur%s", "duration: %s", "duration: %s ms", "du%s"]);
        let refs: Vec<&Template> = ts.iter().collect();
        let ranks = [5, 1, 1, 9];
        let index = Index::new(&refs, &|ti| ranks[ti]).unwrap();
        let offered = |matching: usize| {
            let mut out = Vec::new();
            index.candidates(b"duration: 1 ms", &mut |ti| {
                out.push(ti);
                ti == matching
            });
            out
        };
        assert_eq!(offered(usize::MAX), [3, 0, 1, 2]);
        assert_eq!(offered(0), [3, 0]);
        assert_eq!(offered(1), [3, 0, 1]);
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
        let index = Index::new(&refs, &|ti| refs[ti].specificity()).unwrap();
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
        // Shorter than the packed searcher's vectors: found all the same.
        assert_eq!(candidates(&index, " (PID "), [4]);
        assert_eq!(candidates(&index, "a (PID"), [] as [usize; 0]);
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

    /// Hand-made texts and messages (not server output): the automaton a CPU without the
    /// packed searcher gets answers as the packed one does, short messages too.
    #[test]
    fn both_inner_text_searches_agree() {
        let texts: &[&[u8]] = &[b" (PID ", b" invalid pages among blocks "];
        let automaton = InnerTexts::Automaton(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(texts)
                .unwrap(),
        );
        let chosen = InnerTexts::new(texts).unwrap();
        let messages: [&[u8]; 5] = [
            b"server process (PID 12) exited with exit code 1",
            b" (PID ",
            b"a (PID",
            b"",
            b"3 invalid pages among blocks 1..4 of relation x",
        ];
        let answers = |t: &InnerTexts| messages.map(|m| t.in_message(m));
        assert_eq!(answers(&automaton), answers(&chosen));
        assert_eq!(answers(&chosen), [true, true, false, false, true]);
        assert!(automaton.in_message(b"x (PID 1)"));
    }
}
