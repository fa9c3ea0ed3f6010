//! Compressed logs that end early or expand without end. The text is the real
//! sample-logs/sql-errors.log; the cut and the bomb are made here.

use super::{assert_kept, assert_no_panic, good, report, temp_file};
use std::io::Write;
use std::process::Command;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_truncated_gzip_keeps_the_findings_read_before_the_cut() {
    // 400 copies of the real log, compressed for real, then cut in half (synthetic).
    let text = good().repeat(400);
    let gz = gzip(&text);
    let f = temp_file(".log.gz", &gz[..gz.len() / 2]);
    let path = super::common::path_str(f.path());
    let out = super::common::pgtriage(&["analyze", "--no-policy", "--output", "json", path]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unexpected end of data (truncated compressed file?)"),
        "{err}"
    );
    let r = report(&out);
    assert!(r["inputs"][0]["error"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    assert_kept(&r);
}

/// A member of `n` bytes of one letter, with no line end: deflate's best ratio, about 1000
/// to 1.
fn bomb_member(n: usize) -> Vec<u8> {
    gzip(&vec![b'a'; n])
}

#[test]
fn a_gzip_bomb_is_read_in_bounded_memory_and_output() {
    // The real log, then 64 gzip members of 16 MiB of `a` each (synthetic): a file of
    // about 1 MB that expands to 1 GiB without a line end.
    let mut file = gzip(&good());
    let member = bomb_member(16 << 20);
    for _ in 0..64 {
        file.extend_from_slice(&member);
    }
    assert!(file.len() < 2 << 20, "{} bytes", file.len());
    let f = temp_file(".log.gz", &file);
    // Address space capped at 512 MiB: a reader that kept the expanded text would fail
    // to allocate and abort.
    let out = Command::new("prlimit")
        .arg("--as=536870912")
        .arg(env!("CARGO_BIN_EXE_pgtriage"))
        .args(["analyze", "--no-policy", "--output", "json"])
        .arg(f.path())
        .current_dir(super::common::repo())
        .output()
        .expect("prlimit (util-linux)");
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stdout.len() < 200_000,
        "{} bytes of report",
        out.stdout.len()
    );
    let r = report(&out);
    // The endless line is cut at the line limit, and said to be.
    assert_eq!(r["inputs"][0]["truncated_lines"], 1);
    assert_kept(&r);
}
