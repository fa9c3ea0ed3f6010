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
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
