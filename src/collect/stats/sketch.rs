//! Durations in a few bytes per value range: a log-scale histogram with eight buckets per
//! doubling, so a percentile read from it is within 9% of the true value.
//! Buckets add, so merged sketches equal one sketch over both inputs.

/// Sub-buckets per power of two.
const STEPS: u32 = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    /// The counts of buckets `first..first + counts.len()`, the span from the lowest
    /// bucket added to the highest: one statement's durations span a few dozen buckets
    /// (at most 2 KB from a microsecond to a quarter of an hour), and a duration is
    /// counted with an index, not a search. The span depends only on which buckets were
    /// added, so equal sketches are equal whatever the order.
    first: u16,
    counts: Vec<u64>,
    count: u64,
}

fn bucket(v: u64) -> u16 {
    if v < u64::from(STEPS) {
        return v as u16;
    }
    let exp = 63 - v.leading_zeros();
    let mantissa = (v >> (exp - 3)) & u64::from(STEPS - 1);
    (exp * STEPS + mantissa as u32) as u16
}

/// The smallest value of a bucket.
fn lower(b: u16) -> u64 {
    let b = u32::from(b);
    if b < STEPS {
        return u64::from(b);
    }
    let (exp, mantissa) = (b / STEPS, b % STEPS);
    (u64::from(STEPS) + u64::from(mantissa)) << (exp - 3)
}

impl Sketch {
    pub fn add(&mut self, v: u64) {
        self.add_n(bucket(v), 1);
    }

    /// Inlined where a bucket already counted takes it (twice a statement): an index, no
    /// call; a bucket outside the span widens it first.
    #[inline]
    fn add_n(&mut self, b: u16, n: u64) {
        self.count += n;
        let at = usize::from(b).checked_sub(usize::from(self.first));
        match at.and_then(|i| self.counts.get_mut(i)) {
            Some(c) => *c += n,
            None => {
                let i = self.widen(b);
                self.counts[i] += n;
            }
        }
    }

    /// Makes the span cover bucket `b`; its index.
    #[inline(never)]
    fn widen(&mut self, b: u16) -> usize {
        if self.counts.is_empty() {
            self.first = b;
        } else if b < self.first {
            let below = usize::from(self.first - b);
            self.counts.splice(0..0, std::iter::repeat_n(0, below));
            self.first = b;
        }
        let i = usize::from(b - self.first);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        i
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (i, n) in other.counts.iter().enumerate() {
            if *n > 0 {
                self.add_n(other.first + i as u16, *n);
            }
        }
    }

    /// The value at quantile `q` (0..=1): the lower bound of its bucket, at most `max`.
    pub fn quantile(&self, q: f64, max: u64) -> u64 {
        let rank = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return lower(self.first + i as u16).min(max);
            }
        }
        max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut prev = 0;
        for v in [1u64, 7, 8, 9, 15, 16, 100, 1000, 123_456, u64::MAX / 2] {
            let b = bucket(v);
            assert!(b >= prev, "{v}");
            prev = b;
            assert!(lower(b) <= v && v - lower(b) <= v / 8, "{v}: {}", lower(b));
        }
    }

    #[test]
    fn p95_of_a_hundred_values() {
        let mut s = Sketch::default();
        (1..=100u64).for_each(|v| s.add(v * 1000));
        let p95 = s.quantile(0.95, 100_000);
        assert!((88_000..=95_000).contains(&p95), "{p95}");
    }

    /// Sketches filled in any order, or merged from parts, are equal: the span starts at
    /// the lowest bucket added whichever came first.
    #[test]
    fn order_and_merging_do_not_change_a_sketch() {
        let values = [5_000u64, 3, 900_000, 5_100, 70, 3, 12_000_000];
        let mut forward = Sketch::default();
        values.iter().for_each(|v| forward.add(*v));
        let mut backward = Sketch::default();
        values.iter().rev().for_each(|v| backward.add(*v));
        assert_eq!(forward, backward);
        let (mut low, mut high) = (Sketch::default(), Sketch::default());
        values
            .iter()
            .filter(|v| **v < 5_050)
            .for_each(|v| low.add(*v));
        values
            .iter()
            .filter(|v| **v >= 5_050)
            .for_each(|v| high.add(*v));
        high.merge(&low);
        assert_eq!(high, forward);
        assert_eq!(forward.quantile(0.5, 12_000_000), lower(bucket(5_000)));
        assert_eq!(forward.quantile(1.0, 12_000_000), lower(bucket(12_000_000)));
    }
}
