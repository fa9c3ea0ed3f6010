//! `analyze --threads N` gives, byte for byte, the JSON report of `--threads 1` (ADR
//! split-input). Chunks are forced small with the test knob `PGTRIAGE_CHUNK_BYTES`, so that
//! every real log here is cut at many records: the sample logs of every major, framed and
//! translated, and pgBadger's fixtures (decompressed first: a compressed file is read in
//! one thread). With the knob set, pgtriage says on stderr how it read each split file,
//! which shows that the logs were split and merged, not read again in one thread.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes per chunk: a few records each.
const CHUNK: &str = "1500";

/// The report of `args` read with `threads`, and what stderr said of the split.
fn report(threads: &str, args: &[&str]) -> (Vec<u8>, String) {
    let mut all = vec![
        "analyze",
        "--output",
        "json",
        "--no-policy",
        "--threads",
        threads,
    ];
    all.extend_from_slice(args);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(&all)
        .env("PGTRIAGE_CHUNK_BYTES", CHUNK)
        .current_dir(common::repo())
        .output()
        .expect("run pgtriage");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pgtriage {all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Compares one log read with one thread and in chunks; the split notes of the chunked
/// run. A stderr log is read with its detected prefix given, which splits even logs too
/// short for detection to end before their last line (a sequential read holds them all).
fn same_report(path: &Path) -> Result<String, String> {
    let file = common::path_str(path);
    let (one, _) = report("1", &[file]);
    let doc: serde_json::Value = serde_json::from_slice(&one).map_err(|e| e.to_string())?;
    let prefix = doc["inputs"][0]["prefix"]
        .as_str()
        .filter(|_| doc["inputs"][0]["format"] == "stderr");
    let args: Vec<&str> = match prefix {
        Some(p) => vec!["--prefix", p, file],
        None => vec![file],
    };
    let one = match prefix {
        Some(_) => report("1", &args).0,
        None => one,
    };
    let (many, notes) = report("3", &args);
    if one != many {
        return Err(format!("{args:?}: the reports differ"));
    }
    Ok(notes)
}

fn logs_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            logs_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "log") {
            out.push(path);
        }
    }
}

/// How many split reads were merged, and how many read again in one thread.
fn tally(notes: &[String]) -> (usize, usize) {
    let lines = || notes.iter().flat_map(|n| n.lines());
    let merged = lines().filter(|l| l.ends_with(" chunks")).count();
    let again = lines()
        .filter(|l| l.contains(" chunks, read again: "))
        .count();
    (merged, again)
}

fn check_all(logs: &[PathBuf]) -> (usize, usize) {
    let results = common::par_map(logs, |p| same_report(p));
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    let notes: Vec<String> = results.into_iter().map(Result::unwrap).collect();
    tally(&notes)
}

/// Logs of sample-logs/, `dirs` below it ("" for the top level).
fn sample_logs(dirs: &[&str]) -> Vec<PathBuf> {
    let mut logs = Vec::new();
    for d in dirs {
        let dir = common::repo().join("sample-logs").join(d);
        if d.is_empty() {
            let files = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path());
            logs.extend(files.filter(|p| p.extension().is_some_and(|e| e == "log")));
        } else {
            logs_under(&dir, &mut logs);
        }
    }
    logs.sort();
    logs
}

/// Nearly every log is split and merged; one is read again only when a chunk ends
/// inside a record the cut could not see (a csvlog row spanning lines) or after a quoted
/// server message.
fn assert_mostly_merged(logs: &[PathBuf], (merged, again): (usize, usize)) {
    assert!(
        merged * 10 >= logs.len() * 8,
        "{} logs: {merged} merged, {again} read again",
        logs.len()
    );
    assert!(
        again * 20 <= logs.len(),
        "{} logs: {merged} merged, {again} read again",
        logs.len()
    );
}

#[test]
fn sample_logs_read_in_chunks_give_the_sequential_report() {
    let logs = sample_logs(&[""]);
    assert!(logs.len() > 40, "{} sample logs", logs.len());
    assert_mostly_merged(&logs, check_all(&logs));
}

#[test]
#[ignore = "slow: every major's sample logs, framed and translated ones (about 260 logs)"]
fn every_majors_sample_logs_read_in_chunks_give_the_sequential_report() {
    let logs = sample_logs(&["pg14", "pg16", "pg17", "pg18", "framed", "translated"]);
    assert!(logs.len() > 150, "{} sample logs", logs.len());
    assert_mostly_merged(&logs, check_all(&logs));
}

/// pgBadger's fixtures, the compressed ones decompressed into a temp dir.
#[test]
fn pgbadger_fixtures_read_in_chunks_give_the_sequential_report() {
    let Some(shared) = common::shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut logs = Vec::new();
    for entry in std::fs::read_dir(shared.join("pgbadger-fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let raw = std::fs::read(&path).unwrap();
        let (text, plain_name) = if let Some(stem) = name.strip_suffix(".gz") {
            let mut t = Vec::new();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut t)
                .unwrap();
            (t, stem.to_string())
        } else if let Some(stem) = name.strip_suffix(".bz2") {
            let mut t = Vec::new();
            bzip2::read::MultiBzDecoder::new(&raw[..])
                .read_to_end(&mut t)
                .unwrap();
            (t, stem.to_string())
        } else if name.ends_with(".md") {
            continue;
        } else {
            (raw, name)
        };
        let out = dir.path().join(plain_name);
        std::fs::write(&out, text).unwrap();
        logs.push(out);
    }
    logs.sort();
    assert!(logs.len() >= 15, "{} fixtures", logs.len());
    let (merged, again) = check_all(&logs);
    // Some are smaller than a chunk or have no line to cut at; 13 of 18 are split.
    assert!(
        merged * 3 >= logs.len() * 2,
        "{} fixtures: {merged} merged, {again} read again",
        logs.len()
    );
}

/// Past the cap of unclassified message shapes, the groups and the overflow of a log read
/// in chunks are those of one thread. The log is a stress input generated here, not
/// server output: the real WARNING line `setting an MD5-encrypted password` of
/// sample-logs/pg18, with a word of letters appended so that each copy is a new shape
/// (numbers and quoted text make none), 2500 shapes met once to three times.
#[test]
fn unclassified_shapes_past_the_cap_give_the_sequential_report() {
    let text =
        std::fs::read_to_string(common::repo().join("sample-logs/pg18/access-login-refused.log"))
            .unwrap();
    let line = text
        .lines()
        .find(|l| l.ends_with("WARNING:  setting an MD5-encrypted password"))
        .unwrap();
    let word = |mut n: usize| {
        let mut w = String::new();
        loop {
            w.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return w;
            }
        }
    };
    let mut log = String::new();
    for i in 0..6000 {
        let shape = i * 7919 % 2500;
        if i < 2500 || shape % 3 == 0 {
            log.push_str(&format!("{line} {}\n", word(shape)));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shapes.log");
    std::fs::write(&path, log).unwrap();
    let notes = same_report(&path).unwrap();
    assert_eq!(tally(&[notes]), (1, 0), "split and merged");
    let (one, _) = report("1", &[common::path_str(&path)]);
    let doc: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let kept = doc["unclassified"].as_array().unwrap().len();
    assert_eq!(kept, 1000, "the cap is reached");
    assert!(doc["stats"]["unclassified_overflow"].as_u64().unwrap() > 0);
}
