//! Real users' logs (tests/corpus/, issue 10): logs pasted into public issue threads, kept
//! verbatim with their source in tests/corpus/SOURCES.tsv and hand-labelled in a
//! `.labels` file beside each. The labels say what a triage tool should find; this test
//! says how far pgtriage is from it, and keeps it from sliding back.
//!
//! A `.labels` file lists, in file order, every WARNING, ERROR, FATAL or PANIC record the
//! PostgreSQL server wrote, as `LEVEL<TAB>expected id<TAB>first words of the message`; `-`
//! as the id when no catalogue entry explains the event (a `# missing: ...` comment says
//! which event). `OTHER<TAB>-<TAB>first words of the line` marks a line another program
//! wrote (initdb, the entrypoint, pg_dump, psql, Patroni, an application quoting the
//! server) that looks like such a record: it must not be counted as a server record.
//! Lines starting with `#` are comments.
//!
//! `cargo test --test corpus -- --nocapture corpus_classification_report` prints the
//! table; scripts/coverage.sh shows it too.

use pgtriage::catalogue::Catalogue;
use pgtriage::collect::Event;
use pgtriage::flow::Flow;
use pgtriage::pipeline::LogStream;
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Floors: on 2026-12-02, the day the corpus came in, 136 of 168 were correct, 5 wrong, 34
/// other programs' lines counted; on 2026-12-03 154 of 168 correct and 29 other programs'
/// lines counted, then 167 of 168 correct, 0 wrong, 0 other programs' lines counted, then
/// 168 of 168 (a message that kept one trailing space). Raise them as the classifier
/// improves; never lower them. The target: at least 97 %
/// correct, 0 wrong, 0 other programs' lines counted as server records.
const MIN_CORRECT_PERCENT: f64 = 100.0;
const MAX_WRONG: usize = 0;
const MAX_OTHER_MISCOUNTED: usize = 0;

/// One WARNING-or-worse record as pgtriage sees it.
struct Seen {
    level: String,
    id: Option<String>,
    message: String,
    line: String,
}

/// The only place this test touches the library: a log's bytes in, the WARNING-or-worse
/// records pgtriage reads from them (level, catalogue id) out, in order. If the pipeline's
/// API moves, adapt this function and nothing else.
fn seen_records(cat: &Catalogue, log: &[u8]) -> Vec<Seen> {
    // The same flow as `analyze`, so that templates that read context see it.
    let verdict = Verdict::new(Env::Prod, Severity::Error, None, None, false);
    let mut flow = Flow::new(cat, &verdict, 0);
    let mut seen = Vec::new();
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        let mut id = None;
        flow.record(r, "log", &[], &mut |o| {
            if let Event::Finding { id: found, .. } = &o.event {
                id = Some(found.to_string());
            }
        });
        let Some(level) = r.level.filter(|l| l.is_warning_or_worse()) else {
            return;
        };
        seen.push(Seen {
            level: level.as_str().to_string(),
            id,
            message: String::from_utf8_lossy(r.message).into_owned(),
            line: String::from_utf8_lossy(r.line).into_owned(),
        });
    };
    stream.feed(log, &mut sink);
    stream.finish(&mut sink);
    seen
}

const SERVER_LEVELS: [&str; 4] = ["WARNING", "ERROR", "FATAL", "PANIC"];

struct Label {
    level: String,
    id: String,
    text: String,
}

impl Label {
    fn is_other(&self) -> bool {
        self.level == "OTHER"
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The corpus's logs, by name without `.log`, sorted.
fn log_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".log").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn read_labels(path: &Path) -> Vec<Label> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                f.len(),
                3,
                "{}: not LEVEL<TAB>id<TAB>text: {l:?}",
                path.display()
            );
            Label {
                level: f[0].to_string(),
                id: f[1].to_string(),
                text: f[2].to_string(),
            }
        })
        .collect()
}

