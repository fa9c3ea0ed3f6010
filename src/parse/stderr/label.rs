//! The level label that ends a stderr line's prefix (`ERROR:  `), and the
//! `program: level: text` labels of PostgreSQL's own programs.

use crate::bytes::find_byte;
use crate::catalogue::translations;
use crate::severity::Level;

/// Where a line's level label is: the prefix is `line[..prefix_len]`, the message starts
/// at `message_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labelled {
    pub prefix_len: usize,
    pub level: Level,
    pub message_start: usize,
    /// Spaces after the colon: PostgreSQL writes two (`ERROR:  `), other programs that
    /// borrow its level words mostly one.
    pub spaces: usize,
}

/// How far into a line the level label is looked for; prefixes are short.
const LABEL_SEARCH: usize = 1024;

/// Finds `LEVEL:` followed by a space, the level word standing at the start or after a
/// non-alphanumeric byte. The first such label is the line's; PostgreSQL's own prefixes
/// never contain one.
pub fn find_label(line: &[u8]) -> Option<Labelled> {
    let hay = &line[..line.len().min(LABEL_SEARCH)];
    let mut from = past_time(hay);
    while let Some(at) = find_byte(&hay[from..], b':') {
        let colon = from + at;
        from = colon + 1;
        if line.get(colon + 1) != Some(&b' ') {
            continue;
        }
        // A label's word ends at the colon, or one space before it (French); neither an
        // English nor a translated one ends in other ASCII punctuation (`[42]: `).
        let before = colon.checked_sub(1).map(|p| hay[p]);
        if before.is_some_and(|b| b.is_ascii_punctuation()) {
            continue;
        }
        let word_start = hay[..colon]
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |p| p + 1);
        let word = &hay[word_start..colon];
        let english = english_label(word).map(|(at, l)| (word_start + at, l));
        // Translated labels: any script, and French's space before the colon.
        let found = english.or_else(|| translations::label_before(hay, colon));
        if let Some((word_start, level)) = found {
            let spaces = line[colon + 1..].iter().take_while(|b| **b == b' ').count();
            return Some(Labelled {
                prefix_len: word_start,
                level,
                message_start: colon + 1 + spaces,
                spaces,
            });
        }
    }
    None
}

/// Where the search starts: past a line's leading `YYYY-MM-DD HH:MM:` (`%t`, `%m`), whose
/// two colons follow digits and so end no label, English (its word ends in a capital) or
/// translated (no ASCII byte but a capital ends one). Most lines open so, and the search
/// stopped at both.
fn past_time(hay: &[u8]) -> usize {
    let Some(head) = hay.get(..17) else {
        return 0;
    };
    let word = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().expect("eight bytes"));
    let colons = (colons(word(0)), colons(word(8)));
    let digits_before = head[12].is_ascii_digit() && head[15].is_ascii_digit();
    if colons == (0, 0x80 << 40) && head[16] == b':' && digits_before {
        17
    } else {
        0
    }
}

