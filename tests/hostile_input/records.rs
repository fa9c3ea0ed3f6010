//! Records in an order no single server session writes: 50 sessions interleaved line by
//! line, time running backwards, and a prefix that cannot be told. The lines are the
//! real sample-logs/sql-errors.log; the reordering and the prefix are made here.

use super::{analyze_stdin, assert_no_panic, failed_report, good, good_counts, report};

/// The log's records, each its main line with the DETAIL/HINT/STATEMENT/CONTEXT and
/// TAB-continued lines that complete it.
fn records() -> Vec<Vec<String>> {
    let text = String::from_utf8(good()).unwrap();
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let completes = line.starts_with('\t')
            || [
                "DETAIL:  ",
                "HINT:  ",
                "STATEMENT:  ",
                "CONTEXT:  ",
                "QUERY:  ",
            ]
            .iter()
            .any(|l| line.contains(l));
        match out.last_mut() {
            Some(r) if completes => r.push(line.to_string()),
            _ => out.push(vec![line.to_string()]),
        }
    }
    out
}

/// `line` with its `[pid]` replaced.
fn with_pid(line: &str, pid: u32) -> String {
    match (line.find(" ["), line.find("] ")) {
        (Some(a), Some(b)) if a < b && !line.starts_with('\t') => {
            format!("{} [{pid}]{}", &line[..a], &line[b + 1..])
        }
        _ => line.to_string(),
    }
}

#[test]
fn fifty_sessions_interleaved_line_by_line_are_assembled_apart() {
    // Record i goes to pid 4000 + i % 50; then one line of each pid in turn, so that
    // every multi-line record has other sessions' lines between its own.
    let mut queues: Vec<Vec<String>> = vec![Vec::new(); 50];
    for (i, r) in records().iter().enumerate() {
        let pid = 4000 + (i % 50) as u32;
        let continued = r.iter().skip(1).any(|l| l.starts_with('\t'));
        // A TAB-continued line has no prefix to say its pid: such a record stays whole.
        let lines: Vec<String> = r.iter().map(|l| with_pid(l, pid)).collect();
        match continued {
            true => queues[i % 50].push(lines.join("\n")),
            false => queues[i % 50].extend(lines),
        }
    }
    let mut input = String::new();
    let longest = queues.iter().map(Vec::len).max().unwrap();
    for n in 0..longest {
        for q in &queues {
            if let Some(l) = q.get(n) {
                input.push_str(l);
                input.push('\n');
            }
        }
    }
    let out = analyze_stdin(input.as_bytes());
    let r = failed_report(&out);
    assert_eq!(super::common::finding_counts(&r), good_counts());
    let alone = report(&analyze_stdin(&good()));
    assert_eq!(r["summary"], alone["summary"]);
}

#[test]
fn time_running_backwards_still_gives_first_and_last_seen_in_order() {
    // The records in reverse order: each is later in the file and earlier in time.
    let reversed: String = records()
        .iter()
        .rev()
        .flat_map(|r| r.iter().map(|l| format!("{l}\n")))
        .collect();
    let out = analyze_stdin(reversed.as_bytes());
    let r = failed_report(&out);
    let alone = report(&analyze_stdin(&good()));
    assert_eq!(super::common::finding_counts(&r), good_counts());
    for f in alone["findings"].as_array().unwrap() {
        let same = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == f["id"] && g["scope"] == f["scope"])
            .unwrap();
        assert_eq!(same["first_seen"], f["first_seen"], "{}", f["id"]);
        assert_eq!(same["last_seen"], f["last_seen"], "{}", f["id"]);
    }
}

#[test]
fn a_prefix_that_cannot_be_detected_suggests_prefix() {
    // Each line's prefix replaced by a token of varying shape that no log_line_prefix
    // writes; the messages are the real ones.
    let text = String::from_utf8(good()).unwrap();
    let shapes = ["<<a>> ", "~~b7~~ ", "|| ", "@@@c@@@ "];
    let input: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match l.find("] ") {
            Some(b) if !l.starts_with('\t') => {
                let rest = &l[b + 2..];
                let rest = rest.split_once(' ').filter(|(who, _)| who.contains('@'));
                let rest = rest.map_or(&l[b + 2..], |(_, r)| r);
                format!("{}{rest}\n", shapes[i % shapes.len()])
            }
            _ => format!("{l}\n"),
        })
        .collect();
    let out = analyze_stdin(input.as_bytes());
    assert_no_panic(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not detect the log_line_prefix of 35 records")
            && err.contains("Pass --prefix"),
        "{err}"
    );
    // The messages are still classified, each once: the label is found without the prefix.
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["inputs"][0]["prefix"], serde_json::Value::Null);
    assert_eq!(super::common::finding_counts(&r), good_counts());
}
