//! PostgreSQL's own translations of the catalogue's templates and of its level labels, so
//! that a server run with `lc_messages = 'de_DE.UTF-8'` (or fr, ja, ru, zh_CN, ...) is read
//! as its English twin: every translated template is one more template of the same entry.
//! The data, `patterns/translations/<lang>.tsv`, is generated from the server's message
//! catalogues by scripts/gen-translations.sh, never written by hand.

use super::template::Template;
use super::{Compiled, TemplateDef};
use crate::severity::Level;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Each language PostgreSQL 15 ships, with its generated data.
const FILES: &[(&str, &str)] = &[
    ("de", include_str!("../../patterns/translations/de.tsv")),
    ("es", include_str!("../../patterns/translations/es.tsv")),
    ("fr", include_str!("../../patterns/translations/fr.tsv")),
    ("it", include_str!("../../patterns/translations/it.tsv")),
    ("ja", include_str!("../../patterns/translations/ja.tsv")),
    ("ka", include_str!("../../patterns/translations/ka.tsv")),
    ("ko", include_str!("../../patterns/translations/ko.tsv")),
    ("ru", include_str!("../../patterns/translations/ru.tsv")),
    ("sv", include_str!("../../patterns/translations/sv.tsv")),
    ("uk", include_str!("../../patterns/translations/uk.tsv")),
    (
        "zh_CN",
        include_str!("../../patterns/translations/zh_CN.tsv"),
    ),
];

/// The generated data, read once.
struct Translations {
    /// English template → (language, translation), every language's.
    templates: HashMap<String, Vec<(&'static str, String)>>,
    /// Translated level and continuation words (`FEHLER`, `DÉTAIL`), longest first; a word
    /// two levels share in one language (ka's WARNING and NOTICE) reads as the first,
    /// more severe, one.
    labels: Vec<(Vec<u8>, Level)>,
    /// ` at character %d` translated, split around its number (`(`, `文字目)`).
    positions: Vec<(Vec<u8>, Vec<u8>)>,
    /// The bytes a translated position can end with: every message is checked, and its
    /// last byte rules out almost all without a look at the forms.
    position_ends: [bool; 256],
}

fn data() -> &'static Translations {
    static DATA: OnceLock<Translations> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut t = Translations {
            templates: HashMap::new(),
            labels: Vec::new(),
            positions: Vec::new(),
            position_ends: [false; 256],
        };
        for (lang, text) in FILES {
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let mut cols = line.split('\t').map(unescape);
                let (Some(kind), Some(msgid), Some(msgstr)) =
                    (cols.next(), cols.next(), cols.next())
                else {
                    continue;
                };
                t.add(lang, &kind, &msgid, msgstr);
            }
        }
        t.labels.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        for (_, post) in &t.positions {
            match post.last() {
                Some(b) => t.position_ends[usize::from(*b)] = true,
                None => (b'0'..=b'9').for_each(|d| t.position_ends[usize::from(d)] = true),
            }
        }
        t
    })
}

impl Translations {
    fn add(&mut self, lang: &'static str, kind: &str, msgid: &str, msgstr: String) {
        match kind {
            "template" => self
                .templates
                .entry(msgid.to_string())
                .or_default()
                .push((lang, msgstr)),
            "label" => {
                let english = label_word(msgid);
                let word = label_word(&msgstr);
                let known = self.labels.iter().any(|(w, _)| w == word.as_bytes());
                if let (Some(level), false) = (Level::from_label(english.as_bytes()), known) {
                    self.labels.push((word.as_bytes().to_vec(), level));
                }
            }
            "position" => {
                if let Some((pre, post)) = msgstr.split_once("%d") {
                    self.positions.push((pre.into(), post.into()));
                }
            }
            _ => {}
        }
    }
}

/// `DÉTAIL :  ` → `DÉTAIL`, `EMPLACEMENT :  %s, %s:%d\n` → `EMPLACEMENT`.
fn label_word(s: &str) -> &str {
    s.split(':')
        .next()
        .unwrap_or(s)
        .trim_end_matches([' ', '\u{a0}'])
}

/// The data's escapes: `\t`, `\n`, `\\`. Runs between escapes are copied whole: every
/// invocation reads some 13,000 of these strings before its first line.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let mut after = rest[at + 1..].chars();
        match after.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
        rest = after.as_str();
    }
    out.push_str(rest);
    out
}

/// A level label in English or in any of PostgreSQL's translations.
pub fn any_level(word: &[u8]) -> Option<Level> {
    Level::from_label(word).or_else(|| level(word))
}

