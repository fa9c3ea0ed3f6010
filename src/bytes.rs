//! Byte searches over a few bytes (a line's prefix and label, what statistics look for
//! near a message's start, a template's next literal), where a vectorised search costs
//! more to set up than it saves.

/// The first `b` in `s`, eight bytes at a time: a byte equal to `b` is zero after the
/// xor, and `(w - 0x01..) & !w & 0x80..` flags the first zero byte of a word exactly
/// (a false flag can only follow a true one).
pub fn find_byte(s: &[u8], b: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(b);
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes")) ^ pattern;
        let zero = w.wrapping_sub(ONES) & !w & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter().position(|x| *x == b).map(|p| at + p)
}

/// Whether `a` and `b` hold the same bytes. Up to 32 bytes (the literals, names and times
/// compared on every line) they are compared as overlapping words here, inline: a call to
/// `memcmp` cost more than the compare. Longer ones go to it.
#[inline]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let w4 = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        17..=32 => {
            w8(a, 0) == w8(b, 0)
                && w8(a, 8) == w8(b, 8)
                && w8(a, n - 16) == w8(b, n - 16)
                && w8(a, n - 8) == w8(b, n - 8)
        }
        _ => a == b,
    }
}

/// Whether `hay` starts with `prefix`, compared as `eq` compares.
#[inline]
pub fn starts_with(hay: &[u8], prefix: &[u8]) -> bool {
    hay.get(..prefix.len()).is_some_and(|head| eq(head, prefix))
}

/// Whether `hay` ends with `suffix`, compared as `eq` compares.
#[inline]
pub fn ends_with(hay: &[u8], suffix: &[u8]) -> bool {
    hay.len() >= suffix.len() && eq(&hay[hay.len() - suffix.len()..], suffix)
}

/// Where `needle` (not empty) first occurs in `hay`: its first byte's places, each
/// compared with the rest. The needles are short and mostly found within a few bytes (the
/// literal after a prefix's user or host, a statement record's ` ms  `): `memmem` builds a
/// searcher for each call, and a vectorised `memchr` costs more to set up than such a
/// scan takes.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(at) = find_byte(&hay[from..], first) {
        let at = from + at;
        if starts_with(&hay[at + 1..], rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The high bit of each of eight bytes (little-endian) that is an ASCII digit. A byte is a
/// digit when its xor with `0` is below 10, which `(t | 0x80) - 10` tells in its high bit
/// without a borrow between bytes.
#[inline]
pub fn digit_flags(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let t = word ^ (ONES * u64::from(b'0'));
    !((t | HIGH).wrapping_sub(ONES * 10)) & !t & HIGH
}

/// How many ASCII digits `s` starts with, eight bytes at a time: a prefix's pid and line
/// number, a time's fraction.
pub fn leading_digits(s: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(word) = s.get(at..at + 8) {
        let other = !digit_flags(u64::from_le_bytes(word.try_into().expect("eight bytes"))) & HIGH;
        if other != 0 {
            return at + (other.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + s[at..].iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time count is a byte loop's: runs of every length around the word
    /// size, ended by every byte value.
    #[test]
    fn leading_digits_counts_as_a_loop() {
        for run in 0..20 {
            for end in 0..=255u8 {
                for tail in [&b""[..], b"7", b"12345678"] {
                    let s: Vec<u8> = (0..run)
                        .map(|i| b'0' + (i * 7 % 10) as u8)
                        .chain([end])
                        .chain(tail.iter().copied())
                        .collect();
                    let want = s.iter().take_while(|b| b.is_ascii_digit()).count();
                    assert_eq!(leading_digits(&s), want, "{s:?}");
                    assert_eq!(leading_digits(&s[..run]), run);
                }
            }
        }
    }

    /// The word-at-a-time search finds what a byte loop finds: every position of the byte
    /// in words and remainders, high bytes and the bytes next to the one looked for.
    #[test]
    fn find_byte_is_position() {
        for len in 0..24 {
            for b in [b',', 0x00, 0x7f, 0x80, 0xff] {
                for at in 0..=len {
                    let mut hay: Vec<u8> =
                        (0..len).map(|i| (i as u8).wrapping_mul(37) | 1).collect();
                    hay.iter_mut().filter(|x| **x == b).for_each(|x| *x = b ^ 1);
                    if at < len {
                        hay[at] = b;
                        hay[len - 1] = b;
                    }
                    let want = hay.iter().position(|x| *x == b);
                    assert_eq!(find_byte(&hay, b), want, "{hay:?} {b}");
                }
            }
        }
    }

    /// Equal and prefix as the slices' own compares say, at every length around the
    /// word sizes, with a difference at each place.
    #[test]
    fn eq_is_slice_equality() {
        for n in 0usize..40 {
            let a: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(29) ^ 0x55).collect();
            assert!(eq(&a, &a.clone()));
            assert!(!eq(&a, &a[..n.saturating_sub(1)]) || n == 0);
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!eq(&a, &b), "{n} {at}");
                let hay = [a.as_slice(), b"tail"].concat();
                assert!(starts_with(&hay, &a));
                assert!(!starts_with(&hay, &b), "{n} {at}");
                let hay = [b"head", a.as_slice()].concat();
                assert!(ends_with(&hay, &a));
                assert!(!ends_with(&hay, &b), "{n} {at}");
            }
            assert!(!starts_with(&a[..n / 2], &a) || n == 0);
            assert!(n == 0 || !ends_with(&a[1..], &a));
        }
    }

    /// The first place of a needle, as `memmem` finds it: after false starts, overlapping
    /// itself, at the end, nowhere; an empty needle is found nowhere.
    #[test]
    fn find_is_the_first_place() {
        for (hay, needle) in [
            (&b"user=a,db=b"[..], &b",db="[..]),
            (b"a ms b  ms  x ms  ", b" ms  "),
            (b"aaab", b"aab"),
            (b"xyz", b"z"),
            (b"xyz", b"yzz"),
            (b"", b"a"),
        ] {
            assert_eq!(
                find(hay, needle),
                memchr::memmem::find(hay, needle),
                "{hay:?}"
            );
        }
        assert_eq!(find(b"abc", b""), None);
    }
}
