//! Helpers shared by the integration tests: running the real binary, and the one rule for
//! what a test needs from outside the repository (PostgreSQL, Docker, a tool, the shared
//! data): when it is missing the test says `skipped: <test>: <what>` and returns, except
//! under CI, where a skip would let a run pass without testing, so it fails instead.
#![allow(dead_code)] // each test crate uses its own subset

pub mod booted;
pub mod compose;
pub mod docker;
pub mod pipes;
pub mod planned;
pub mod screen;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `CI` set to anything but empty or `false`, as CI services set it.
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Reports that the running test lacks `what`: a skip note outside CI, a failure under it.
/// The note goes straight to the process's stderr, past libtest's capture, so a skipped
/// test that "passes" is still seen.
pub fn unavailable(what: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("?");
    if under_ci() {
        panic!("{test}: {what} (CI is set: nothing may be skipped)");
    }
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {what}");
}

/// The shared data directory: `PGTRIAGE_SHARED_DATA`, by default `../shared/data` beside
/// the repository. Holds third-party files (pgBadger's fixture logs, the Compose
/// Specification) that are not ours to commit.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PGTRIAGE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    unavailable(&format!(
        "shared data not found at {} (set PGTRIAGE_SHARED_DATA)",
        dir.display()
    ));
    None
}

/// One file of the shared data, `rel` below its directory.
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let path = shared_data()?.join(rel);
    if path.is_file() {
        return Some(path);
    }
    unavailable(&format!("{} not found in the shared data", path.display()));
    None
}

/// Debian's PostgreSQL 15 server, as scripts/gen-sample-logs.sh runs it: its binaries
/// (`PGBIN`, by default Debian's directory) and, as root, runuser to start it as `postgres`.
pub fn require_postgres() -> bool {
    let bin = std::env::var_os("PGBIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    server_runs_from(&bin, "PostgreSQL 15", "package postgresql-15")
}

/// PostgreSQL `major` (14 to 18) as scripts/pg-major.sh installs it: the directory of its
/// binaries, asked of the script (`--installed` only looks, never downloads), so the
/// pinned versions and the cache's layout are written down in one place.
pub fn require_major(major: u32) -> Option<PathBuf> {
    let out = Command::new("bash")
        .arg(repo().join("scripts/pg-major.sh"))
        .args(["--installed", &major.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/pg-major.sh");
    let what = format!("PostgreSQL {major}");
    if !out.status.success() {
        unavailable(&format!(
            "{what} is not installed (`bash scripts/pg-major.sh {major}` installs it)"
        ));
        return None;
    }
    let bin = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let hint = format!("scripts/pg-major.sh {major}");
    server_runs_from(&bin, &what, &hint).then_some(bin)
}

/// The programs scripts/gen-sample-logs.sh runs are in `bin`, and as root runuser is there
/// to start the server as `postgres`.
fn server_runs_from(bin: &Path, what: &str, hint: &str) -> bool {
    let absent: Vec<&str> = [
        "initdb",
        "pg_ctl",
        "postgres",
        "psql",
        "pg_isready",
        "pg_resetwal",
    ]
    .into_iter()
    .filter(|b| !bin.join(b).is_file())
    .collect();
    if !absent.is_empty() {
        unavailable(&format!(
            "{what}: {} not in {} ({hint})",
            absent.join(", "),
            bin.display()
        ));
        return false;
    }
    // /proc/self belongs to the effective user of the process reading it.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if root && find_on_path("runuser").is_none() {
        unavailable("runuser not found (package util-linux), to run PostgreSQL as `postgres`");
        return false;
    }
    true
}

/// `f` over every item, on as many threads as the machine has cores, results in the
/// items' order: the suite runs the binary hundreds of times, one process per log.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Wording of a major that the catalogue does not follow yet: `(major, file, id)`, each an
/// event the server printed (the line is in that major's sample log) that pgtriage does not
/// count as planned. Every one must still be a mismatch, so a catalogue fix that closes one
/// removes it here.
pub const CATALOGUE_GAPS: &[(u32, &str, &str)] = &[
    // 18: FATAL:  could not start WAL streaming: ERROR:  can no longer access replication
    // slot "standby1" (twice) counts as this generic entry: no entry has the invalidated
    // slot's refusal yet, which 15-17 report as "requested WAL segment ... removed".
    (
        18,
        "maintenance-standby.log",
        "replication.walreceiver-error",
    ),
];

/// The `mismatches` (from [`count_mismatches`]) of PostgreSQL `major` that are not known
/// catalogue gaps, and a line for each gap of that major that is no longer a mismatch.
pub fn beyond_catalogue_gaps(major: u32, mismatches: Vec<String>) -> Vec<String> {
    let gaps: Vec<String> = CATALOGUE_GAPS
        .iter()
        .filter(|g| g.0 == major)
        .map(|(_, file, id)| format!("{file}: {id}: "))
        .collect();
    let closed = gaps
        .iter()
        .filter(|g| !mismatches.iter().any(|m| m.starts_with(g.as_str())))
        .map(|g| format!("{g}no longer a gap: remove it from CATALOGUE_GAPS"));
    let open = mismatches
        .iter()
        .filter(|m| !gaps.iter().any(|g| m.starts_with(g.as_str())))
        .cloned();
    open.chain(closed).collect()
}

/// A Docker daemon that answers (`DOCKER_HOST` is honoured by the CLI as by pgtriage).
pub fn require_docker() -> bool {
    let answers = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !answers {
        unavailable("no Docker daemon answers (`docker info` fails)");
    }
    answers
}

/// A program the test runs, found on `PATH` as the test would run it.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let found = find_on_path(name);
    if found.is_none() {
        unavailable(&format!(
            "{name} not found (`bash scripts/test.sh` installs the tools the tests use)"
        ));
    }
    found
}

pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Runs the binary in the repository, its stdout a pipe. The table's width there comes
/// from `COLUMNS` and its colour from `NO_COLOR`: neither is taken from the test's
/// environment, so that outputs are the same on every machine.
pub fn pgtriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(args)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("run pgtriage")
}