/// The level a translated label word stands for (`FEHLER` → ERROR).
pub fn level(word: &[u8]) -> Option<Level> {
    data()
        .labels
        .iter()
        .find(|(w, _)| w == word)
        .map(|(_, l)| *l)
}

/// Bytes of the longest translated level label.
pub fn longest_label() -> usize {
    data().labels.first().map_or(0, |(w, _)| w.len())
}

/// A translated label ending at `hay[colon]`, the French space before the colon allowed
/// (`INSTRUCTION :`), standing at the start or after a non-alphanumeric ASCII byte: where
/// it starts, and its level. Words of any script: `ОШИБКА`, `错误`, `エラー`.
pub fn label_before(hay: &[u8], colon: usize) -> Option<(usize, Level)> {
    let before = &hay[..colon];
    let before = before.strip_suffix(b" ").unwrap_or(before);
    let last = *before.last()?;
    if last.is_ascii() && !last.is_ascii_uppercase() {
        return None;
    }
    data().labels.iter().find_map(|(w, level)| {
        let start = before.len().checked_sub(w.len())?;
        let boundary = start == 0 || {
            let b = before[start - 1];
            b.is_ascii() && !b.is_ascii_alphanumeric()
        };
        (boundary && before.ends_with(w)).then_some((start, *level))
    })
}

/// The message without the ` at character N` (or its translation: ` bei Zeichen N`,
/// `(N文字目)`) PostgreSQL appends when it knows where in the statement the error is:
/// templates are the bare errmsg() text.
pub fn strip_position(msg: &[u8]) -> &[u8] {
    const AT: &[u8] = b" at character ";
    let digits = msg.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return strip_translated_position(msg).unwrap_or(msg);
    }
    msg[..msg.len() - digits]
        .strip_suffix(AT)
        .or_else(|| strip_translated_position(msg))
        .unwrap_or(msg)
}

/// The message without a translated ` at character N`, if it ends with one.
fn strip_translated_position(msg: &[u8]) -> Option<&[u8]> {
    let last = *msg.last()?;
    let t = data();
    if !t.position_ends[usize::from(last)] {
        return None;
    }
    t.positions.iter().find_map(|(pre, post)| {
        let ends = post.last().map_or(last.is_ascii_digit(), |b| *b == last);
        if !ends {
            return None;
        }
        let rest = msg.strip_suffix(post.as_slice())?;
        let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        (digits > 0).then_some(())?;
        rest[..rest.len() - digits].strip_suffix(pre.as_slice())
    })
}

