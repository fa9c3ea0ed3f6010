//! What never leaves pgtriage unless asked: credentials, statement text, parameters and row
//! values. Applied to every sample line before any report sees it.

use crate::catalogue::template::Captures;
use std::borrow::Cow;

pub const MASK: &str = "[redacted]";

/// The line with the captured values whose bit is set in `mask` replaced. `message_at` is
/// where the message (which the capture offsets are relative to) starts in `line`.
pub fn captures(line: &[u8], message_at: usize, caps: &Captures, mask: u16) -> String {
    let mut out = Vec::with_capacity(line.len());
    let mut at = 0;
    for i in 0..caps.len() {
        if mask & (1 << i) == 0 {
            continue;
        }
        let (a, b) = caps.get(i).expect("capture index in range");
        let (a, b) = (message_at + a, message_at + b);
        out.extend_from_slice(&line[at..a]);
        out.extend_from_slice(MASK.as_bytes());
        at = b;
    }
    out.extend_from_slice(&line[at..]);
    literals(&String::from_utf8_lossy(&out))
}

/// Free text as reports may show it: literals and row values masked unless asked.
pub fn shown(text: &[u8], show_sensitive: bool) -> String {
    let text = String::from_utf8_lossy(text);
    if show_sensitive {
        text.into_owned()
    } else {
        literals(&text)
    }
}

/// `line` with the session's application_name masked where the prefix shows it (`%a`,
/// before `message_at`): a client sets it freely, so it can carry personal data. `app` is
/// the record's own field, a slice of `line` when the prefix holds it: it is masked right
/// there, not where the same text first appears (a user named like the application would
/// be masked instead, and the application shown). A field read from elsewhere (csvlog,
/// jsonlog) is not in the line.
pub fn without_application<'a>(
    line: &'a [u8],
    message_at: usize,
    app: Option<&[u8]>,
) -> Cow<'a, [u8]> {
    let head = ..message_at.min(line.len());
    let at = app
        .filter(|a| !a.is_empty())
        .and_then(|a| Some((offset_in(line, a)?, a.len())))
        .filter(|&(at, len)| head.contains(&(at + len - 1)));
    match at {
        Some((at, len)) => Cow::Owned([&line[..at], MASK.as_bytes(), &line[at + len..]].concat()),
        None => Cow::Borrowed(line),
    }
}

/// Where `part` starts in `whole`, when it is a slice of it.
fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (at + part.len() <= whole.len()).then_some(at)
}

/// A stable stand-in for a name a client chose freely (`application_name`), which can
/// carry anything, an address or a token among them: `app-3f2a`, the same for the same
/// name in every run, so that a table by application still tells them apart. Empty
/// stays empty (no name was set).
pub fn pseudonym(kind: &str, name: &[u8]) -> String {
    if name.is_empty() {
        return String::new();
    }
    // FNV-1a: stable across runs and builds, unlike std's randomly seeded hasher.
    let hash = name.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{kind}-{:04x}", hash & 0xffff)
}

/// Masks the places free text can carry secrets: SQL string literals (`'...'`, which hold
/// passwords in `ALTER ROLE ... PASSWORD '...'` and values in statements), bind parameters
/// (`$1 = '...'`) and row values in `Key (col)=(value)` and `Failing row contains (...)`
/// details.
pub fn literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['\'', '=']) {
        let (before, from) = rest.split_at(pos);
        out.push_str(before);
        if apostrophe(&out, from) {
            out.push('\'');
            rest = &from[1..];
        } else if let Some(after_quote) = from.strip_prefix('\'') {
            // A SQL literal: up to the closing quote ('' is an escaped quote inside).
            let mut end = None;
            let bytes = after_quote.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            out.push('\'');
            out.push_str(MASK);
            match end {
                Some(e) => {
                    out.push('\'');
                    rest = &after_quote[e + 1..];
                }
                None => rest = "",
            }
        } else if let Some(value) = from.strip_prefix("=(") {
            // `Key (email)=(a@b.c)`: the row's values, parenthesised; a value may hold
            // `)`, so after `Key (...)` they run to the line's last one.
            let line = &value[..value.find('\n').unwrap_or(value.len())];
            let close = match out.ends_with(')') {
                true => line.rfind(')'),
                false => value.find(')'),
            };
            match close {
                Some(e) => {
                    out.push_str("=(");
                    out.push_str(MASK);
                    out.push(')');
                    rest = &value[e + 1..];
                }
                None => {
                    out.push_str("=(");
                    out.push_str(MASK);
                    rest = "";
                }
            }
        } else {
            out.push('=');
            rest = &from[1..];
        }
    }
    out.push_str(rest);
    passwords(failing_row(application_name(out)))
}

