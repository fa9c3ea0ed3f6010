//! The pattern catalogue: one entry per kind of event, loaded from `patterns/*.toml`
//! (embedded at build time), validated, and compiled into one prefiltered matcher.

pub mod docs;
mod entry_rules;
pub mod fix;
mod index;
pub mod template;
pub mod translations;

use crate::parse::record::Record;
use crate::severity::{Level, PerEnv, Severity};
use entry_rules::{category_of, check_entry};
use serde::{Deserialize, Serialize};
use template::{Captures, Template};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/patterns.rs"));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    pattern: Vec<Pattern>,
}

/// One catalogue entry, as written in `patterns/<category>.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    pub id: String,
    pub title: String,
    /// The name of the file the entry is written in, which is also its id's first word:
    /// taken from the file name, so a `category` key in the TOML is refused.
    #[serde(skip_deserializing)]
    pub category: String,
    pub severity: PerEnv<Severity>,
    pub explain: String,
    pub remediation: PerEnv<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Log templates; empty for entries raised by container checks only.
    #[serde(default)]
    pub template: Vec<TemplateDef>,
    /// Configuration checks (src/checks/) that raise this entry in `tail` and `lint`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// What `pgtriage fix` edits for this entry's findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<fix::FixDef>,
    /// Levels at which this entry takes any record no other explains (uncatalogued PANIC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catch_all: Vec<String>,
    /// Part of a crash's aftermath (a process killed, the others terminated, recovery):
    /// after another crash event of the same episode it is reported as its consequence.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aftermath: bool,
    #[serde(default)]
    pub sample: Vec<Sample>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fold: bool,
    /// Matches only when one of these entries was among the last records of the same input
    /// (`CONTEXT_RECORDS`): the same words can mean another event after them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// A template the record's DETAIL line must match too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// How many of an input's latest classified records a template's `after` looks back on.
pub const CONTEXT_RECORDS: usize = 8;

/// A real line that must classify to its entry, and where it comes from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    pub line: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A log in this repository that holds the line with the records before it, for
    /// entries whose templates read context (`after`, `detail`): the sample is classified
    /// there, not alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// What a matching context (`after`, `detail`) adds to a template's specificity: more than
/// any template's literal text, so the reading in context wins.
const CONTEXT_BONUS: usize = 1 << 16;

/// A template ready to match, with what its entry says about it.
#[derive(Debug)]
struct Compiled {
    pattern: usize,
    template: Template,
    captures: Vec<String>,
    levels: Option<Vec<Level>>,
    fold: bool,
    /// Bit i set: capture i is never shown.
    redact: u16,
    /// Entries one of which must be in the record's context.
    after: Vec<usize>,
    detail: Option<Template>,
}

impl Compiled {
    /// Whether the record's level, DETAIL and context allow this template.
    fn fits(&self, record: &Record<'_>, recent: &[usize]) -> bool {
        let level = self
            .levels
            .as_ref()
            .is_none_or(|ls| record.level.is_some_and(|l| ls.contains(&l)));
        let after = self.after.is_empty() || self.after.iter().any(|p| recent.contains(p));
        let detail = self
            .detail
            .as_ref()
            .is_none_or(|d| record.detail.is_some_and(|text| d.matches(text).is_some()));
        level && after && detail
    }

    /// How many context conditions the template has.
    fn context_size(&self) -> usize {
        usize::from(!self.after.is_empty()) + usize::from(self.detail.is_some())
    }

    /// Of two templates that match a record, the one ranked higher explains it: context
    /// first, then literal text.
    fn rank(&self) -> usize {
        self.template.specificity() + CONTEXT_BONUS * self.context_size()
    }
}

/// The outcome of classifying one record.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    pub pattern: usize,
    /// Index of the matching template (for its capture names); `None` for a catch-all.
    pub template: Option<usize>,
    pub fold: bool,
    pub redact: u16,
    pub captures: Captures,
}

#[derive(Debug)]
pub struct Catalogue {
    patterns: Vec<Pattern>,
    compiled: Vec<Compiled>,
    /// The templates that may match a message, without reading all of it.
    index: index::Index,
    /// Entries that take unexplained records of these levels.
    catch_all: Vec<(usize, Vec<Level>)>,
}