/// The translations of an English template as more templates of its entry: same captures
/// (in argument order), levels, fold, redaction and context; the DETAIL template translated
/// into the same language. A translation that takes other arguments, or whose DETAIL has no
/// translation, is left out.
pub(super) fn translate(english: &Compiled, def: &TemplateDef) -> Vec<Compiled> {
    let t = data();
    let Some(translations) = t.templates.get(&def.text) else {
        return Vec::new();
    };
    translations
        .iter()
        .filter_map(|(lang, text)| {
            let template = Template::compile(text).ok()?;
            if !english.template.same_arguments(&template) || template.anchor().len() < 3 {
                return None;
            }
            // A DETAIL whose translation the data lacks keeps the English condition: the
            // translated record then reads as its plainer entry, never as this one wrongly.
            let detail = match &def.detail {
                None => None,
                Some(d) => {
                    let translated = t.templates.get(d).and_then(|ts| {
                        let (_, text) = ts.iter().find(|(l, _)| l == lang)?;
                        Template::compile(text).ok()
                    });
                    Some(match translated {
                        Some(d) => d,
                        None => Template::compile(d).ok()?,
                    })
                }
            };
            Some(Compiled {
                pattern: english.pattern,
                template,
                captures: english.captures.clone(),
                levels: english.levels.clone(),
                fold: english.fold,
                redact: english.redact,
                after: english.after.clone(),
                detail,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A composed template whose argument prints empty (`bind %s%s%s`) once took the
    /// catalogue's header, the translation of the empty msgid, for it
    /// (scripts/gen-translations.sh): such a template can never match.
    #[test]
    fn no_translation_holds_a_catalogues_header() {
        for (english, translations) in &data().templates {
            for (lang, text) in translations {
                assert!(
                    !text.contains("Project-Id-Version"),
                    "{lang} {english}: {text}"
                );
            }
        }
        let german = &data().templates["duration: %s ms  bind %s: %s"];
        let (_, de) = german.iter().find(|(l, _)| *l == "de").unwrap();
        assert_eq!(de, "Dauer: %1$s ms  Binden %2$s: %3$s");
    }

    /// Hand-made strings: the data's three escapes, an escaped other character (kept
    /// without its backslash, multi-byte too), and a backslash that ends the string.
    #[test]
    fn unescapes_the_datas_escapes() {
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape(r"a\tb\nc\\d"), "a\tb\nc\\d");
        assert_eq!(unescape(r"«\é» ends\"), "«é» ends\\");
        assert_eq!(unescape(r"\t"), "\t");
    }

    #[test]
    fn labels_of_every_script() {
        assert_eq!(level("FEHLER".as_bytes()), Some(Level::Error));
        assert_eq!(level("ОШИБКА".as_bytes()), Some(Level::Error));
        assert_eq!(level("致命错误".as_bytes()), Some(Level::Fatal));
        assert_eq!(level("DÉTAIL".as_bytes()), Some(Level::Detail));
        assert_eq!(level("INSTRUCTION".as_bytes()), Some(Level::Statement));
        // Hand-made prefixes around PostgreSQL 15's translated labels (zh_CN, fr).
        let zh = "[12] 致命错误:  x".as_bytes();
        let colon = zh.iter().position(|b| *b == b':').unwrap();
        assert_eq!(label_before(zh, colon), Some((5, Level::Fatal)));
        let fr = "[12] INSTRUCTION :  SELECT".as_bytes();
        let colon = fr.iter().position(|b| *b == b':').unwrap();
        assert_eq!(label_before(fr, colon), Some((5, Level::Statement)));
        assert_eq!(label_before(b"a duration: 1", 10), None);
    }

    #[test]
    fn positional_conversions_capture_in_argument_order() {
        // An entry of PostgreSQL 15's ja catalogue (postgres-15.mo), which reorders them;
        // the message is a made-up instance of it.
        let english = Template::compile(r#"column "%s" of relation "%s" does not exist"#).unwrap();
        let t = Template::compile(r#"リレーション"%2$s"の列"%1$s"は存在しません"#).unwrap();
        assert!(english.same_arguments(&t));
        let m = r#"リレーション"t"の列"c"は存在しません"#;
        let got = t.matches(m.as_bytes()).unwrap();
        assert_eq!(got.get(0).map(|(a, b)| &m[a..b]), Some("c"));
        assert_eq!(got.get(1).map(|(a, b)| &m[a..b]), Some("t"));
        let swapped = "%2$d: %1$s";
        let got = Template::compile(swapped)
            .unwrap()
            .matches(b"42: text")
            .unwrap();
        assert_eq!((got.get(0), got.get(1)), (Some((4, 8)), Some((0, 2))));
        assert!(!Template::compile("%d, %s")
            .unwrap()
            .same_arguments(&Template::compile(swapped).unwrap()));
        assert!(Template::compile("%d: %1$s").is_err());
        // %m takes no argument: the ja catalogue's positional translation keeps it plain.
        let english = Template::compile(r#"could not write to file "%s", wrote %d of %d: %m"#);
        let ja = "ファイル\"%1$s\"に書き込めませんでした、%3$dバイト中%2$dバイト書き込みました: %m";
        assert!(english
            .unwrap()
            .same_arguments(&Template::compile(ja).unwrap()));
    }

    /// Every generated translation becomes a template: none takes other arguments than its
    /// English original.
    #[test]
    fn every_translation_is_used() {
        let catalogue = super::super::Catalogue::embedded().unwrap();
        let mut unused = Vec::new();
        for def in catalogue.patterns().iter().flat_map(|p| &p.template) {
            let english = super::super::compile_template(0, def).unwrap();
            let have = data().templates.get(&def.text).map_or(0, Vec::len);
            if translate(&english, def).len() != have {
                unused.push(def.text.clone());
            }
        }
        assert!(unused.is_empty(), "translations left out: {unused:?}");
    }

    #[test]
    fn translated_positions_are_stripped() {
        // The de and ja catalogues' " at character %d" after a made-up message.
        assert_eq!(strip_position(b"x bei Zeichen 12"), b"x");
        let ja = "x(12文字目)".as_bytes();
        assert_eq!(strip_position(ja), b"x");
        assert_eq!(strip_position(b"x bei Zeichen"), b"x bei Zeichen");
        assert_eq!(strip_position(b"x at character 3"), b"x");
    }
}
