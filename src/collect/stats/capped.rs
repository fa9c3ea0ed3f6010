//! A table keyed by text with a fixed number of rows. Keys past the cap are summed into one
//! `other` row, so a log with a million distinct statements costs what one with `cap` costs.
//!
//! Which keys keep a row is a property of the keys, not of their order: the `cap` keys of
//! lowest rank (FNV-1a of the text, then the text) among all keys seen. A key ranked
//! among them in the whole input is ranked among them in any part of it, so tables filled
//! from parts (chunks read by threads, inputs) and merged hold exactly what one table
//! filled from the whole holds (ADR split-input). A newcomer of lower rank than the
//! highest kept key evicts it into `other`.

use ahash::AHashMap as HashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A row of a statistics table: how two rows of the same key combine. Folding must not
/// depend on order (sums, maxima, minima), as rows are folded in whatever order keys meet.
pub trait Row: Default {
    fn fold(&mut self, other: Self);
}

#[derive(Debug, Clone)]
pub struct Capped<V> {
    /// Each kept key's place in `slots`: a key is looked up once per observation, which
    /// a map of the rows themselves could not do without a second lookup to hand one out.
    rows: HashMap<Arc<str>, usize>,
    slots: Vec<V>,
    /// Places whose key was evicted, for the next key that gets a row.
    free: Vec<usize>,
    /// The kept keys by rank: the last is the one a lower-ranked newcomer evicts.
    ranks: BTreeSet<(u64, Arc<str>)>,
    other: V,
    /// Something was summed into `other`.
    overflowed: bool,
    cap: usize,
    /// Counts the times a kept key lost its place (evicted, or rows merged in): a `Place`
    /// from before then may name another key's row.
    epoch: u64,
}

/// Where a kept key's row is, remembered by a caller that meets the key again
/// (`Capped::row_at`): valid while the table's epoch is the one it was taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    at: usize,
    epoch: u64,
}

fn rank(key: &str) -> u64 {
    crate::verdict::fnv1a(key.as_bytes())
}

impl<V: Row> Capped<V> {
    pub fn new(cap: usize) -> Self {
        Capped {
            rows: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            ranks: BTreeSet::new(),
            other: V::default(),
            overflowed: false,
            cap,
            epoch: 0,
        }
    }

    /// The row of `key`: its own when it ranks among the kept keys (created then, the only
    /// allocation), else `other`.
    pub fn row(&mut self, key: &str) -> &mut V {
        let at = self.kept(key);
        self.slot(at)
    }

    /// `row`, for a caller that remembers in `place` where `key`'s row was (and forgets
    /// it when the key it holds `place` for changes): a row still there is found without
    /// hashing the key.
    pub fn row_at(&mut self, key: &str, place: &mut Option<Place>) -> &mut V {
        if let Some(p) = place.filter(|p| p.epoch == self.epoch) {
            return &mut self.slots[p.at];
        }
        let at = self.kept(key);
        *place = at.map(|at| Place {
            at,
            epoch: self.epoch,
        });
        self.slot(at)
    }

    /// The row at a kept key's place, or `other`.
    fn slot(&mut self, at: Option<usize>) -> &mut V {
        match at {
            Some(at) => &mut self.slots[at],
            None => &mut self.other,
        }
    }

    /// The place of `key`'s row, made if it ranks among the kept keys; `None`: `other`.
    fn kept(&mut self, key: &str) -> Option<usize> {
        if let Some(&at) = self.rows.get(key) {
            return Some(at);
        }
        let r = rank(key);
        if !self.make_room(r, key) {
            return None;
        }
        let key: Arc<str> = key.into();
        self.ranks.insert((r, key.clone()));
        let at = self.place(V::default());
        self.rows.insert(key, at);
        Some(at)
    }

    /// Where a new row goes: an evicted key's place, else a new one.
    fn place(&mut self, v: V) -> usize {
        match self.free.pop() {
            Some(at) => {
                self.slots[at] = v;
                at
            }
            None => {
                self.slots.push(v);
                self.slots.len() - 1
            }
        }
    }

    /// Whether a new key of rank `r` gets a row, evicting the highest kept key if need be.
    fn make_room(&mut self, r: u64, key: &str) -> bool {
        if self.rows.len() < self.cap {
            return true;
        }
        self.overflowed = true;
        let Some((top, top_key)) = self.ranks.last() else {
            return false;
        };
        if (r, key) >= (*top, &**top_key) {
            return false;
        }
        self.epoch += 1;
        let (_, evicted) = self.ranks.pop_last().expect("a last rank");
        let at = self.rows.remove(&evicted).expect("ranked keys have rows");
        self.free.push(at);
        self.other.fold(std::mem::take(&mut self.slots[at]));
        true
    }