pub fn pgtriage_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pgtriage");
    // The binary may stop reading early (binary input); a broken pipe here is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().expect("wait for pgtriage")
}

/// Runs `analyze --output json` with `args`, checks the exit code, returns the document.
pub fn analyze_json(args: &[&str], expect_code: i32) -> serde_json::Value {
    let mut all = vec!["analyze", "--output", "json"];
    all.extend_from_slice(args);
    let out = pgtriage(&all);
    assert_eq!(
        out.status.code(),
        Some(expect_code),
        "pgtriage {all:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// `id → count` of a report's findings.
pub fn finding_counts(report: &serde_json::Value) -> BTreeMap<String, u64> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A free TCP port on 127.0.0.1 (bound, then released for the caller to use).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `pgtriage tail ARGS --output json`: exit code, report, stderr.
pub fn tail_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut all = vec!["tail", "--output", "json"];
    all.extend_from_slice(args);
    let out = pgtriage(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pgtriage {all:?}: not JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), report, stderr)
}

/// The ids of a report's findings that count toward `--fail-on`.
pub fn gating_ids(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["gating"] == true)
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

/// A policy file with `text`, removed when dropped.
pub fn policy_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    f
}

/// `log`'s JSON report (no policy) saved for `--baseline`, and the exit code of that run.
pub fn baseline_of(log: &str) -> (tempfile::NamedTempFile, Option<i32>) {
    let out = pgtriage(&["analyze", "--output", "json", "--no-policy", log]);
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::io::Write::write_all(&mut f, &out.stdout).unwrap();
    (f, out.status.code())
}

/// Runs `program` with `args` (stdin closed) and fails the test unless it succeeds.
pub fn succeed(program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs scripts/gen-translated-logs.sh with `specs` into a new directory (real servers):
/// Debian's 15, or the major whose binaries `pgbin` holds.
pub fn gen_translated(pgbin: Option<&Path>, specs: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let script = repo().join("scripts/gen-translated-logs.sh");
    let pgbin = pgbin.map(|bin| format!("PGBIN={}", bin.display()));
    let mut args: Vec<&str> = pgbin.iter().map(String::as_str).collect();
    args.extend(["bash", path_str(&script), "--out", path_str(out.path())]);
    args.extend(specs);
    succeed("env", &args);
    out
}

/// Compares `actual` with tests/snapshots/<name>, or writes it with UPDATE_SNAPSHOTS=1.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v != "0") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             (UPDATE_SNAPSHOTS=1 cargo test --test <this test> rewrites it; review the diff)",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}
