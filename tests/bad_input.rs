//! Bad usage gets a clear message and a defined exit code, never a panic. Damaged and
//! hostile log contents are in tests/hostile_input/, one test per row of
//! docs/reliability.md's table.

mod common;

use common::{path_str, pgtriage};

#[test]
fn missing_path_and_directory_exit_2_with_a_reason() {
    let out = pgtriage(&["analyze", "no/such/file.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "no report on stdout for unreadable input"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.log: no such file"));

    let dir = tempfile::tempdir().unwrap();
    let out = pgtriage(&["analyze", "--output", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[test]
fn empty_file_gives_a_clean_empty_report() {
    let f = tempfile::NamedTempFile::new().unwrap();
    let r = common::analyze_json(&[path_str(f.path())], 0);
    assert_eq!(r["summary"]["records"], 0);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_bad_prefix_is_a_usage_error() {
    let out = pgtriage(&["analyze", "--prefix", "%m %y", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown escape %y"));
}
