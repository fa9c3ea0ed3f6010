//! The terminal output as a person sees it: the real binary in a real terminal (tmux) at
//! 80 and 120 columns, its screens compared with tests/snapshots/terminal/
//! (`UPDATE_SNAPSHOTS=1 cargo test --test terminal -- --include-ignored` rewrites them;
//! review the diff). Every screen fits its width and keeps ids and timestamps whole; the
//! same output piped carries no escape codes. The live tail's screens are in
//! tests/docker_tail.rs, which has the containers.

mod common;

use common::screen::{assert_fits, whole_words, Terminal};
use common::{assert_snapshot, pgtriage};
use std::process::Command;
use std::time::Duration;

const FIRST_START: &str = "sample-logs/first-start-no-locale.log";
/// Accepts two of the first-start log's three findings.
const ACCEPTING: &str = "tests/terminal/accepting.toml";

/// Runs `args` at 80 and 120 columns; checks each screen and compares it with
/// terminal/<name>.<width>.txt. `whole` must never be split.
fn screens(name: &str, args: &[&str], code: i32, whole: &[String]) {
    if common::require_tool("tmux").is_none() {
        return;
    }
    for width in [80, 120] {
        let t = Terminal::start(name, width, args);
        assert_eq!(t.wait_exit(Duration::from_secs(60)), code, "{args:?}");
        let screen = t.screen(false);
        assert_fits(&screen, t.width, whole);
        // A terminal gets colour by default.
        assert!(t.screen(true).contains("\x1b["), "no colour:\n{screen}");
        assert_snapshot(&format!("terminal/{name}.{width}.txt"), &screen);
    }
}

#[test]
#[ignore = "slow: tmux"]
fn the_first_start_report_fits_80_and_120_columns() {
    let args = ["analyze", "--no-policy", FIRST_START];
    screens("first-start", &args, 1, &whole_words(&args[1..]));
}

#[test]
#[ignore = "slow: tmux"]
fn accepted_findings_are_marked_with_their_reason() {
    let args = ["analyze", "--policy", ACCEPTING, FIRST_START];
    screens("accepted", &args, 1, &whole_words(&args[1..]));
}

#[test]
#[ignore = "slow: tmux"]
fn every_finding_is_listed_with_all() {
    let args = ["analyze", "--all", "--no-policy", FIRST_START];
    screens("first-start-all", &args, 1, &whole_words(&args[2..]));
}

#[test]
#[ignore = "slow: tmux"]
fn explain_lays_its_page_out_for_the_terminal() {
    let id = "auth.trust-local".to_string();
    screens("explain", &["explain", &id], 0, std::slice::from_ref(&id));
}

/// Output to a pipe, or with `--color never`, has no escape codes; `--color always` does
/// (the switch is what decides). Piped output is 100 columns wide, or `COLUMNS`.
#[test]
fn piped_and_colourless_output_has_no_escape_codes() {
    let run = |columns: Option<&str>, args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pgtriage"));
        c.args(args)
            .current_dir(common::repo())
            .env_remove("NO_COLOR");
        match columns {
            Some(w) => c.env("COLUMNS", w),
            None => c.env_remove("COLUMNS"),
        };
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let analyze = ["analyze", "--no-policy", FIRST_START];
    let never = ["analyze", "--no-policy", "--color", "never", FIRST_START];
    let explain = ["explain", "auth.trust-local"];
    let whole = whole_words(&analyze[1..]);
    for (columns, width) in [(None, 100), (Some("80"), 80), (Some("120"), 120)] {
        for args in [&analyze[..], &never, &explain] {
            let out = run(columns, args);
            assert!(!out.contains('\x1b'), "{args:?}: escapes in\n{out}");
            assert_fits(&out, width, &whole);
        }
    }
    let always = run(
        None,
        &["analyze", "--no-policy", "--color", "always", FIRST_START],
    );
    assert!(always.contains("\x1b[31merror"), "{always}");
    let out = pgtriage(&["explain", "--output", "markdown", "auth.trust-local"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# auth.trust-local — "));
}
