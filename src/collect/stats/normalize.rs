//! Statements by shape, the way pgBadger groups them: lower case, comments dropped,
//! whitespace folded, literals and parameters replaced by `?`, `IN (?, ?, ?)` folded to
//! `in (...)`. One pass over the bytes into a buffer the caller reuses, so normalising
//! allocates nothing once the buffer has grown. The shape carries no literal, so it is
//! already redacted.

use std::ops::Range;

/// Each byte as the shape keeps it (lower-cased), or 0 for the bytes `normalize_into`
/// looks at, so that most bytes cost one load. A digit is looked at, as it is kept only
/// when it continues a word (`t1`), which the byte before tells; NUL is looked at only
/// because 0 marks the others, and is then kept as any other byte is. Every byte looked
/// at is below `A` (`word_start` copies the rest eight at a time).
const KEPT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 1;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    let special = b"-/ \t\n\r'\"$0123456789),";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = 0;
        i += 1;
    }
    t
};

/// Appends the shape of `text` to `out`. Call it for each part of a statement logged over
/// several lines; `out` must hold the shape so far (it is read to fold `IN` lists).
pub fn normalize_into(out: &mut Vec<u8>, text: &[u8]) {
    walk(out, text, None);
}

/// `normalize_into`, telling where in `text` each number it replaced by `?` is: the
/// places `Shapes` lets another statement's numbers differ (see there why that is exact).
pub fn normalize_marking(out: &mut Vec<u8>, text: &[u8], numbers: &mut Vec<Range<usize>>) {
    walk(out, text, Some(numbers));
}

fn walk(out: &mut Vec<u8>, text: &[u8], mut numbers: Option<&mut Vec<Range<usize>>>) {
    // The shape is never longer than the text but for `, ` and `in (...)`: one reserve.
    out.reserve(text.len() + 16);
    let mut i = 0;
    while i < text.len() {
        // Words, eight bytes at a time: written whole, then cut after the word. A word
        // that ends here is followed by a byte the table looks at, at once.
        if let Some(eight) = text.get(i..i + 8) {
            let (n, lowered) = word_start(eight.try_into().expect("eight bytes"));
            if n > 0 {
                let len = out.len();
                out.extend_from_slice(&lowered);
                out.truncate(len + n);
                i += n;
                if n == 8 {
                    continue;
                }
                // A space after a word is kept (`space`), mostly before the next word.
                if text[i] == b' ' {
                    out.push(b' ');
                    i += 1;
                    continue;
                }
            }
        }
        let b = text[i];
        // Most bytes are kept as they are, lower-cased.
        let kept = KEPT[usize::from(b)];
        if kept != 0 {
            out.push(kept);
            i += 1;
            continue;
        }
        i = match b {
            b'-' if text.get(i + 1) == Some(&b'-') => {
                space(out);
                memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |p| i + p)
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                space(out);
                crate::bytes::find(&text[i + 2..], b"*/").map_or(text.len(), |p| i + p + 4)
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                space(out);
                i + 1
            }
            b'\'' => {
                placeholder(out);
                quoted_end(text, i + 1, b'\'')
            }
            b'"' => {
                let end = quoted_end(text, i + 1, b'"');
                out.extend_from_slice(&text[i..end]);
                end
            }
            b'$' => dollar(out, text, i),
            b'0'..=b'9' if !in_word(out) => {
                unary_minus(out);
                placeholder(out);
                let end = number_end(text, i);
                if let Some(n) = numbers.as_deref_mut() {
                    n.push(i..end);
                }
                end
            }
            b')' => {
                close(out);
                i + 1
            }
            _ => {
                if b == b',' {
                    trim_space(out);
                }
                out.push(b.to_ascii_lowercase());
                if b == b',' {
                    out.push(b' ');
                }
                i + 1
            }
        };
    }
}

