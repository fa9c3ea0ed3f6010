//! The terminal output as a person sees it: the real binary in a real terminal (tmux) at
//! 80 and 120 columns, its screens compared with tests/snapshots/terminal/
//! (`UPDATE_SNAPSHOTS=1 cargo test --test terminal -- --include-ignored` rewrites them;
//! review the diff). Every screen fits its width and keeps ids and timestamps whole; the
//! same output piped carries no escape codes. The live tail runs against a real container
//! of the project's test images (as tests/docker_tail.rs does).

mod common;

use common::docker::{docker, Container, ALPINE_LIKE};
use common::screen::{assert_fits, quote, whole_words, Terminal};
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

/// A log big enough that a debug build reads it for a few seconds: a real server's lines
/// (sample-logs/sql-statements.log) over and over, about `mb` MB.
fn big_log(dir: &std::path::Path, mb: usize) -> String {
    let one = std::fs::read(common::repo().join("sample-logs/sql-statements.log")).unwrap();
    let path = dir.join("big.log");
    std::fs::write(&path, one.repeat(mb * 1_000_000 / one.len() + 1)).unwrap();
    quote(&path.display().to_string())
}

/// Waits for a progress line showing `what`; it fits the window and is gone at the end.
fn progress_shows(name: &str, script: &str, what: &str) {
    let t = Terminal::shell(name, 80, script);
    t.wait_for(what, 1, Duration::from_secs(60));
    let shown = t.screen(false);
    assert!(shown.contains("MB/s"), "{shown}");
    assert_fits(&shown, 80, &[]);
    assert_eq!(t.wait_exit(Duration::from_secs(120)), 0, "{script}");
    let end = t.screen(false);
    assert!(!end.contains("MB/s"), "the progress line stays:\n{end}");
}

/// A long `analyze` shows progress on a terminal's stderr: the share, MB/s and time left
/// for a file, records for stdin; never on stdout (the JSON stays JSON), and nothing when
/// stderr is not a terminal.
#[test]
#[ignore = "slow: tmux, and a 20 MB log read by the binary"]
fn progress_shows_on_a_terminal_and_nowhere_else() {
    if common::require_tool("tmux").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let big = big_log(dir.path(), 20);
    let out = dir.path().join("out");
    let err = dir.path().join("err");
    let (o, e) = (
        quote(&out.display().to_string()),
        quote(&err.display().to_string()),
    );
    let analyze = "\"$PGTRIAGE\" analyze --no-policy --no-stats --fail-on critical";
    progress_shows(
        "file",
        &format!("{analyze} --output json {big} > {o}"),
        "ETA",
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap())
        .expect("stdout is the JSON report alone");
    assert!(json["summary"]["records"].as_u64().unwrap() > 100_000);
    progress_shows(
        "stdin",
        &format!("cat {big} | {analyze} - > {o}"),
        "records",
    );
    let t = Terminal::shell("piped", 80, &format!("{analyze} {big} > {o} 2> {e}"));
    assert_eq!(t.wait_exit(Duration::from_secs(120)), 0);
    assert_eq!(
        std::fs::read_to_string(&err).unwrap(),
        "",
        "progress into a pipe"
    );
}

/// The live lines and the report at Ctrl-C as a person sees them: `tail` in a real
/// terminal (tmux) at 80 and 120 columns, following a first start, a restart and the
/// second start. The screens fit their width with ids and times whole, and match
/// tests/snapshots/terminal/tail.<width>.txt once their digits (clock times, pids,
/// durations) are masked.
#[test]
#[ignore = "slow: needs a Docker daemon, the test images (scripts/build-test-image.sh) and tmux"]
fn live_lines_fit_80_and_120_columns() {
    if !common::require_docker() || common::require_tool("tmux").is_none() {
        return;
    }
    let cat = pgtriage::catalogue::Catalogue::embedded().unwrap();
    let ids: Vec<String> = cat.patterns().iter().map(|p| p.id.clone()).collect();
    for width in [80, 120] {
        // A fixed name, so that the screen does not depend on this process's id.
        let c = Container::named(
            "pgtriage-test-live".to_string(),
            &["-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE],
        );
        // The prefix as given: detection on a first start may take the init phase's
        // "waiting for server to start...." glued to a line as part of it.
        let args = [
            "tail",
            "--no-policy",
            "--env",
            "prod",
            "--prefix",
            "%m [%p] ",
            &c.0,
        ];
        let t = Terminal::start("tail", width, &args);
        // Generous: initdb and two starts on a loaded 2-core machine.
        t.wait_for("READY", 1, Duration::from_secs(300));
        docker(&["restart", &c.0]);
        t.wait_for("READY", 2, Duration::from_secs(300));
        t.keys("C-c");
        assert_eq!(
            t.wait_exit(Duration::from_secs(60)),
            1,
            "auth.trust-local fails prod"
        );
        let screen = t.screen(false);
        assert_fits(&screen, t.width, &ids);
        let live: Vec<&str> = screen
            .lines()
            .take_while(|l| !l.starts_with("^C"))
            .collect();
        for l in &live {
            let time: String = l.chars().skip(2).take(8).collect();
            let digits = time.bytes().filter(u8::is_ascii_digit).count();
            assert!(
                digits == 6 && time.get(2..3) == Some(":"),
                "no time in {l:?}"
            );
        }
        for marked in ["» ", "READY", "RESTARTED"] {
            assert!(
                live.iter().any(|l| l.contains(marked)),
                "{marked}:\n{screen}"
            );
        }
        let masked: String = screen
            .chars()
            .map(|ch| if ch.is_ascii_digit() { '0' } else { ch })
            .collect();
        assert_snapshot(&format!("terminal/tail.{width}.txt"), &masked);
    }
}
