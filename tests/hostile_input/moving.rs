//! Files that change while they are read: one still being written to, one rotated with
//! logrotate's copytruncate. The lines are the real sample-logs/sql-errors.log, repeated;
//! the growth and the cut are made here.

use super::{assert_kept, failed_report, good, report, temp_file};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Copies of the real log in the file at the start: enough that reading takes a while.
const COPIES: usize = 3000;

fn spawn_analyze(path: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(["analyze", "--no-policy", "--output", "json"])
        .arg(path)
        .current_dir(super::common::repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `pid` has read some of `path`, from the file offset the kernel shows.
fn wait_until_reading(pid: u32, path: &std::path::Path) {
    let start = Instant::now();
    let target = std::fs::canonicalize(path).unwrap();
    loop {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap();
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).ok().as_deref() != Some(target.as_path()) {
                continue;
            }
            let n = fd.file_name();
            let info =
                std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", n.to_string_lossy()));
            let pos = info.ok().and_then(|i| {
                i.lines()
                    .find_map(|l| l.strip_prefix("pos:"))
                    .and_then(|p| p.trim().parse::<u64>().ok())
            });
            if pos.is_some_and(|p| p > 0) {
                return;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "pgtriage never read"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn records_of_one_copy() -> u64 {
    let out = super::analyze_stdin(&good());
    report(&out)["inputs"][0]["records"].as_u64().unwrap()
}

#[test]
fn a_file_that_grows_while_read_is_read_to_where_it_ended() {
    let one = good();
    let f = temp_file(".log", &one.repeat(COPIES));
    let child = spawn_analyze(f.path());
    wait_until_reading(child.id(), f.path());
    // A server still writing: 500 more copies, appended while pgtriage reads.
    let mut w = std::fs::OpenOptions::new()
        .append(true)
        .open(f.path())
        .unwrap();
    for _ in 0..500 {
        w.write_all(&one).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let r = failed_report(&out);
    assert_kept(&r);
    let records = r["inputs"][0]["records"].as_u64().unwrap();
    let per_copy = records_of_one_copy();
    assert!(
        records >= per_copy * COPIES as u64 && records <= per_copy * (COPIES as u64 + 500),
        "{records} records"
    );
}

#[test]
fn a_file_truncated_while_read_keeps_what_was_read_and_says_so() {
    let f = temp_file(".log", &good().repeat(COPIES));
    let child = spawn_analyze(f.path());
    wait_until_reading(child.id(), f.path());
    // copytruncate: the lines were copied to the rotated file; this one is emptied.
    std::fs::OpenOptions::new()
        .write(true)
        .open(f.path())
        .unwrap()
        .set_len(0)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let r = failed_report(&out);
    // At least the first read (1 MiB, many copies) was classified.
    assert_kept(&r);
    let records = r["inputs"][0]["records"].as_u64().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if records < records_of_one_copy() * COPIES as u64 {
        assert!(
            err.contains("while it was read (rotated with copytruncate?)"),
            "{err}"
        );
    }
}
