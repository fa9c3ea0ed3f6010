//! A table keyed by text with a fixed number of rows. Keys past the cap are summed into one
//! `other` row, so a log with a million distinct statements costs what one with `cap` costs.

use std::collections::HashMap;

/// A row of a statistics table: how two rows of the same key combine.
pub trait Row: Default {
    fn fold(&mut self, other: Self);
}

#[derive(Debug, Clone)]
pub struct Capped<V> {
    rows: HashMap<String, V>,
    other: V,
    /// Keys folded into `other`, counted per observation.
    other_hits: u64,
    cap: usize,
}

impl<V: Row> Capped<V> {
    pub fn new(cap: usize) -> Self {
        Capped {
            rows: HashMap::new(),
            other: V::default(),
            other_hits: 0,
            cap,
        }
    }

    /// The row of `key`, created while there is room (the only allocation), else `other`.
    pub fn row(&mut self, key: &str) -> &mut V {
        if !self.rows.contains_key(key) {
            if self.rows.len() >= self.cap {
                self.other_hits += 1;
                return &mut self.other;
            }
            self.rows.insert(key.to_string(), V::default());
        }
        self.rows.get_mut(key).expect("row just ensured")
    }

    pub fn merge(&mut self, other: Capped<V>) {
        let mut incoming: Vec<(String, V)> = other.rows.into_iter().collect();
        // Existing keys first, then new ones in key order: the outcome past the cap does
        // not depend on hash order.
        incoming.sort_by(|a, b| {
            (!self.rows.contains_key(&a.0), &a.0).cmp(&(!self.rows.contains_key(&b.0), &b.0))
        });
        for (k, v) in incoming {
            if let Some(row) = self.rows.get_mut(&k) {
                row.fold(v);
            } else if self.rows.len() < self.cap {
                self.rows.insert(k, v);
            } else {
                self.other_hits += 1;
                self.other.fold(v);
            }
        }
        self.other.fold(other.other);
        self.other_hits += other.other_hits;
    }

    /// The rows, and `other` when anything was folded into it.
    pub fn into_rows(self) -> (Vec<(String, V)>, Option<V>) {
        let other = (self.other_hits > 0).then_some(self.other);
        (self.rows.into_iter().collect(), other)
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

    #[test]
    fn past_the_cap_rows_go_to_other() {
        let mut t: Capped<u64> = Capped::new(2);
        for k in ["a", "b", "a", "c", "d"] {
            *t.row(k) += 1;
        }
        let (mut rows, other) = t.into_rows();
        rows.sort();
        assert_eq!(rows, vec![("a".into(), 2), ("b".into(), 1)]);
        assert_eq!(other, Some(2));
    }
}
