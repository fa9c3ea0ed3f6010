//! A compressed log gives the report of the same log uncompressed, read on one thread
//! and on the default number, where it is decoded on a thread of its own ahead of the
//! parser (ADR 18). The logs are pgBadger's compressed fixtures, real
//! server logs of several megabytes decoded; the plain copy is decoded here.

mod common;

use std::io::Read;
use std::path::Path;

/// The JSON report of `file` read with `threads` (the default when `None`).
fn report(file: &Path, threads: Option<&str>) -> serde_json::Value {
    let mut args = vec!["analyze", "--output", "json", "--no-policy"];
    if let Some(n) = threads {
        args.extend(["--threads", n]);
    }
    args.push(common::path_str(file));
    let out = common::pgtriage(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pgtriage {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The report of a compressed copy, with the fields that name the file and its
/// compression made those of the plain one: everything else must be the same.
fn as_plain(mut report: serde_json::Value, plain: &Path) -> String {
    let input = &mut report["inputs"][0];
    input["name"] = common::path_str(plain).into();
    input["compression"] = "none".into();
    serde_json::to_string_pretty(&report).unwrap()
}

#[test]
fn a_compressed_log_gives_the_plain_logs_report_on_one_thread_and_many() {
    let Some(shared) = common::shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = shared.join("pgbadger-fixtures");
    let mut compared = 0;
    for name in [
        "pg-syslog.1.bz2",
        "rds.log.bz2",
        "pg_vacuums.log.gz",
        "cnpg.log.gz",
    ] {
        let packed = fixtures.join(name);
        let raw = std::fs::read(&packed).unwrap();
        let mut text = Vec::new();
        if name.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut text)
                .unwrap();
        } else {
            bzip2::read::MultiBzDecoder::new(&raw[..])
                .read_to_end(&mut text)
                .unwrap();
        }
        let plain = dir.path().join(name.rsplit_once('.').unwrap().0);
        std::fs::write(&plain, &text).unwrap();
        let want = serde_json::to_string_pretty(&report(&plain, Some("1"))).unwrap();
        for threads in [Some("1"), None, Some("2")] {
            let got = as_plain(report(&packed, threads), &plain);
            assert!(
                got == want,
                "{name} on {threads:?} threads: the report differs from the plain log's"
            );
        }
        compared += text.len();
    }
    // Several decoded buffers each, so the decoder ran ahead of the parser.
    assert!(compared > 8 << 20, "{compared} bytes decoded");
}