/// An application_name the template did not capture (a combination of SSL and GSS parts
/// it does not list): up to those parts, which PostgreSQL writes after the name (SSL, then
/// GSS), or the end. The last of each is the server's: a name may hold the same words,
/// and then more is masked, not less.
fn application_name(out: String) -> String {
    let Some(at) = out.find("application_name=") else {
        return out;
    };
    let value = at + "application_name=".len();
    let mut end = out.len();
    for part in [" GSS (authenticated=", " SSL enabled (protocol="] {
        if let Some(e) = out[value..end].rfind(part) {
            end = value + e;
        }
    }
    if end > value && !out[value..].starts_with(MASK) {
        return format!("{}{MASK}{}", &out[..value], &out[end..]);
    }
    out
}

/// `Failing row contains (...)`: a check or not-null violation's whole row.
fn failing_row(out: String) -> String {
    let Some(at) = out.find("Failing row contains (") else {
        return out;
    };
    let value = at + "Failing row contains (".len();
    let line_end = out[value..].find('\n').map_or(out.len(), |e| value + e);
    let end = out[value..line_end]
        .rfind(')')
        .map_or(line_end, |e| value + e);
    if out[value..].starts_with(MASK) {
        return out;
    }
    format!("{}{MASK}{}", &out[..value], &out[end..])
}

/// `PASSWORD md5...` unquoted, and `password=...` in connection strings: each of them.
fn passwords(mut out: String) -> String {
    for key in ["PASSWORD ", "password="] {
        let mut from = 0;
        while let Some(pw) = out[from..].find(key).map(|p| from + p + key.len()) {
            let after = &out[pw..];
            let end = after.find([' ', ';', ',']).unwrap_or(after.len());
            if after.starts_with('\'') || after.starts_with(MASK) || end == 0 {
                from = pw;
                continue;
            }
            out = format!("{}{MASK}{}", &out[..pw], &after[end..]);
            from = pw + MASK.len();
        }
    }
    out
}

