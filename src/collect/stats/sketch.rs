//! Durations in a few bytes per distinct value range: a log-scale histogram with eight
//! buckets per doubling, so a percentile read from it is within 9% of the true value.
//! Buckets add, so merged sketches equal one sketch over both inputs.

/// Sub-buckets per power of two.
const STEPS: u32 = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    /// (bucket, count), sorted by bucket; sparse, since one statement's durations span a
    /// few buckets.
    buckets: Vec<(u16, u64)>,
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

    fn add_n(&mut self, b: u16, n: u64) {
        self.count += n;
        match self.buckets.binary_search_by_key(&b, |(k, _)| *k) {
            Ok(i) => self.buckets[i].1 += n,
            Err(i) => self.buckets.insert(i, (b, n)),
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (b, n) in &other.buckets {
            self.add_n(*b, *n);
        }
    }

    /// The value at quantile `q` (0..=1): the lower bound of its bucket, at most `max`.
    pub fn quantile(&self, q: f64, max: u64) -> u64 {
        let rank = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return lower(*b).min(max);
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
}
