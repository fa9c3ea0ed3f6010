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

/// Compares one log read sequentially and in chunks, as detected and with its detected
/// prefix given (which splits even logs too short to finish detection); the split
/// notes of the parallel runs.
fn same_report(path: &Path) -> Result<Vec<String>, String> {
    let file = common::path_str(path);
    let (one, _) = report("1", &[file]);
    let doc: serde_json::Value = serde_json::from_slice(&one).map_err(|e| e.to_string())?;
    let (many, notes) = report("3", &[file]);
    if one != many {
        return Err(format!("{file}: the reports differ"));
    }
    let mut all_notes = vec![notes];
    if let Some(prefix) = doc["inputs"][0]["prefix"].as_str() {
        let given = ["--prefix", prefix, file];
        let (one, _) = report("1", &given);
        let (many, notes) = report("3", &given);
        if one != many {
            return Err(format!(
                "{file} with --prefix {prefix:?}: the reports differ"
            ));
        }
        all_notes.push(notes);
    }
    Ok(all_notes)
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
    let notes: Vec<String> = results.into_iter().flat_map(Result::unwrap).collect();
    tally(&notes)
}

#[test]
fn sample_logs_read_in_chunks_give_the_sequential_report() {
    let mut logs = Vec::new();
    logs_under(&common::repo().join("sample-logs"), &mut logs);
    logs.sort();
    assert!(logs.len() > 200, "{} sample logs", logs.len());
    let (merged, again) = check_all(&logs);
    // Most reads are split and merged; a log whose records carry context across a cut (a
    // crash episode, a quoted message) is read again, and that must stay the exception.
    assert!(merged > logs.len(), "{merged} merged, {again} read again");
    assert!(again * 4 < merged, "{merged} merged, {again} read again");
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
    assert!(merged >= logs.len(), "{merged} merged, {again} read again");
}
