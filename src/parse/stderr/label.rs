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
/// The longest English level word read (`STATEMENT`, `BACKTRACE`).
const LONGEST_ENGLISH: usize = 9;

/// Finds `LEVEL:` followed by a space, the level word standing at the start or after a
/// non-alphanumeric byte. The first such label is the line's; PostgreSQL's own prefixes
/// never contain one.
pub fn find_label(line: &[u8]) -> Option<Labelled> {
    first_label(line, past_time(line), LABEL_SEARCH)
}

/// The first label whose colon is in `line[from..until]`, each colon judged as
/// `find_label` judges it.
fn first_label(line: &[u8], mut from: usize, until: usize) -> Option<Labelled> {
    let hay = &line[..line.len().min(LABEL_SEARCH)];
    let until = until.min(hay.len());
    while let Some(at) = hay.get(from..until).and_then(|s| find_byte(s, b':')) {
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
        // Translated labels: any script, and French's space before the colon.
        let found = english_at(hay, colon).or_else(|| translations::label_before(hay, colon));
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

/// An English label ending at `hay[colon]`: where it starts, and its level.
fn english_at(hay: &[u8], colon: usize) -> Option<(usize, Level)> {
    let word_start = hay[..colon]
        .iter()
        .rposition(|b| !b.is_ascii_alphanumeric())
        .map_or(0, |p| p + 1);
    english_label(&hay[word_start..colon]).map(|(at, l)| (word_start + at, l))
}

/// A line's label kept with the bytes that decided it, so that the next line of a stream
/// that holds the same bytes at its own place has it without a search (ADR 20).
///
/// Whether a colon ends a label depends on nearby bytes only: after it, the space and the
/// run of spaces up to the next byte; before it, an English level word and the byte
/// before the word (which ends its run of capitals), or, for a translated one, at most
/// `translated_lookback()` bytes (English is judged first). The memory keeps a line's
/// bytes from a place `at` (where its prefix's free text starts) through the label's
/// spaces, when no other colon is among them and the bytes before the colon that decided
/// the label are among them or among the `same` bytes before `at` that every line read
/// this way shares (the prefix's literal). A line holding the same bytes from its own
/// `at` then has no colon there that could end a label before this one, and this one
/// ends a label with the same word, level and spaces; its colons before `at` are judged
/// as `find_label` judges them.
#[derive(Debug, Default)]
pub struct Remembered {
    bytes: Vec<u8>,
    /// The label, its places counted from `at`.
    label: Option<Labelled>,
}

impl Remembered {
    /// Keeps `l`, the label `find_label` read in `line`, from `at` on; or nothing, where the
    /// bytes from `at - same` do not decide it alone.
    pub fn keep(&mut self, line: &[u8], at: usize, same: usize, l: Labelled) {
        debug_assert!(at <= l.prefix_len && same <= at);
        self.label = None;
        let colon = l.message_start - l.spaces - 1;
        let decided_by = match english_at(line, colon) {
            Some(_) => colon - l.prefix_len + 1,
            None => translated_lookback(),
        };
        let decided =
            colon + same >= at + decided_by && find_byte(&line[at..colon], b':').is_none();
        if decided {
            self.bytes.clear();
            self.bytes.extend_from_slice(&line[at..l.message_start]);
            self.label = Some(Labelled {
                prefix_len: l.prefix_len - at,
                message_start: l.message_start - at,
                ..l
            });
        }
    }

    pub fn forget(&mut self) {
        self.label = None;
    }

    /// `find_label(line)`, where `line` holds the kept bytes from `at`; `None` otherwise.
    pub fn find(&self, line: &[u8], at: usize) -> Option<Labelled> {
        let l = self.label?;
        let colon = at + l.message_start - l.spaces - 1;
        let repeated = line
            .get(at..)
            .is_some_and(|rest| crate::bytes::starts_with(rest, &self.bytes));
        // The run of spaces after the colon ends where the kept line's did.
        let spaced = line.get(at + l.message_start) == Some(&b' ');
        if !repeated || spaced || colon >= LABEL_SEARCH {
            return None;
        }
        // The search starts at or before `at`: where it starts past a line's leading time,
        // that time's colons (at 13 and 16, after digits) are before `at`, as the kept
        // bytes hold no colon before the label's, which digits do not end. The prefix is
        // not empty: the byte before the word is kept, or `at` is past `same` bytes.
        let l = Labelled {
            prefix_len: l.prefix_len + at,
            message_start: l.message_start + at,
            ..l
        };
        let start = past_time(line);
        debug_assert!(l.prefix_len > 0 && start <= at);
        first_label(line, start, at).is_none().then_some(l)
    }
}

/// Bytes before a colon that `first_label` reads to judge a translated label there: the
/// English word it finds none in (capitals and the byte before them), and the translated
/// word with the French space and the byte before.
fn translated_lookback() -> usize {
    (LONGEST_ENGLISH + 2).max(translations::longest_label() + 2)
}

/// Where the search starts: past a line's leading `YYYY-MM-DD HH:MM:` (`%t`, `%m`), whose
/// two colons follow digits and so end no label, English (its word ends in a capital) or
/// translated (no ASCII byte but a capital ends one). Most lines open so, and the search
/// stopped at both.
fn past_time(line: &[u8]) -> usize {
    let Some(head) = line.get(..17) else {
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
    // The bound makes `LONGEST_ENGLISH` true whatever `from_label` learns to read.
    (3..=LONGEST_ENGLISH)
        .contains(&label.len())
        .then(|| Level::from_label(label).map(|l| (at, l)))?
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
