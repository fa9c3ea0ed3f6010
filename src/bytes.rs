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
}
