//! The catalogue as data: it loads, names the ids users depend on, and every entry's real
//! sample line classifies to it, and can be found in the log it is said to come from.

mod common;

use pgtriage::catalogue::Catalogue;
use pgtriage::collect::Event;
use pgtriage::flow::Flow;
use pgtriage::pipeline::LogStream;
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;
use std::io::Read;

/// Ids released in 0.1.0, which CI users match on, and ids Rust code looks up by string.
const REQUIRED_IDS: &[&str] = &[
    "locale.no-system-locales",
    "auth.trust-local",
    "auth.trust-host",
    "auth.password-failed",
    "auth.no-hba-entry",
    "connection.role-missing",
    "connection.database-missing",
    "connection.incomplete-startup-packet",
    "connection.too-many-clients",
    "connection.idle-in-transaction-timeout",
    "lock.deadlock",
    "lock.timeout",
    "query.statement-timeout",
    "server.process-killed",
    "server.process-crashed",
    "server.crash-recovery",
    "server.ready",
    "server.shutdown",
    "checkpoint.too-frequent",
    "config.restart-required",
    "config.invalid-value",
    "config.unrecognized-parameter",
    "config.file-errors",
    "resource.shm-exhausted",
    "collation.version-mismatch",
    "storage.data-dir-version-mismatch",
    "wraparound.warning",
    "archive.command-failed",
    "storage.page-verification-failed",
    "memory.out-of-memory",
    // Looked up by id in src/commands/tail.rs, as are server.ready and
    // server.process-killed above: `--until-ready` fires on server.ready only after
    // server.listening-tcp since the last server.starting, so a renamed id would make it
    // silently never fire.
    "server.starting",
    "server.listening-tcp",
    // src/commands/tail.rs prints this pair in its OOM correlation event.
    "container.oom-killed",
];

fn catalogue() -> Catalogue {
    Catalogue::embedded().unwrap_or_else(|e| panic!("catalogue does not load: {e}"))
}

/// The ids a single line classifies to, run through the whole pipeline as a one-line log.
fn classify_line(cat: &Catalogue, line: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        if let Some(m) = cat.classify(r) {
            ids.push(cat.patterns()[m.pattern].id.clone());
        }
    };
    stream.feed(line.as_bytes(), &mut sink);
    stream.feed(b"\n", &mut sink);
    stream.finish(&mut sink);
    ids
}

/// A configuration check's evidence (`tail`'s docker inspect, or `lint`), not a log line.
fn is_inspect_evidence(p: &pgtriage::catalogue::Pattern, s: &pgtriage::catalogue::Sample) -> bool {
    !p.checks.is_empty() && (s.source == "docker inspect" || s.source == "pgtriage lint")
}

#[test]
fn container_checks_and_entries_correspond_one_to_one() {
    let cat = catalogue();
    for check in pgtriage::checks::all() {
        let n = cat
            .patterns()
            .iter()
            .filter(|p| p.checks.iter().any(|c| c == check))
            .count();
        assert_eq!(n, 1, "check {check} must be named by exactly one entry");
    }
    for p in cat.patterns() {
        for c in &p.checks {
            assert!(
                pgtriage::checks::all().any(|k| k == c),
                "{}: unknown check {c}",
                p.id
            );
        }
    }
}

#[test]
fn required_ids_are_present() {
    let cat = catalogue();
    let missing: Vec<_> = REQUIRED_IDS
        .iter()
        .filter(|id| cat.get(id).is_none())
        .collect();
    assert!(missing.is_empty(), "missing ids: {missing:?}");
}

#[test]
fn each_file_holds_exactly_the_ids_that_start_with_its_name() {
    let cat = catalogue();
    for p in cat.patterns() {
        assert_eq!(
            p.id.split('.').next(),
            Some(p.category.as_str()),
            "{}",
            p.id
        );
    }
    let mut sorted = cat.categories();
    sorted.sort_unstable();
    assert_eq!(
        cat.categories(),
        sorted,
        "the docs index lists files alphabetically"
    );
}

/// A minimal entry for the validation tests, with `extra` lines after its title.
fn entry(id: &str, extra: &str) -> String {
    format!(
        "[[pattern]]\nid = \"{id}\"\ntitle = \"t\"\n{extra}severity = {{ dev = \"info\", prod = \"info\" }}\n\
         explain = \"e\"\nreferences = [\"r\"]\nremediation = {{ dev = \"d\", prod = \"p\" }}\n\
         [[pattern.template]]\ntext = \"some text\"\n"
    )
}

