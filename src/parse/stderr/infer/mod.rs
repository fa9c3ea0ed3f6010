//! Inferring `log_line_prefix` from the prefixes seen in a log, when the user does not
//! say what it is: each prefix proposes formats from the shapes in it (`guess`), every
//! proposal is tried on every prefix, and they are ranked by how many each explains.

mod guess;

use super::prefix::{Escape, Item, Prefix, PrefixFields};
use std::cmp::Reverse;

/// Distinct proposals ranked at most: those most prefixes proposed. A log whose every
/// line proposes its own literal text must not cost a parse per pair of lines.
const MAX_CANDIDATES: usize = 48;
/// Other readings named in a tie note at most.
const MAX_ALTERNATIVES: usize = 3;

/// What detection decided.
#[derive(Debug, Clone)]
pub struct Detected {
    pub prefix: Prefix,
    /// Formats that explain as many lines, as specifically, but read them differently
    /// (words no shape names, read as `%i` here and as user, database, application
    /// there): the report names them so that the user can force one with `--prefix`.
    pub alternatives: Vec<String>,
}

/// A proposal being ranked.
struct Candidate {
    prefix: Prefix,
    /// How many prefixes it parses.
    explains: usize,
    guessed: usize,
    named: bool,
}

impl Candidate {
    /// Escapes that a shape or a label stands for, not a guess at a word.
    fn specificity(&self) -> usize {
        escapes(&self.prefix).saturating_sub(self.guessed)
    }

    /// Best first: explains more lines; then names more by shape or label (so that `%u`
    /// is not read as a literal user name that happened to repeat); then guesses less (a
    /// word that never changes stays literal); then leaves guessed words unnamed rather
    /// than put a command tag into the user statistics; then `%r` over `%h` (a socket
    /// line's `[local]` has no port, a TCP line's `host(port)` shows which it is); then
    /// without `%q`, which only short lines need.
    fn rank(&self) -> impl Ord {
        (
            Reverse(self.explains),
            Reverse(self.specificity()),
            self.guessed,
            self.named,
            Reverse(self.prefix.format().matches("%r").count()),
            self.prefix.items.len(),
        )
    }
}

/// Infers `log_line_prefix` from prefixes seen in a log (the text before each level label).
/// Returns `None` when nothing parses at least half of them.
pub fn detect(prefixes: &[&[u8]]) -> Option<Detected> {
    let mut candidates = candidates(prefixes);
    for c in &mut candidates {
        c.explains = prefixes
            .iter()
            .filter(|p| c.prefix.parse(p).is_some())
            .count();
    }
    candidates.sort_by_cached_key(|c| c.rank());
    let (best, rest) = candidates.split_first()?;
    if best.explains == 0 || best.explains * 2 < prefixes.len() {
        return None;
    }
    let reads = |c: &Candidate| -> Vec<Option<Reading<'_>>> {
        prefixes
            .iter()
            .map(|p| c.prefix.parse(p).map(reading))
            .collect()
    };
    let mut seen = vec![reads(best)];
    let mut alternatives = Vec::new();
    let tied = rest
        .iter()
        .filter(|c| c.explains == best.explains && c.specificity() == best.specificity());
    for c in tied {
        let r = reads(c);
        if !seen.contains(&r) && alternatives.len() < MAX_ALTERNATIVES {
            alternatives.push(c.prefix.format().to_string());
            seen.push(r);
        }
    }
    Some(Detected {
        prefix: best.prefix.clone(),
        alternatives,
    })
}

