//! Bad input gets a clear message and a defined exit code, never a panic; what was read
//! before the damage is still reported.

mod common;

use common::{path_str, pgtriage, pgtriage_stdin};
use std::io::Write;

fn assert_no_panic(out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    assert_ne!(out.status.code(), Some(3), "{err}");
}

/// A deterministic stream of pseudo-random bytes (xorshift), so a failure can be replayed.
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

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
fn random_bytes_are_refused_as_binary() {
    for seed in [1u64, 7, 99] {
        let out = pgtriage_stdin(
            &["analyze", "--output", "json", "-"],
            &garbage(200_000, seed),
        );
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "seed {seed}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("binary data"));
        // The document is complete JSON that names the error, never a partial one.
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(r["inputs"][0]["error"].as_str().unwrap().contains("binary"));
    }
}

#[test]
fn invalid_utf8_and_control_bytes_without_nul_are_read_as_text() {
    // Hand-made: a PostgreSQL-shaped line with Latin-1 bytes, then high-bit noise.
    let mut input =
        b"2024-01-01 00:00:00.000 UTC [7] LOG:  database system is ready to accept connections\n"
            .to_vec();
    input.extend_from_slice(b"2024-01-01 00:00:01.000 UTC [8] ERROR:  caf\xe9 \xff\xfe broken\n");
    input.extend(garbage(50_000, 5).into_iter().map(|b| b | 0x80));
    let out = pgtriage_stdin(&["analyze", "--output", "json", "-"], &input);
    assert_no_panic(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the unclassified ERROR fails the default gate"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(common::finding_counts(&r).get("server.ready"), Some(&1));
    assert_eq!(r["unclassified"][0]["severity"], "ERROR");
}

#[test]
fn a_ten_megabyte_line_is_read_whole() {
    // Hand-made: one 10 MB statement line between two real-shaped lines.
    let mut input =
        b"2024-01-01 00:00:00.000 UTC [7] LOG:  database system is ready to accept connections\n"
            .to_vec();
    input.extend_from_slice(b"2024-01-01 00:00:01.000 UTC [8] LOG:  statement: SELECT '");
    input.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    input.extend_from_slice(b"'\n2024-01-01 00:00:02.000 UTC [7] LOG:  database system is ready to accept connections\n");
    let out = pgtriage_stdin(&["analyze", "--output", "json", "-"], &input);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["inputs"][0]["records"], 3);
    assert_eq!(r["inputs"][0]["truncated_lines"], 0);
    assert_eq!(common::finding_counts(&r).get("server.ready"), Some(&2));
}

#[test]
fn a_truncated_gzip_keeps_the_findings_read_before_the_cut() {
    // Hand-made lines, compressed for real, then cut in half.
    let mut text = Vec::new();
    for i in 0..20_000 {
        writeln!(
            text,
            "2024-01-01 00:00:00.000 UTC [{i}] LOG:  database system is ready to accept connections"
        )
        .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let mut f = tempfile::Builder::new()
        .suffix(".log.gz")
        .tempfile()
        .unwrap();
    f.write_all(&gz[..gz.len() / 2]).unwrap();
    let out = pgtriage(&["analyze", "--output", "json", path_str(f.path())]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let seen = common::finding_counts(&r)["server.ready"];
    assert!(
        seen > 1000 && seen < 20_000,
        "findings before the cut are kept: {seen}"
    );
}

#[test]
fn a_bad_prefix_is_a_usage_error() {
    let out = pgtriage(&["analyze", "--prefix", "%m %y", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown escape %y"));
}

/// A reader that went away (`| head`, a `less` quit early) ends every command quietly,
/// with the status it would have had: the gate's verdict for `analyze`, 0 for the rest.
/// The pipe's read end is closed before pgtriage starts, so every write fails.
#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let log = "sample-logs/first-start-no-locale.log";
    let cases: [(&[&str], i32); 7] = [
        (&["patterns"], 0),
        (&["patterns", "--output", "json"], 0),
        (&["explain", "locale.no-system-locales"], 0),
        (&["analyze", "--no-policy", "--env", "prod", log], 1),
        (&["analyze", "--no-policy", "--env", "dev", log], 0),
        (&["analyze", "--no-policy", "--output", "json", log], 1),
        (&["analyze", "--no-policy", "--output", "markdown", log], 1),
    ];
    for (args, code) in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgtriage"))
            .args(args)
            .current_dir(common::repo())
            .stdout(writer)
            .output()
            .unwrap();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
    }
}