#[test]
fn the_file_name_is_the_category_and_must_match_the_id() {
    let ok = entry("lock.example", "");
    let cat = Catalogue::from_files([("patterns/lock.toml", ok.as_str())]).unwrap();
    assert_eq!(cat.patterns()[0].category, "lock");

    let e = Catalogue::from_files([("patterns/locks.toml", ok.as_str())]).unwrap_err();
    assert!(
        e.contains("lock.example") && e.contains("patterns/locks.toml"),
        "{e}"
    );

    let keyed = entry("lock.example", "category = \"lock\"\n");
    let e = Catalogue::from_files([("patterns/lock.toml", keyed.as_str())]).unwrap_err();
    assert!(e.contains("category"), "{e}");
}

#[test]
fn every_entry_has_a_sample_that_classifies_to_it() {
    let cat = catalogue();
    let mut failures = Vec::new();
    for p in cat.patterns() {
        if p.sample.is_empty() {
            failures.push(format!("{}: no sample", p.id));
        }
        for s in &p.sample {
            if is_inspect_evidence(p, s) {
                continue; // raised on a real container by tests/docker_tail/
            }
            let got = match &s.context {
                Some(log) => classify_in(&cat, log, &s.line),
                None => classify_line(&cat, &s.line),
            };
            if got != vec![p.id.clone()] {
                failures.push(format!(
                    "{}: sample classifies to {got:?}: {}",
                    p.id, s.line
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ids the records whose line is `line` classify to when `log` is read as a whole,
/// through the same flow as `analyze`, so that templates see their context.
fn classify_in(cat: &Catalogue, log: &str, line: &str) -> Vec<String> {
    let verdict = Verdict::new(Env::Prod, Severity::Error, None, None, false);
    let mut flow = Flow::new(cat, &verdict, 0);
    let mut ids = Vec::new();
    let mut stream = LogStream::new(None);
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        flow.record(r, log, &[], &mut |o| {
            if let Event::Finding { record, id, .. } = &o.event {
                if record.line == line.as_bytes() {
                    ids.push(id.to_string());
                }
            }
        });
    };
    stream.feed(&read_log(&common::repo().join(log)), &mut sink);
    stream.finish(&mut sink);
    ids.dedup();
    ids
}

/// Reads a log, decompressing it as pgtriage would.
fn read_log(path: &std::path::Path) -> Vec<u8> {
    let mut opened = pgtriage::source::open(common::path_str(path)).unwrap();
    let mut bytes = Vec::new();
    opened.reader.read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn every_sample_is_found_in_the_log_it_cites() {
    let cat = catalogue();
    let shared = common::shared_data();
    let mut failures = Vec::new();
    for p in cat.patterns() {
        for s in &p.sample {
            if is_inspect_evidence(p, s) {
                continue;
            }
            let path = if let Some(f) = s.source.strip_prefix("pgbadger-fixtures/") {
                match &shared {
                    Some(dir) => dir.join("pgbadger-fixtures").join(f),
                    None => continue,
                }
            } else if s.source.starts_with("https://") {
                // A published log in an issue thread: it must say where in it.
                if s.note.as_deref().is_none_or(str::is_empty) {
                    failures.push(format!("{}: URL source without a note", p.id));
                }
                continue;
            } else {
                common::repo().join(&s.source)
            };
            if !path.is_file() {
                failures.push(format!("{}: source {} does not exist", p.id, s.source));
                continue;
            }
            let log = read_log(&path);
            let found = log
                .split(|b| *b == b'\n')
                .any(|l| l.strip_suffix(b"\r").unwrap_or(l) == s.line.as_bytes());
            if !found {
                failures.push(format!("{}: line not in {}: {}", p.id, s.source, s.line));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A paste that cut what followed a message can keep the space before it (the corpus's
/// 073, a real user's line): the message still matches its template, as it does without.
#[test]
fn a_message_that_kept_one_trailing_space_still_classifies() {
    let cat = catalogue();
    let pasted = std::fs::read_to_string(
        common::repo().join("tests/corpus/073-pg17-detail-lost-its-label.log"),
    )
    .unwrap();
    let line = pasted.lines().next().unwrap();
    assert!(line.ends_with("server "), "{line:?}");
    assert_eq!(
        classify_line(&cat, line),
        ["storage.data-dir-version-mismatch"]
    );
    assert_eq!(
        classify_line(&cat, line.trim_end()),
        ["storage.data-dir-version-mismatch"]
    );
}
