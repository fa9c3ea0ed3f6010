//! `pgtriage tail` with its stdout a pipe nobody reads (`| head` had its lines): a live
//! format ends the follow by itself at the first failed write, a document format at its
//! usual end; both quietly, with the gate's verdict as status.

use super::common::docker::Container;
use super::{common, sane, ALPINE_LIKE, DEBIAN};
use std::process::Output;
use std::time::{Duration, Instant};

fn tail_with_closed_stdout(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let args = [&["tail"], args].concat();
    let program = env!("CARGO_BIN_EXE_pgtriage");
    let out = common::pipes::with_closed_stdout(program, &args, &common::repo());
    (out, start.elapsed())
}

fn assert_quiet(out: &Output, code: i32, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(out.status.code(), Some(code), "{what}: {err}");
    assert!(out.stderr.is_empty(), "{what}: {err}");
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_live_format_stops_following_when_its_reader_has_gone() {
    if !common::require_docker() {
        return;
    }
    // A sane server passes the prod gate whatever part of its log was read before the
    // first failed write, so the status is the verdict's, not a matter of timing.
    let (c, _dir) = sane("closed", DEBIAN);
    c.wait_for("database system is ready to accept connections", 2);
    for format in ["table", "jsonl"] {
        // No --timeout would end this follow: only the closed pipe can.
        let (out, took) = tail_with_closed_stdout(&["--output", format, "--env", "prod", &c.0]);
        assert_quiet(&out, 0, format);
        assert!(took < Duration::from_secs(60), "{format}: {took:?}");
    }
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_document_format_ends_as_usual_and_keeps_the_verdict() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run(
        "closed-doc",
        &["-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE],
    );
    for format in ["json", "markdown", "github", "junit", "html"] {
        let args = [
            "--output",
            format,
            "--until-ready",
            "--env",
            "prod",
            "--timeout",
            "300s",
        ];
        let (out, _) = tail_with_closed_stdout(&[&args[..], &[c.0.as_str()]].concat());
        // The locale warning of the alpine-like first start fails the prod gate.
        assert_quiet(&out, 1, format);
    }
}