    pub fn merge(&mut self, mut other: Capped<V>) {
        self.epoch += 1;
        self.other.fold(other.other);
        self.overflowed |= other.overflowed;
        for (key, at) in other.rows {
            let v = std::mem::take(&mut other.slots[at]);
            if let Some(&mine) = self.rows.get(&key) {
                self.slots[mine].fold(v);
                continue;
            }
            let r = rank(&key);
            if self.make_room(r, &key) {
                self.ranks.insert((r, key.clone()));
                let mine = self.place(v);
                self.rows.insert(key, mine);
            } else {
                self.other.fold(v);
            }
        }
    }

    /// The rows, and `other` when anything was folded into it.
    pub fn into_rows(mut self) -> (Vec<(String, V)>, Option<V>) {
        let slots = &mut self.slots;
        let rows = self.rows.into_iter();
        let rows = rows.map(|(k, at)| (k.to_string(), std::mem::take(&mut slots[at])));
        (rows.collect(), self.overflowed.then_some(self.other))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A plain count, as a table row.
impl Row for u64 {
    fn fold(&mut self, other: Self) {
        *self += other;
    }
}

/// The rows with the largest `by`, ties by key, at most `n`.
pub fn top<V, K: Ord>(
    mut rows: Vec<(String, V)>,
    n: usize,
    by: impl Fn(&V) -> K,
) -> Vec<(String, V)> {
    rows.sort_by(|a, b| by(&b.1).cmp(&by(&a.1)).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(n);
    rows
}

/// A counted name, as report tables list them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Named {
    pub name: String,
    pub count: u64,
}

/// The `n` most counted names, then `other` when names did not fit.
pub fn named(t: Capped<u64>, n: usize) -> Vec<Named> {
    let (rows, other) = t.into_rows();
    top(rows, n, |c| *c)
        .into_iter()
        .chain(other.map(|c| ("other".to_string(), c)))
        .map(|(name, count)| Named { name, count })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(t: Capped<u64>) -> (Vec<(String, u64)>, Option<u64>) {
        let (mut rows, other) = t.into_rows();
        rows.sort();
        (rows, other)
    }

    /// The two lowest-ranked of four keys keep rows, whatever the order they come in;
    /// the others' counts are in `other`.
    #[test]
    fn past_the_cap_rows_go_to_other() {
        let keys = ["a", "b", "a", "c", "d"];
        let mut ranked: Vec<&str> = vec!["a", "b", "c", "d"];
        ranked.sort_by_key(|k| (rank(k), *k));
        let kept = &ranked[..2];
        let mut t: Capped<u64> = Capped::new(2);
        keys.iter().for_each(|k| *t.row(k) += 1);
        let mut reversed: Capped<u64> = Capped::new(2);
        keys.iter().rev().for_each(|k| *reversed.row(k) += 1);
        let (rows, other) = rows_of(t);
        let count = |k: &str| keys.iter().filter(|x| **x == k).count() as u64;
        let mut want: Vec<(String, u64)> = kept.iter().map(|k| (k.to_string(), count(k))).collect();
        want.sort();
        assert_eq!(rows, want);
        assert_eq!(other, Some(5 - want.iter().map(|(_, n)| n).sum::<u64>()));
        assert_eq!(rows_of(reversed), (rows, other));
    }

    /// Tables filled from the parts of a stream and merged, in either order, hold what
    /// one table filled from the whole stream holds, past the cap too.
    #[test]
    fn merged_parts_equal_the_whole() {
        let keys: Vec<String> = (0..500)
            .map(|i| format!("select {}", i * 7 % 130))
            .collect();
        let fill = |part: &[String]| {
            let mut t: Capped<u64> = Capped::new(50);
            part.iter().for_each(|k| *t.row(k) += 1);
            t
        };
        let whole = rows_of(fill(&keys));
        for cut in [1, 100, 250, 499] {
            let mut a = fill(&keys[..cut]);
            a.merge(fill(&keys[cut..]));
            assert_eq!(rows_of(a), whole, "cut at {cut}");
            let mut b = fill(&keys[cut..]);
            b.merge(fill(&keys[..cut]));
            assert_eq!(rows_of(b), whole, "cut at {cut}, merged the other way");
        }
        assert_eq!(whole.0.len(), 50);
        assert!(whole.1.is_some());
    }

    /// Rows found through remembered places are the rows `row` finds, while keys are
    /// evicted and their places taken by others: the highest ranked key is remembered,
    /// evicted by two lower ones, and met again.
    #[test]
    fn remembered_places_find_the_rows_row_finds() {
        let mut keys: Vec<String> = (0..6).map(|i| format!("k{i}")).collect();
        keys.sort_by_key(|k| (rank(k), k.clone()));
        let order = [5, 4, 5, 0, 5, 1, 5, 2, 4, 5, 3, 0, 5];
        let mut by_row: Capped<u64> = Capped::new(2);
        let mut by_place: Capped<u64> = Capped::new(2);
        let mut places: Vec<Option<Place>> = vec![None; keys.len()];
        for (n, &k) in order.iter().enumerate() {
            *by_row.row(&keys[k]) += 1 << n;
            *by_place.row_at(&keys[k], &mut places[k]) += 1 << n;
        }
        assert_eq!(rows_of(by_place), rows_of(by_row));
    }
}