/// What a report takes from a prefix: time, pid, and the session fields that are not
/// empty (an escape that printed nothing reads the same under any name).
type Reading<'a> = (Option<&'a [u8]>, Option<u32>, [Option<&'a [u8]>; 4]);

fn reading(f: PrefixFields<'_>) -> Reading<'_> {
    fn some(v: Option<&[u8]>) -> Option<&[u8]> {
        v.filter(|v| !v.is_empty())
    }
    (
        f.time,
        f.pid,
        [f.user, f.database, f.application, f.client].map(some),
    )
}

/// Every prefix's proposals, with and without `%q`, the most proposed first.
fn candidates(prefixes: &[&[u8]]) -> Vec<Candidate> {
    let mut found: Vec<(String, usize, bool, usize)> = Vec::new();
    for p in prefixes {
        for prop in guess::propose(p) {
            for format in [with_session_marker(&prop.format), prop.format.clone()] {
                match found.iter_mut().find(|f| f.0 == format) {
                    // A format some prefix proposes by shape is no guess, even where
                    // another's unnamed word led to it too.
                    Some(f) => {
                        f.3 += 1;
                        if prop.guessed < f.1 {
                            (f.1, f.2) = (prop.guessed, prop.named);
                        }
                    }
                    None => found.push((format, prop.guessed, prop.named, 1)),
                }
            }
        }
    }
    found.sort_by_key(|f| Reverse(f.3));
    found
        .into_iter()
        .filter_map(|(format, guessed, named, _)| {
            Some(Candidate {
                prefix: Prefix::compile(&format).ok()?,
                explains: 0,
                guessed,
                named,
            })
        })
        .take(MAX_CANDIDATES)
        .collect()
}

fn escapes(p: &Prefix) -> usize {
    p.items
        .iter()
        .filter(|i| matches!(i, Item::Escape(_)))
        .count()
}

/// Puts `%q` before the first session-only escape: `%m [%p] %u@%d ` → `%m [%p] %q%u@%d `.
fn with_session_marker(format: &str) -> String {
    let Ok(p) = Prefix::compile(format) else {
        return format.to_string();
    };
    let Some(first) = p
        .items
        .iter()
        .position(|i| matches!(i, Item::Escape(e) if e.is_free_text()))
    else {
        return format.to_string();
    };
    // Keep a label such as `user=` after %q: it is printed only with the value.
    let mut out = String::new();
    for (idx, item) in p.items.iter().enumerate() {
        if idx + 1 == first {
            if let Item::Literal(l) = item {
                let l = String::from_utf8_lossy(l);
                let keep =
                    l.trim_end_matches(|c: char| c.is_alphanumeric() || c == '=' || c == '_');
                out.push_str(&keep.replace('%', "%%"));
                out.push_str("%q");
                out.push_str(&l[keep.len()..].replace('%', "%%"));
                continue;
            }
        }
        if idx == first && (idx == 0 || !matches!(p.items[idx - 1], Item::Literal(_))) {
            out.push_str("%q");
        }
        push_item(&mut out, item);
    }
    out
}

fn push_item(out: &mut String, item: &Item) {
    match item {
        Item::Literal(l) => out.push_str(&String::from_utf8_lossy(l).replace('%', "%%")),
        Item::SessionOnly => out.push_str("%q"),
        Item::Escape(e) => {
            out.push('%');
            out.push(match e {
                Escape::Time => 't',
                Escape::TimeMs => 'm',
                Escape::Epoch => 'n',
                Escape::SessionStart => 's',
                Escape::Pid => 'p',
                Escape::Number(c) | Escape::Text(c) => *c as char,
                Escape::Session => 'c',
                Escape::Sqlstate => 'e',
                Escape::Vxid => 'v',
                Escape::QueryId => 'Q',
                Escape::User => 'u',
                Escape::Database => 'd',
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prefix texts cut from the pgBadger fixtures' lines (see SOURCE.md there) and from
    /// sample-logs; the formats are the ones those logs were written with.
    #[test]
    fn detection_recovers_known_formats() {
        let cases: &[(&str, &[&str])] = &[
            (
                "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
                &[
                    "2017-09-06 08:40:10 UTC [20]: [1-1] user=,db=,app=,client= ",
                    "2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=postgres,app=pgbench,client=172.23.0.1 ",
                ],
            ),
            (
                "%t:%h:%u@%d:[%p]:",
                &["2021-05-27 17:00:00 UTC:10.1.91.65:user@my_db:[24743]:"],
            ),
            (
                "%t [%p]: db=%d,user=%u,app=%a,client=%h ",
                &["2021-02-14 01:34:02 CET [30291]: db=[unknown],user=[unknown],app=[unknown],client=[local] "],
            ),
            ("%m [%p] ", &["2019-10-21 12:03:31.311 MSK [5133] "]),
            // Heroku's, as the logplex fixture's lines have it once their frame is peeled.
            (
                "sql_error_code = %e ",
                &["sql_error_code = 00000 ", "sql_error_code = 40P01 "],
            ),
            (
                "%m [%p] %q%u@%d/%a ",
                &[
                    "2026-11-27 19:40:01.123 UTC [1] ",
                    "2026-11-27 19:40:01.123 UTC [42] app@shop/psql ",
                    "2026-11-27 19:40:01.123 UTC [43] [unknown]@[unknown]/[unknown] ",
                ],
            ),
        ];
        for (want, prefixes) in cases {
            let bytes: Vec<&[u8]> = prefixes.iter().map(|p| p.as_bytes()).collect();
            let got = detect(&bytes).expect(want);
            assert_eq!(got.prefix.format(), *want);
        }
    }

    /// Prefixes as PostgreSQL 15 servers wrote them with the platforms' defaults and with
    /// unlabelled escapes side by side (scripts/gen-translated-logs.sh, C@NAME runs): the
    /// format detected, whether it was a tie, and the time and pid read from one line.
    #[test]
    fn real_servers_prefixes_are_inferred() {
        let cases: &[(&str, bool, &[&str], &str, u32)] = &[
            (
                "%t:%r:%u@%d:[%p]:",
                false,
                &[
                    "2026-12-03 08:40:39 UTC::@:[28968]:",
                    "2026-12-03 08:40:39 UTC:[local]:nosuchrole@postgres:[28980]:",
                    "2026-12-03 08:40:39 UTC:[local]:postgres@nosuchdb:[28989]:",
                    "2026-12-03 08:40:39 UTC:127.0.0.1(41486):postgres@postgres:[28993]:",
                ],
                "2026-12-03 08:40:39 UTC:127.0.0.1(41486):postgres@postgres:[28993]:",
                28993,
            ),
            (
                "%t-%c-",
                false,
                &["2026-12-03 16:37:29 UTC-6b119ac9.31e7-", "2026-12-03 16:37:30 UTC-6b119aca.320e-"],
                "2026-12-03 16:37:30 UTC-6b119aca.320e-",
                0x320e,
            ),
            (
                "%t-%c-%l ",
                false,
                &["2026-12-03 16:37:39 UTC-6b119ad3.33a0-1 ", "2026-12-03 16:37:39 UTC-6b119ad3.33bc-2 "],
                "2026-12-03 16:37:39 UTC-6b119ad3.33bc-2 ",
                0x33bc,
            ),
            (
                "%t [%p]: [%l-1] %c %l %i %i %i %h ",
                true,
                &[
                    "2026-12-03 16:38:02 UTC [15259]: [1-1] 6b119aea.3b9b 0     ",
                    "2026-12-03 16:38:03 UTC [15311]: [1-1] 6b119aeb.3bcf 0 postgres nosuchrole [unknown] [local] ",
                    "2026-12-03 16:38:04 UTC [15488]: [2-1] 6b119aec.3c80 730 postgres postgres psql [local] ",
                ],
                "2026-12-03 16:38:04 UTC [15488]: [2-1] 6b119aec.3c80 730 postgres postgres psql [local] ",
                15488,
            ),
            (
                "%m [%p] %i %i ",
                true,
                &[
                    "2026-12-03 16:38:32.010 UTC [18634] postmaster  ",
                    "2026-12-03 16:38:32.261 UTC [18665] client backend startup ",
                    "2026-12-03 16:38:32.934 UTC [18701] client backend LOCK TABLE ",
                ],
                "2026-12-03 16:38:32.934 UTC [18701] client backend LOCK TABLE ",
                18701,
            ),
            (
                "%n [%p]  %e %s %v %l %Q %% ",
                false,
                &[
                    "1796315920.119 [19111]  00000 2026-12-03 16:38:40 UTC  0 0 % ",
                    "1796315920.423 [19126]  28000 2026-12-03 16:38:40 UTC 3/6 0 -677875445740200323 % ",
                    "1796315921.114 [19176]  55P03 2026-12-03 16:38:40 UTC 4/4 730 -7251508994365317467 % ",
                ],
                "1796315920.590 [19139]  28P01 2026-12-03 16:38:40 UTC 3/11 0 -677875445740200323 % ",
                19139,
            ),
        ];
        for (want, tie, prefixes, line, pid) in cases {
            let bytes: Vec<&[u8]> = prefixes.iter().map(|p| p.as_bytes()).collect();
            let got = detect(&bytes).expect(want);
            assert_eq!(got.prefix.format(), *want);
            assert_eq!(
                !got.alternatives.is_empty(),
                *tie,
                "{want}: {:?}",
                got.alternatives
            );
            let f = got.prefix.parse(line.as_bytes()).expect(line);
            assert_eq!(f.pid, Some(*pid), "{line}");
            assert!(f.time.is_some(), "{line}");
        }
    }
}