impl Catalogue {
    /// The catalogue built into this binary, compiled once per process.
    pub fn builtin() -> Result<&'static Catalogue, String> {
        static BUILTIN: std::sync::OnceLock<Result<Catalogue, String>> = std::sync::OnceLock::new();
        BUILTIN
            .get_or_init(Catalogue::embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses the catalogue files built into this binary.
    pub fn embedded() -> Result<Catalogue, String> {
        Catalogue::from_files(embedded::FILES.iter().copied())
    }

    /// Parses and validates catalogue files given as `(path, contents)`; each file's name
    /// (`patterns/lock.toml` → `lock`) is the category of its entries.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalogue, String> {
        let mut patterns = Vec::new();
        for (path, text) in files {
            let file: File = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
            let category = category_of(path);
            patterns.extend(file.pattern.into_iter().map(|p| Pattern {
                category: category.to_string(),
                ..p
            }));
        }
        Catalogue::new(patterns)
    }

    fn new(patterns: Vec<Pattern>) -> Result<Catalogue, String> {
        let mut compiled = Vec::new();
        let mut catch_all = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for (pi, p) in patterns.iter().enumerate() {
            let at = |msg: String| format!("pattern {}: {msg}", p.id);
            if !ids.insert(p.id.as_str()) {
                return Err(at("duplicate id".into()));
            }
            check_entry(p).map_err(at)?;
            for t in &p.template {
                let after = t
                    .after
                    .iter()
                    .map(|id| {
                        patterns
                            .iter()
                            .position(|q| &q.id == id)
                            .ok_or_else(|| at(format!("after names unknown id {id:?}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let english = Compiled {
                    after,
                    ..compile_template(pi, t).map_err(at)?
                };
                let translated = translations::translate(&english, t);
                compiled.push(english);
                compiled.extend(translated);
            }
            if !p.catch_all.is_empty() {
                catch_all.push((pi, levels(&p.catch_all).map_err(at)?));
            }
        }
        let templates: Vec<&Template> = compiled.iter().map(|c| &c.template).collect();
        let index = index::Index::new(&templates, &|ti| compiled[ti].rank())?;
        Ok(Catalogue {
            patterns,
            compiled,
            index,
            catch_all,
        })
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Every category, in the order of the files (alphabetical for the embedded ones).
    pub fn categories(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.patterns {
            if !out.contains(&p.category.as_str()) {
                out.push(&p.category);
            }
        }
        out
    }

    pub fn get(&self, id: &str) -> Option<&Pattern> {
        self.patterns.iter().find(|p| p.id == id)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.patterns.iter().position(|p| p.id == id)
    }

    /// Every capture name the entry's templates declare, for policy narrowing.
    pub fn capture_names(&self, pattern: usize) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .compiled
            .iter()
            .filter(|c| c.pattern == pattern)
            .flat_map(|c| c.captures.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The value a match captured under `name`, from the message it matched.
    pub fn capture<'m>(&self, m: &Match, name: &str, message: &'m [u8]) -> Option<&'m [u8]> {
        let i = self.capture_index(m.template?, name)?;
        Self::captured(m, i, message)
    }

    /// Where template `template` captures `name`, for callers that read the same capture
    /// of every record and look its name up once.
    pub fn capture_index(&self, template: usize, name: &str) -> Option<usize> {
        self.compiled[template]
            .captures
            .iter()
            .position(|c| c == name)
    }

    /// How many templates there are (English and translated): `Match::template` is below.
    pub fn templates(&self) -> usize {
        self.compiled.len()
    }

    /// The value of capture `i` of a match, from the message it matched.
    pub fn captured<'m>(m: &Match, i: usize, message: &'m [u8]) -> Option<&'m [u8]> {
        let (a, b) = m.captures.get(i)?;
        message.get(a..b)
    }

    /// The entry a container check raises.
    pub fn by_check(&self, check: &str) -> Option<usize> {
        self.patterns
            .iter()
            .position(|p| p.checks.iter().any(|c| c == check))
    }

    /// Whether some template's `after` names entry `pattern`: only such entries in an
    /// input's recent records can change how a later record is classified.
    pub fn is_context(&self, pattern: usize) -> bool {
        self.compiled.iter().any(|c| c.after.contains(&pattern))
    }

    /// The entry a record belongs to: of the templates that match its message at its
    /// level, the most specific (most literal text) wins.
    pub fn classify(&self, record: &Record<'_>) -> Option<Match> {
        self.classify_after(record, &[])
    }

    /// As `classify`, with the entries of the input's latest records (`recent`), which
    /// templates with `after` need; a template whose context holds wins over one without.
    pub fn classify_after(&self, record: &Record<'_>, recent: &[usize]) -> Option<Match> {
        let msg = translations::strip_position(record.message);
        // Returned where it was found: a match is large, and `or_else` moved it twice.
        let found = self.best_template(msg, record, recent);
        if found.is_some() {
            return found;
        }
        // A paste can keep the one space that separated the message from what the user
        // cut after it (a DETAIL that lost its label and line break). The padding trim
        // keeps a single space, as a few messages end in one, so it is dropped here only
        // when the message as printed matches nothing.
        msg.strip_suffix(b" ")
            .and_then(|trimmed| self.best_template(trimmed, record, recent))
            .or_else(|| self.catch_all(record.level?))
    }

    /// The most specific template that matches `msg` at the record's level and context;
    /// of equally specific ones, the first in the catalogue.
    fn best_template(&self, msg: &[u8], record: &Record<'_>, recent: &[usize]) -> Option<Match> {
        let mut best: Option<(usize, usize, Match)> = None;
        self.index.candidates(msg, &mut |ti| {
            let c = &self.compiled[ti];
            let rank = c.rank();
            let beaten = |&(r, t, _): &(usize, usize, Match)| r > rank || r == rank && t <= ti;
            if best.as_ref().is_some_and(beaten) || !c.fits(record, recent) {
                return false;
            }
            if let Some(captures) = c.template.matches(msg) {
                let m = Match {
                    pattern: c.pattern,
                    template: Some(ti),
                    fold: c.fold,
                    redact: c.redact,
                    captures,
                };
                best = Some((rank, ti, m));
                return true;
            }
            false
        });
        best.map(|(_, _, m)| m)
    }

    /// The entry that takes otherwise unexplained records of `level`, if any.
    fn catch_all(&self, level: Level) -> Option<Match> {
        let (pattern, _) = self
            .catch_all
            .iter()
            .find(|(_, levels)| levels.contains(&level))?;
        Some(Match {
            pattern: *pattern,
            template: None,
            fold: false,
            redact: 0,
            captures: Captures::default(),
        })
    }
}

/// One template of entry `pattern`, with its capture names, redaction mask and levels.
fn compile_template(pattern: usize, t: &TemplateDef) -> Result<Compiled, String> {
    let template = Template::compile(&t.text)?;
    if template.anchor().len() < 3 {
        return Err(format!(
            "template {:?} needs a literal of 3 bytes or more",
            t.text
        ));
    }
    if t.captures.len() > template.conversions() {
        return Err(format!(
            "template {:?} names more captures than it has",
            t.text
        ));
    }
    let mut redact = 0u16;
    for r in &t.redact {
        let i = t
            .captures
            .iter()
            .position(|c| c == r)
            .ok_or_else(|| format!("redact names unknown capture {r:?}"))?;
        redact |= 1 << i;
    }
    let levels = t.levels.as_deref().map(levels).transpose()?;
    let detail = t.detail.as_deref().map(Template::compile).transpose()?;
    Ok(Compiled {
        pattern,
        template,
        captures: t.captures.clone(),
        levels,
        fold: t.fold,
        redact,
        after: Vec::new(),
        detail,
    })
}

/// Server levels by name; a continuation label (DETAIL, ...) is not a record's level.
fn levels(names: &[String]) -> Result<Vec<Level>, String> {
    names
        .iter()
        .map(|l| {
            Level::from_label(l.as_bytes())
                .filter(|l| !l.is_continuation())
                .ok_or_else(|| format!("unknown level {l:?}"))
        })
        .collect()
}
