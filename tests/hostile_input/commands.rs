//! No `panicked` text is reachable from any input, flag or environment: every command in
//! every output format; each hostile input of this directory wherever a command reads a
//! file (a log, a Compose file, a policy, a baseline, a saved report); the commands whose
//! look a terminal's settings change under odd environments (NO_COLOR, TERM=dumb,
//! COLUMNS of 0, 5, 100000 and past usize, no HOME); arguments that are not UTF-8. Each
//! runs with stdout read and with it closed before the start. Every exit is one of the documented statuses 0, 1 or 2
//! (docs/adr/0004-errors-and-exit-codes.md): 3 is an internal error, a defect.
//! `tail` runs against Docker hosts that do not answer; following a real engine is
//! swept in tests/docker_tail/.

use super::common;
use super::sweep::inputs;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const FORMATS: [&str; 7] = [
    "table", "json", "jsonl", "markdown", "github", "junit", "html",
];

/// A Docker host that refuses connections, one that does not exist, and one that is not
/// an address at all.
const DOCKER_HOSTS: [&str; 3] = [
    "tcp://127.0.0.1:1",
    "unix:///nonexistent/docker.sock",
    "not a host",
];

/// One run: its arguments and how its environment differs from the test's.
#[derive(Clone)]
struct Case {
    args: Vec<OsString>,
    env: Vec<(&'static str, Option<String>)>,
}

impl Case {
    fn new<S: Into<OsString> + Clone>(args: &[S]) -> Case {
        Case {
            args: args.iter().cloned().map(Into::into).collect(),
            env: Vec::new(),
        }
    }