/// The colons of eight bytes, as 0x80 in each (exact, unlike `find_byte`'s flags).
fn colons(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ (0x0101_0101_0101_0101 * u64::from(b':'));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// An English level word, at `word`'s start or, when a prefix with no space before the
/// level ran a value into it (Crunchy's `...,client=%h`: `client=127.0.0.1LOG:`), after the
/// digit or lower-case letter the value ended with. Returns where the label starts.
fn english_label(word: &[u8]) -> Option<(usize, Level)> {
    let at = match word.iter().rposition(|b| !b.is_ascii_uppercase()) {
        None => 0,
        Some(p) if word[p].is_ascii_digit() || word[p].is_ascii_lowercase() => p + 1,
        Some(_) => return None,
    };
    let label = &word[at..];
    (label.len() >= 3).then(|| Level::from_label(label).map(|l| (at, l)))?
}

/// The line without the indentation, list marker or lost-prefix space a paste put before
/// it (`    LOG:  ...`, `  - 2022-10-31 ... FATAL:  ...`, ` ERROR:  ...`), when a level label
/// follows: PostgreSQL continues its own lines with a TAB, never with spaces, and the
/// space-indented lines of entrypoint banners carry no label.
pub fn unindent(line: &[u8]) -> &[u8] {
    // Most lines open with neither: nothing to take off.
    if !matches!(line.first(), Some(b' ' | b'-')) {
        return line;
    }
    let rest = trim_spaces(line);
    let listed = rest.strip_prefix(b"- ").map(trim_spaces);
    let rest = listed.unwrap_or(rest);
    if rest.len() < line.len() && find_label(rest).is_some() {
        rest
    } else {
        line
    }
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    &s[s.iter().take_while(|b| **b == b' ').count()..]
}

/// `initdb: warning: text`, the way PostgreSQL's programs report since version 12.
pub fn frontend_label(line: &[u8]) -> Option<(Level, usize)> {
    let prog_end = memchr::memchr(b':', &line[..line.len().min(64)])?;
    if prog_end == 0
        || !line[..prog_end]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
    {
        return None;
    }
    let rest = line[prog_end + 1..].strip_prefix(b" ")?;
    let word_end = memchr::memchr(b':', &rest[..rest.len().min(16)])?;
    let level = Level::from_frontend_label(&rest[..word_end])?;
    let start = prog_end + 2 + word_end + 1;
    let spaces = line[start..].iter().take_while(|b| **b == b' ').count();
    Some((level, start + spaces))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made lines (not server output): the search starts past a leading date and time
    /// only where both its colons follow digits and no other colon comes before them.
    #[test]
    fn the_search_starts_past_a_leading_time() {
        assert_eq!(past_time(b"2024-01-02 03:04:05 UTC LOG:  x"), 17);
        assert_eq!(past_time(b"2024-01-02 03:04:05.123 [7] LOG:  x"), 17);
        assert_eq!(past_time(b"2024-01-02 03:04:"), 17);
        for other in [
            &b"2024-01-02 03:04"[..],
            b"LOG:  2024-01-02 03:04:05",
            b"2024-01-02 0LOG: 05 x",
            b"2024-01-02 03:0A: x",
            b"2024:01-02 03:04:05",
            b"2024-01-02 03:04-05",
        ] {
            assert_eq!(past_time(other), 0, "{}", String::from_utf8_lossy(other));
        }
        assert_eq!(
            find_label(b"LOG:  2024-01-02 03:04:05").unwrap().prefix_len,
            0
        );
    }

    /// Lines of real translated servers (sample-logs/translated/fr.log, ru.log): a label
    /// after a space (French) or in another script is found past the prefix's `]` colon.
    #[test]
    fn translated_labels_after_the_prefix() {
        for (line, level) in [
            (
                "2026-12-02 20:40:46.724 UTC [881] INSTRUCTION :  SELEC 1",
                Level::Statement,
            ),
            (
                "2026-12-02 20:41:27.546 UTC [5125] ОШИБКА:  отношение \"nosuchtable\" не существует (символ 15)",
                Level::Error,
            ),
        ] {
            let l = find_label(line.as_bytes()).expect(line);
            assert_eq!(l.level, level, "{line}");
            assert_eq!(l.prefix_len, line.find("] ").unwrap() + 2, "{line}");
        }
    }

    #[test]
    fn label_search_skips_times_and_lowercase_words() {
        let l =
            find_label(b"2021-05-27 17:00:00 UTC:10.1.91.65:u@d:[1]:LOG: duration: 1 ms").unwrap();
        assert_eq!(l.level, Level::Log);
        assert_eq!(l.prefix_len, 43);
        assert!(find_label(b"sh: locale: not found").is_none());
        assert!(find_label(b"Success. You can now start: pg_ctl").is_none());
    }
}