/// How many of `eight` open a run of bytes from `A` up, and the eight lower-cased. Those
/// bytes (letters, `_`, UTF-8) are the bulk of a statement, and `KEPT` keeps every one of
/// them as `to_ascii_lowercase` does, so a run is copied without looking at each byte
/// alone.
fn word_start(eight: [u8; 8]) -> (usize, [u8; 8]) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(eight);
    // With each byte's high bit set first, no subtraction borrows from the next byte: a
    // high bit left set says the low seven bits were at least the number taken away.
    let from_a = ((x | HIGH).wrapping_sub(ONES * 0x41)) & HIGH;
    let past_z = ((x | HIGH).wrapping_sub(ONES * 0x5B)) & HIGH;
    let upper = from_a & !past_z & !x;
    let run = from_a | (x & HIGH);
    let n = ((!run & HIGH).trailing_zeros() / 8) as usize;
    (n, (x | (upper >> 2)).to_le_bytes())
}

/// The shape of one whole statement, in `out` (cleared first), without a trailing space
/// or semicolon.
pub fn normalize(out: &mut Vec<u8>, text: &[u8]) {
    out.clear();
    normalize_into(out, text);
    finish(out);
}

/// Trims what a statement's parts left at its end.
pub fn finish(out: &mut Vec<u8>) {
    while matches!(out.last(), Some(b' ' | b';')) {
        out.pop();
    }
}

fn space(out: &mut Vec<u8>) {
    if !matches!(out.last(), None | Some(b' ' | b'(')) {
        out.push(b' ');
    }
}

fn trim_space(out: &mut Vec<u8>) {
    if out.last() == Some(&b' ') {
        out.pop();
    }
}

fn placeholder(out: &mut Vec<u8>) {
    // `E'...'`, `B'...'`, `X'...'`: the prefix is part of the literal.
    if matches!(out.last(), Some(b'e' | b'b' | b'x'))
        && !out
            .len()
            .checked_sub(2)
            .is_some_and(|p| in_word(&out[..=p]))
    {
        out.pop();
    }
    out.push(b'?');
}

/// Whether the byte before belongs to an identifier (`t1`, `col_2`), so a digit continues it.
fn in_word(out: &[u8]) -> bool {
    out.last()
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.' && out.len() > 1)
}

/// Drops the sign of a negative literal (`+ -4897`, `(-1`), not a subtraction (`a-1`).
fn unary_minus(out: &mut Vec<u8>) {
    if out.last() == Some(&b'-') {
        let before = out.len().checked_sub(2).map(|p| out[p]);
        if before
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b')' | b'"' | b'?')))
        {
            out.pop();
        }
    }
}

fn quoted_end(text: &[u8], mut i: usize, quote: u8) -> usize {
    while i < text.len() {
        if text[i] == quote {
            if text.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    text.len()
}

/// Where the number starting at `i` ends: letters, digits and dots run on (`1e5`, `0x1F`).
/// A table says which bytes do: a remembered statement's numbers are skipped with it.
pub(super) fn number_end(text: &[u8], i: usize) -> usize {
    const IN_NUMBER: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'.';
            b += 1;
        }
        table
    };
    i + text[i..]
        .iter()
        .take_while(|b| IN_NUMBER[usize::from(**b)])
        .count()
}