    fn with_env(mut self, env: &[(&'static str, Option<&str>)]) -> Case {
        self.env
            .extend(env.iter().map(|(k, v)| (*k, v.map(str::to_string))));
        self
    }

    fn setup(&self, c: &mut Command) {
        // The test's own terminal settings must not decide what is swept.
        c.env_remove("COLUMNS").env_remove("NO_COLOR");
        c.env("DOCKER_HOST", DOCKER_HOSTS[0]);
        for (k, v) in &self.env {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
    }

    /// Stdout read, then stdout closed: what each run did wrong, if anything.
    fn faults(&self, dir: &Path) -> Vec<String> {
        let program = env!("CARGO_BIN_EXE_pgtriage");
        let mut read = Command::new(program);
        read.args(&self.args).current_dir(dir).stdin(Stdio::null());
        self.setup(&mut read);
        let read = read.output().expect("run pgtriage");
        let closed = common::pipes::closed_stdout(program, &self.args, dir, |c| self.setup(c));
        [("", read), (" (stdout closed)", closed)]
            .into_iter()
            .filter_map(|(how, out)| fault(&out).map(|f| format!("{self}{how}: {f}")))
            .collect()
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, v) in &self.env {
            write!(f, "{k}={} ", v.as_deref().unwrap_or("(unset)"))?;
        }
        write!(f, "pgtriage")?;
        for a in &self.args {
            write!(f, " {}", a.to_string_lossy())?;
        }
        Ok(())
    }
}

/// What is wrong with a run's output: panic text, or a status outside 0, 1, 2.
fn fault(out: &Output) -> Option<String> {
    let text = [&out.stdout, &out.stderr].map(|b| String::from_utf8_lossy(b).into_owned());
    if text.iter().any(|t| t.contains("panicked")) {
        return Some(format!("panicked: {}", text[1].trim()));
    }
    match out.status.code() {
        Some(0..=2) => None,
        code => Some(format!("status {code:?}: {}", text[1].trim())),
    }
}

/// Every command that reads a file, reading `file` in each place it can, as a table and
/// as JSON (sweep.rs renders every format of `analyze` over these inputs).
fn reading(file: &str, log: &str, compose: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for format in ["table", "json"] {
        cases.push(Case::new(&[
            "analyze",
            "--no-policy",
            "--output",
            format,
            file,
        ]));
        cases.push(Case::new(&[
            "lint",
            "--no-policy",
            "--output",
            format,
            file,
        ]));
    }
    for args in [
        &["analyze", "--no-policy", "--format", "csvlog", file][..],
        &["analyze", "--no-policy", "--format", "jsonlog", file],
        &["analyze", "--no-policy", "--threads", "1", file],
        &["analyze", "--policy", file, log],
        &["analyze", "--no-policy", "--baseline", file, log],
        &["policy", "init", "--file", "-", file],
        &["fix", "--no-policy", file],
        &["fix", "--no-policy", "--report", file, compose],
        &[
            "tail",
            "db",
            "--no-follow",
            "--timeout",
            "5s",
            "--policy",
            file,
        ],
    ] {
        cases.push(Case::new(args));
    }
    cases
}

/// What a terminal's settings change: the table and `explain` layouts, colour.
fn on_a_terminal(log: &str, compose: &str) -> Vec<Case> {
    [
        &["analyze", "--no-policy", log][..],
        &["analyze", "--no-policy", "--color", "always", "--all", log],
        &["lint", "--no-policy", compose],
        &["explain", "locale.no-system-locales"],
        &["explain", "locale.no-system-locales", "--color", "always"],
        &["patterns"],
    ]
    .iter()
    .map(|args| Case::new(args))
    .collect()
}

/// Every command, each of its output formats, on good input.
fn every_command(log: &str, compose: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for format in FORMATS {
        cases.push(Case::new(&[
            "analyze",
            "--no-policy",
            "--output",
            format,
            log,
        ]));
        cases.push(Case::new(&[
            "lint",
            "--no-policy",
            "--output",
            format,
            compose,
        ]));
        cases.push(Case::new(&[
            "tail",
            "db",
            "--no-policy",
            "--timeout",
            "5s",
            "--output",
            format,
        ]));
    }
    for args in [
        &["patterns", "--output", "json"][..],
        &[
            "explain",
            "locale.no-system-locales",
            "--output",
            "markdown",
        ],
        &["explain", "no.such-entry"],
        &["fix", "--no-policy", compose],
        &["fix", "--no-policy", "--check", compose],
        &[
            "tail",
            "--all",
            "--no-follow",
            "--timeout",
            "5s",
            "--no-policy",
        ],
        &[
            "tail",
            "db",
            "--until-ready",
            "--timeout",
            "1s",
            "--no-policy",
        ],
        &[
            "tail",
            "db",
            "--metrics",
            "127.0.0.1:0",
            "--timeout",
            "5s",
            "--no-policy",
        ],
        &[],
        &["--help"],
        &["--version"],
        &["analyze", "--help"],
        &["no-such-command"],
        &["analyze", "--no-such-flag"],
    ] {
        cases.push(Case::new(args));
    }
    for host in DOCKER_HOSTS {
        let case = Case::new(&["tail", "--all", "--timeout", "5s", "--no-policy"]);
        cases.push(case.with_env(&[("DOCKER_HOST", Some(host))]));
    }
    cases
}

/// Arguments that are not UTF-8, in each kind of place: a path, an option's value, an id.
fn not_utf8(log: &str) -> Vec<Case> {
    let odd = || OsString::from_vec(b"caf\xe9-\xff".to_vec());
    let with = |args: &[&str]| {
        let mut a: Vec<OsString> = args.iter().map(OsString::from).collect();
        a.push(odd());
        Case {
            args: a,
            env: Vec::new(),
        }
    };
    vec![
        with(&["analyze", "--no-policy"]),
        with(&["analyze", "--no-policy", log, "--prefix"]),
        with(&["analyze", "--no-policy", log, "--env"]),
        with(&["analyze", "--no-policy", log, "--begin"]),
        with(&["analyze", "--policy"]),
        with(&["explain"]),
        with(&["lint", "--no-policy"]),
        with(&["fix", "--no-policy", "--report"]),
        with(&["policy", "init", "--file", "-"]),
        with(&["policy", "init", "--file"]),
        with(&["tail", "--no-policy"]),
        with(&[]),
    ]
}

/// The odd environments.
fn environments() -> Vec<Vec<(&'static str, Option<&'static str>)>> {
    vec![
        vec![("NO_COLOR", Some("1"))],
        vec![("TERM", Some("dumb"))],
        vec![("COLUMNS", Some("0"))],
        vec![("COLUMNS", Some("5"))],
        vec![("COLUMNS", Some("100000"))],
        vec![("COLUMNS", Some("18446744073709551615"))],
        vec![("COLUMNS", Some("18446744073709551616"))],
        vec![("COLUMNS", Some("-1"))],
        vec![("HOME", None)],
        vec![("PGTRIAGE_ENV", Some("staging"))],
        vec![("PGTRIAGE_CHUNK_BYTES", Some("0"))],
        vec![("PGTRIAGE_CHUNK_BYTES", Some("1"))],
    ]
}

/// Runs every case, stdout read and closed, in `dir`, and fails with every fault at once.
fn sweep(cases: &[Case], dir: &Path) {
    let faults: Vec<String> = common::par_map(cases, |c| c.faults(dir))
        .into_iter()
        .flatten()
        .collect();
    assert!(
        faults.is_empty(),
        "{} of {} runs went wrong:\n{}",
        faults.len(),
        cases.len() * 2,
        faults.join("\n")
    );
}

fn repo_file(rel: &str) -> String {
    common::repo().join(rel).to_str().unwrap().to_string()
}

#[test]
#[ignore = "slow: 312 runs of the binary, about a minute of CPU (sweep.rs holds the fast part)"]
fn every_command_reading_each_hostile_input_ends_with_a_documented_status() {
    let log = repo_file(super::GOOD);
    let compose = repo_file("tests/compose/minimal/compose.yml");
    let random = super::temp_file(".log", &super::garbage(20_000, 7));
    let empty = super::temp_file(".log", b"");
    let hostile = inputs();
    let mut files: Vec<&str> = hostile
        .iter()
        .map(|(_, f)| f.path().to_str().unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_str().unwrap();
    files.extend([
        random.path().to_str().unwrap(),
        empty.path().to_str().unwrap(),
        dir_path,
        "/nonexistent/file.log",
        log.as_str(),
        compose.as_str(),
    ]);
    let cases: Vec<Case> = files
        .iter()
        .flat_map(|f| reading(f, &log, &compose))
        .collect();
    sweep(&cases, dir.path());
}

#[test]
fn every_command_under_odd_environments_and_arguments_ends_with_a_documented_status() {
    let log = repo_file(super::GOOD);
    let compose = repo_file("tests/compose/minimal/compose.yml");
    let dir = tempfile::tempdir().unwrap();
    let mut cases = every_command(&log, &compose);
    cases.extend(on_a_terminal(&log, &compose));
    cases.push(Case::new(&["policy", "init", "--file", "-", &log]));
    for env in environments() {
        cases.extend(
            on_a_terminal(&log, &compose)
                .into_iter()
                .map(|c| c.with_env(&env)),
        );
    }
    cases.extend(not_utf8(&log));
    sweep(&cases, dir.path());
}