/// Whether the quote starting `from` is an apostrophe inside a word (French
/// `l'utilisateur`, Italian `dell'indice`), text, not a literal's start: a letter on both
/// sides, unless the letter before is a lone SQL literal prefix (`E'\n'`, `B'01'`, `X'1f'`,
/// `N'x'`; lower-case `n` is French `n'existe`).
fn apostrophe(out: &str, from: &str) -> bool {
    let mut before = out.chars().rev();
    let (Some(prev), Some(next)) = (
        before.next(),
        from.strip_prefix('\'').and_then(|a| a.chars().next()),
    ) else {
        return false;
    };
    let prefix = "EeBbXxN".contains(prev) && !before.next().is_some_and(char::is_alphanumeric);
    prev.is_alphabetic() && next.is_alphabetic() && !prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made texts in the shapes PostgreSQL prints them.
    #[test]
    fn literals_rows_and_passwords_are_masked() {
        assert_eq!(
            literals("ALTER ROLE app PASSWORD 'it''s secret';"),
            "ALTER ROLE app PASSWORD '[redacted]';"
        );
        assert_eq!(
            literals("Key (email)=(a@b.c) already exists."),
            "Key (email)=([redacted]) already exists."
        );
        assert_eq!(
            literals("parameters: $1 = 'x', $2 = 'y"),
            "parameters: $1 = '[redacted]', $2 = '[redacted]"
        );
        assert_eq!(
            literals("Key (email)=(a)b@c.d) already exists."),
            "Key (email)=([redacted]) already exists."
        );
        assert_eq!(
            literals("Failing row contains (7, jane@example.com, null)."),
            "Failing row contains ([redacted])."
        );
        assert_eq!(
            literals("ALTER ROLE a PASSWORD md5abc; ALTER ROLE b PASSWORD md5def"),
            "ALTER ROLE a PASSWORD [redacted]; ALTER ROLE b PASSWORD [redacted]"
        );
        assert_eq!(
            literals("CREATE ROLE a PASSWORD md5abc LOGIN"),
            "CREATE ROLE a PASSWORD [redacted] LOGIN"
        );
        assert_eq!(
            literals("host=db password=hunter2 user=a"),
            "host=db password=[redacted] user=a"
        );
        assert_eq!(
            literals(r#"password authentication failed for user "app""#),
            r#"password authentication failed for user "app""#
        );
    }

    /// Hand-made lines in the shape of PostgreSQL 15's `connection authorized` with
    /// `%a` in the prefix.
    #[test]
    fn application_names_are_masked_in_the_prefix_and_the_message() {
        let line = b"2026-12-03 17:14:53.262 UTC [4670] u@d/jane doe LOG:  statement: SELECT 1";
        let at = line.len() - b"statement: SELECT 1".len();
        let app = &line[at - b"jane doe LOG:  ".len()..][..8];
        let masked = without_application(line, at, Some(app));
        assert_eq!(
            &masked[..],
            &b"2026-12-03 17:14:53.262 UTC [4670] u@d/[redacted] LOG:  statement: SELECT 1"[..]
        );
        // A user named like the application keeps its name; the application is masked.
        let line = b"2026-12-03 17:14:53.262 UTC [4670] jane@d/jane LOG:  statement: SELECT 1";
        let at = line.len() - b"statement: SELECT 1".len();
        let app = &line[at - b"jane LOG:  ".len()..][..4];
        assert_eq!(
            &without_application(line, at, Some(app))[..],
            &b"2026-12-03 17:14:53.262 UTC [4670] jane@d/[redacted] LOG:  statement: SELECT 1"[..]
        );
        // The same text from elsewhere (a csvlog field) is not looked for in the line.
        assert_eq!(&without_application(line, at, Some(b"jane"))[..], &line[..]);
        assert_eq!(
            literals("connection authorized: user=u database=d application_name=jane doe GSS (authenticated=yes)"),
            "connection authorized: user=u database=d application_name=[redacted] GSS (authenticated=yes)"
        );
        assert_eq!(
            literals("connection authorized: user=u database=d application_name=jane"),
            "connection authorized: user=u database=d application_name=[redacted]"
        );
        // A name holding the words of the SSL part: masked up to the server's own.
        assert_eq!(
            literals("connection authorized: user=u database=d application_name=a SSL enabled b SSL enabled (protocol=TLSv1.3, cipher=X, bits=256)"),
            "connection authorized: user=u database=d application_name=[redacted] SSL enabled (protocol=TLSv1.3, cipher=X, bits=256)"
        );
    }

    #[test]
    fn application_names_get_a_stable_pseudonym() {
        let a = pseudonym("app", b"report-for-jane@example.com");
        assert_eq!(a, pseudonym("app", b"report-for-jane@example.com"));
        assert!(a.starts_with("app-") && a.len() == 8, "{a}");
        assert_ne!(a, pseudonym("app", b"psql"));
        assert_eq!(pseudonym("app", b""), "");
    }

    /// Messages of PostgreSQL 15's fr and it catalogues (postgres-15.mo) with made-up
    /// values (the last a hand-made statement): their apostrophes are text, the SQL
    /// literals after them still masked.
    #[test]
    fn apostrophes_inside_words_are_text() {
        assert_eq!(
            literals("authentification par mot de passe échouée pour l'utilisateur  « app »"),
            "authentification par mot de passe échouée pour l'utilisateur  « app »"
        );
        assert_eq!(
            literals("la relation « t » n'existe pas"),
            "la relation « t » n'existe pas"
        );
        assert_eq!(
            literals("creazione dell'indice univoco \"t_pkey\" fallita"),
            "creazione dell'indice univoco \"t_pkey\" fallita"
        );
        assert_eq!(
            literals("l'instruction : SELECT E'secret', 'x' FROM t WHERE a=N'y'"),
            "l'instruction : SELECT E'[redacted]', '[redacted]' FROM t WHERE a=N'[redacted]'"
        );
    }
}