/// `$1` (a parameter) or `$tag$...$tag$` (a dollar-quoted literal).
fn dollar(out: &mut Vec<u8>, text: &[u8], i: usize) -> usize {
    let rest = &text[i + 1..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 {
        out.push(b'?');
        return i + 1 + digits;
    }
    let tag_len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    if rest.get(tag_len) != Some(&b'$') {
        out.push(b'$');
        return i + 1;
    }
    let tag = &text[i..i + tag_len + 2];
    let body = i + tag.len();
    placeholder(out);
    crate::bytes::find(&text[body..], tag).map_or(text.len(), |p| body + p + tag.len())
}

/// `)`: folds a list of placeholders after `in (` into `in (...)`.
fn close(out: &mut Vec<u8>) {
    trim_space(out);
    let open = out.iter().rposition(|b| *b == b'(');
    if let Some(open) = open {
        let list = &out[open + 1..];
        let only_values = !list.is_empty() && list.iter().all(|b| matches!(b, b'?' | b',' | b' '));
        let before = out[..open].strip_suffix(b" ").unwrap_or(&out[..open]);
        if only_values && (before == b"in" || before.ends_with(b" in")) {
            out.truncate(before.len());
            out.extend_from_slice(b" (...");
        }
    }
    out.push(b')');
}

crate::report_names! {
    /// What a statement does, from its first word.
    pub enum StatementType {
        Select = "select",
        Insert = "insert",
        Update = "update",
        Delete = "delete",
        Copy = "copy",
        Ddl = "ddl",
        Transaction = "transaction",
        Other = "other",
    }
}

/// The type of a normalised statement. `WITH` counts by the statement it leads to, as far
/// as one pass can tell (a data-modifying CTE names its verb after the CTE list).
pub fn statement_type(shape: &[u8]) -> StatementType {
    let word_end = shape
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(shape.len());
    match &shape[..word_end] {
        b"select" | b"values" | b"table" | b"show" | b"fetch" | b"execute" => StatementType::Select,
        b"insert" => StatementType::Insert,
        b"update" => StatementType::Update,
        b"delete" => StatementType::Delete,
        b"copy" => StatementType::Copy,
        b"create" | b"alter" | b"drop" | b"truncate" | b"comment" | b"grant" | b"revoke" => {
            StatementType::Ddl
        }
        b"begin" | b"commit" | b"rollback" | b"end" | b"savepoint" | b"release" | b"start"
        | b"abort" | b"prepare" => StatementType::Transaction,
        b"with" => with_type(shape),
        _ => StatementType::Other,
    }
}

fn with_type(shape: &[u8]) -> StatementType {
    // The verb after the last `) ` that closes the CTE list.
    let after = shape
        .windows(2)
        .rposition(|w| w == b") ")
        .map_or(&[][..], |p| &shape[p + 2..]);
    match statement_type(after) {
        StatementType::Other => StatementType::Select,
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(s: &str) -> String {
        let mut out = Vec::new();
        normalize(&mut out, s.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn literals_parameters_and_lists_fold() {
        // From pgBadger's light.postgres.log fixture (pgbench).
        assert_eq!(
            shape("UPDATE pgbench_branches SET bbalance = bbalance + 4597 WHERE bid = 1;"),
            "update pgbench_branches set bbalance = bbalance + ? where bid = ?"
        );
        assert_eq!(
            shape("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (2, 1, 72639, -4897, CURRENT_TIMESTAMP);"),
            "insert into pgbench_history (tid, bid, aid, delta, mtime) values (?, ?, ?, ?, current_timestamp)"
        );
        assert_eq!(
            shape("select *  from t1 where a IN (1, 2,3) and b = 'x''y' -- note\n and c = $1"),
            "select * from t1 where a in (...) and b = ? and c = ?"
        );
        assert_eq!(
            shape("/* app */ SELECT $f$body$f$, E'\\n', \"Col1\" FROM s.t2"),
            "select ?, ?, \"Col1\" from s.t2"
        );
    }

    /// Every byte value at every place of an eight-byte run, against the byte-at-a-time
    /// table: the run stops where `KEPT` would look at a byte, and lower-cases as it does.
    #[test]
    fn a_run_of_eight_keeps_what_the_table_keeps() {
        assert!((b'A'..=255).all(|b| KEPT[usize::from(b)] != 0));
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut eight = *b"wordWORD";
                eight[at] = b;
                let (n, lowered) = word_start(eight);
                let expected = eight.iter().position(|&c| c < b'A').unwrap_or(8);
                assert_eq!(n, expected, "{b:#x} at {at}");
                for k in 0..n {
                    assert_eq!(lowered[k], KEPT[usize::from(eight[k])], "{b:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn types_from_the_first_word() {
        let t = |s: &str| statement_type(shape(s).as_bytes());
        assert_eq!(t("SELECT 1"), StatementType::Select);
        assert_eq!(
            t("with x as (select 1) insert into t select * from x"),
            StatementType::Insert
        );
        assert_eq!(t("CREATE INDEX i ON t (a)"), StatementType::Ddl);
        assert_eq!(t("END;"), StatementType::Transaction);
    }
}