/// Whitespace runs folded to one space: pastes and framings pad and wrap differently.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SOURCES.tsv rows as (file, url).
fn sources() -> Vec<(String, String)> {
    std::fs::read_to_string(corpus_dir().join("SOURCES.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 6, "SOURCES.tsv: too few columns: {l:?}");
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

#[test]
fn corpus_is_complete_and_well_formed() {
    let cat = Catalogue::embedded().unwrap();
    let ids: BTreeSet<&str> = cat.patterns().iter().map(|p| p.id.as_str()).collect();
    let names = log_names();
    let rows = sources();
    let listed: BTreeSet<&str> = rows.iter().map(|(f, _)| f.as_str()).collect();
    let urls: BTreeSet<&str> = rows.iter().map(|(_, u)| u.as_str()).collect();
    assert!(
        names.len() >= 60,
        "{} logs, the issue asks for 60",
        names.len()
    );
    assert!(
        urls.len() >= 40,
        "{} sources, the issue asks for 40",
        urls.len()
    );
    assert_eq!(
        rows.len(),
        listed.len(),
        "a file is listed twice in SOURCES.tsv"
    );
    let on_disk: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(listed, on_disk, "SOURCES.tsv and the .log files differ");
    for name in &names {
        let labels_path = corpus_dir().join(format!("{name}.labels"));
        let raw = std::fs::read_to_string(&labels_path).unwrap();
        let log = norm(&String::from_utf8_lossy(
            &std::fs::read(corpus_dir().join(format!("{name}.log"))).unwrap(),
        ));
        for l in read_labels(&labels_path) {
            let known = l.is_other() || SERVER_LEVELS.contains(&l.level.as_str());
            assert!(known, "{name}: unknown level {:?}", l.level);
            let id_ok = l.id == "-" || (!l.is_other() && ids.contains(l.id.as_str()));
            assert!(id_ok, "{name}: {:?} is not a catalogue id here", l.id);
            assert!(
                log.contains(&norm(&l.text)),
                "{name}: {:?} not in the log",
                l.text
            );
            if l.id == "-" && !l.is_other() {
                assert!(
                    raw.contains("# missing:"),
                    "{name}: `-` without `# missing:`"
                );
            }
        }
    }
}

/// One file's (or the corpus's) figures.
#[derive(Default, Clone, Copy)]
struct Tally {
    /// Server records labelled (WARNING or worse).
    labelled: usize,
    /// Labelled records pgtriage sees with the expected id.
    correct: usize,
    /// Labelled records pgtriage sees with another id (or any id where none fits).
    wrong: usize,
    /// Labelled records with an expected id that pgtriage leaves without one.
    unclassified: usize,
    /// Of those, the ones pgtriage does not see as a WARNING-or-worse record at all.
    unseen: usize,
    /// Labelled records no catalogue entry explains yet (`-`), left without an id.
    no_entry: usize,
    /// Other programs' lines pgtriage counts as WARNING-or-worse server records.
    other_miscounted: usize,
    /// WARNING-or-worse records pgtriage sees that no label accounts for.
    unlabelled: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.labelled += o.labelled;
        self.correct += o.correct;
        self.wrong += o.wrong;
        self.unclassified += o.unclassified;
        self.unseen += o.unseen;
        self.no_entry += o.no_entry;
        self.other_miscounted += o.other_miscounted;
        self.unlabelled += o.unlabelled;
    }

    fn correct_percent(&self) -> f64 {
        if self.labelled == 0 {
            100.0
        } else {
            100.0 * self.correct as f64 / self.labelled as f64
        }
    }
}

fn same_record(label: &Label, seen: &Seen) -> bool {
    let text = norm(&label.text);
    seen.level == label.level
        && (norm(&seen.message).contains(&text) || norm(&seen.line).contains(&text))
}

fn same_line(label: &Label, seen: &Seen) -> bool {
    let (text, line, message) = (norm(&label.text), norm(&seen.line), norm(&seen.message));
    line.contains(&text)
        || (!line.is_empty() && text.contains(&line))
        || (message.len() >= 10 && text.contains(&message))
}

/// The first unused seen record `matches` accepts, looking from `from` on, then before it.
fn take(
    seen: &[Seen],
    used: &mut [bool],
    from: usize,
    matches: impl Fn(&Seen) -> bool,
) -> Option<usize> {
    let order = (from..seen.len()).chain(0..from.min(seen.len()));
    let found = order.into_iter().find(|&i| !used[i] && matches(&seen[i]))?;
    used[found] = true;
    Some(found)
}

/// What became of one labelled server record; `None` when it is right.
fn verdict(t: &mut Tally, want: &str, found: bool, got: Option<&str>) -> Option<String> {
    match (want, got) {
        (want, Some(id)) if want == id => {
            t.correct += 1;
            None
        }
        (_, Some(id)) => {
            t.wrong += 1;
            Some(format!("wrong ({id})"))
        }
        ("-", None) => {
            t.no_entry += 1;
            Some("no entry yet".into())
        }
        (_, None) => {
            t.unclassified += 1;
            t.unseen += usize::from(!found);
            Some(if found { "unclassified" } else { "unseen" }.into())
        }
    }
}

/// Aligns labels with what pgtriage sees, server records in file order first; `notes`
/// gets one line per thing that is not right today.
fn score(labels: &[Label], seen: &[Seen], notes: &mut Vec<String>) -> Tally {
    let mut t = Tally::default();
    let mut used = vec![false; seen.len()];
    let mut cursor = 0;
    for l in labels.iter().filter(|l| !l.is_other()) {
        t.labelled += 1;
        let found = take(seen, &mut used, cursor, |s| same_record(l, s));
        if let Some(i) = found {
            cursor = i + 1;
        }
        let got = found.and_then(|i| seen[i].id.as_deref());
        if let Some(what) = verdict(&mut t, &l.id, found.is_some(), got) {
            notes.push(format!("{what:<30} {} {} {:?}", l.level, l.id, l.text));
        }
    }
    for l in labels.iter().filter(|l| l.is_other()) {
        if take(seen, &mut used, 0, |s| same_line(l, s)).is_some() {
            t.other_miscounted += 1;
            notes.push(format!(
                "{:<30} {:?}",
                "other program's line counted", l.text
            ));
        }
    }
    for s in seen.iter().zip(&used).filter(|(_, u)| !**u).map(|(s, _)| s) {
        t.unlabelled += 1;
        let id = s.id.as_deref().unwrap_or("-");
        notes.push(format!(
            "{:<30} {} {id} {:?}",
            "unlabelled", s.level, s.message
        ));
    }
    t
}

fn row(name: &str, t: &Tally) -> String {
    format!(
        "{name:<52} {:>4} {:>7} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}",
        t.labelled,
        t.correct,
        t.wrong,
        t.unclassified,
        t.unseen,
        t.no_entry,
        t.other_miscounted,
        t.unlabelled
    )
}

/// Scores every file and prints the table, the totals and what is not right today.
fn report() -> Tally {
    let cat = Catalogue::embedded().unwrap();
    let mut total = Tally::default();
    let mut details = Vec::new();
    println!(
        "{:<52} {:>4} {:>7} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "file", "W+", "correct", "wrong", "uncls", "unseen", "no-id", "other", "unlab"
    );
    for name in log_names() {
        let log = std::fs::read(corpus_dir().join(format!("{name}.log"))).unwrap();
        let labels = read_labels(&corpus_dir().join(format!("{name}.labels")));
        let mut notes = Vec::new();
        let t = score(&labels, &seen_records(&cat, &log), &mut notes);
        println!("{}", row(&name, &t));
        details.extend(notes.into_iter().map(|n| format!("  {name:<52} {n}")));
        total.add(&t);
    }
    println!("{}", row("all", &total));
    println!(
        "\ncorrect {}/{} ({:.1}%), wrong {}, unclassified {} ({} unseen), no entry yet {}, \
         other programs' lines counted {}, unlabelled {}",
        total.correct,
        total.labelled,
        total.correct_percent(),
        total.wrong,
        total.unclassified,
        total.unseen,
        total.no_entry,
        total.other_miscounted,
        total.unlabelled
    );
    if !details.is_empty() {
        println!("\nnot right today:");
        details.iter().for_each(|d| println!("{d}"));
    }
    total
}

#[test]
fn corpus_classification_report() {
    let t = report();
    assert!(
        t.correct_percent() >= MIN_CORRECT_PERCENT,
        "correct {:.1}% fell below the floor {MIN_CORRECT_PERCENT}%",
        t.correct_percent()
    );
    // The ceiling is 0 now, so this is an equality; it stays `<=` for when a new log
    // in the corpus brings a known miss.
    #[allow(clippy::absurd_extreme_comparisons)]
    let within = t.wrong <= MAX_WRONG;
    assert!(
        within,
        "{} wrongly classified, at most {MAX_WRONG}",
        t.wrong
    );
    // Likewise an equality while the ceiling is 0.
    #[allow(clippy::absurd_extreme_comparisons)]
    let within = t.other_miscounted <= MAX_OTHER_MISCOUNTED;
    assert!(
        within,
        "{} other programs' lines counted as server records, at most {MAX_OTHER_MISCOUNTED}",
        t.other_miscounted
    );
}
