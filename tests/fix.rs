//! `pgtriage fix` on copies of the fixtures in tests/compose/: the diff it prints, what
//! --check and --apply do, that every patched Compose file still passes docker-compose
//! 1.29 and the Compose Specification, and that a patched setup lints clean of what was
//! fixable. The real-engine proof (boot, tail, fix, boot again) is tests/fix_boot.rs.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::compose::{assert_valid_compose, copy_fixture};

fn run(dir: &Path, args: &[&str]) -> Output {
    common::compose::pgtriage_in(dir, args, &[])
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

fn lint_ids(dir: &Path) -> BTreeSet<String> {
    let out = run(
        dir,
        &["lint", "--env", "prod", "--no-policy", "--output", "json"],
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::finding_counts(&r).into_keys().collect()
}

/// Parts of the diff `fix --env prod` prints for tests/compose/broken.
const BROKEN_DIFF: &[&str] = &[
        "--- a/docker-compose.yml\n+++ b/docker-compose.yml\n",
        "-      POSTGRES_HOST_AUTH_METHOD: trust   # \"just for now\"\n",
        "-      POSTGRES_INITDB_ARGS: '--auth-host=scram-sha-256'\n+      POSTGRES_INITDB_ARGS: '--auth-host=scram-sha-256 --auth-local=scram-sha-256 --data-checksums --locale-provider=icu --icu-locale=en-US'\n",
        "-      test: [\"CMD-SHELL\", \"pg_isready\"]\n+      test: [\"CMD-SHELL\", \"pg_isready -h 127.0.0.1 -U \\\"$${POSTGRES_USER:-postgres}\\\"",
        "-    stop_grace_period: 10s\n+    stop_grace_period: 90s\n",
        "+    shm_size: 256mb\n",
        "--- a/pg_hba.conf\n",
        "-local   all       all            trust\n-host    all       all   all      trust\n+local   all       all            scram-sha-256\n+host    all       all   all      scram-sha-256\n",
        "-log_line_prefix = '%u@%d '      # no time, no pid\n+log_line_prefix = '%m [%p] %q%u@%d %h '  # no time, no pid\n",
        "# container.initdb-no-checksums (db): acts only when the data directory is empty",
];

#[test]
fn the_broken_setup_is_patched_minimally_and_lints_clean_of_what_was_fixable() {
    let dir = copy_fixture("broken");
    let before = snapshot(dir.path());
    let out = run(
        dir.path(),
        &["fix", "docker-compose.yml", "--env", "prod", "--no-policy"],
    );
    let (diff, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(snapshot(dir.path()), before, "fix without --apply wrote");
    for want in BROKEN_DIFF {
        assert!(diff.contains(want), "missing {want:?} in:\n{diff}");
    }
    // Unfixable findings are listed with their advice.
    assert!(err.contains("not fixed: container.image-unpinned at docker-compose.yml:6 (db): no safe automatic fix"), "{err}");
    assert!(
        err.contains("not fixed: config.shared-buffers-over-limit at postgresql.conf:4"),
        "{err}"
    );
    let check = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--check"],
    );
    assert_eq!(check.status.code(), Some(1));
    // The printed diff is a patch `patch -p1` applies (the notes are skipped as garbage).
    let patch_dir = copy_fixture("broken");
    let patch = common::require_tool("patch");
    if let Some(patch) = &patch {
        let mut p = Command::new(patch)
            .args(["-p1", "--quiet"])
            .current_dir(patch_dir.path())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(p.stdin.as_mut().unwrap(), diff.as_bytes()).unwrap();
        assert!(p.wait().unwrap().success());
    }

    let out = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--apply"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    if patch.is_some() {
        assert_eq!(
            snapshot(dir.path()),
            snapshot(patch_dir.path()),
            "--apply and patch differ"
        );
    }
    assert_valid_compose(dir.path());
    let left: BTreeSet<String> = [
        "container.image-unpinned",
        "container.password-inline",
        "config.shared-buffers-over-limit",
    ]
    .map(String::from)
    .into();
    assert_eq!(lint_ids(dir.path()), left);
    // Comments the edits did not touch are all still there.
    let patched = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    for c in [
        "# Every problem",
        "# A bare major moves",
        "    command: postgres -c config_file=",
    ] {
        assert!(patched.contains(c), "{c}");
    }
    let again = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--check"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again).0);
    assert!(again.stdout.is_empty());
}

#[test]
fn layered_files_are_patched_where_the_value_is_written() {
    let dir = copy_fixture("layered");
    let out = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--apply"],
    );
    let (diff, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        diff.starts_with("# container.env-trust (db): acts only when the data directory is empty"),
        "{diff}"
    );
    assert!(diff.contains("--- a/compose.override.yaml\n"), "{diff}");
    assert!(!diff.contains("--- a/compose.yaml"), "{diff}");
    let over = std::fs::read_to_string(dir.path().join("compose.override.yaml")).unwrap();
    assert!(over.starts_with("# Local overrides, which"), "{over}");
    assert!(
        !over.contains("environment:"),
        "an emptied environment is removed: {over}"
    );
    assert_valid_compose(dir.path());
    assert_eq!(lint_ids(dir.path()), BTreeSet::new());
}

/// Values the check computes: shm_size from the parallel settings (the comment keeps its
/// column), max_wal_size from the volume, appended to postgresql.conf where it is unset.
#[test]
fn room_fixes_write_the_values_the_checks_compute() {
    let dir = copy_fixture("room");
    let out = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--apply"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let compose = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(
        compose.contains("    shm_size: 768mb   # raised for the old report job\n"),
        "{compose}"
    );
    let conf = std::fs::read_to_string(dir.path().join("postgresql.conf")).unwrap();
    assert!(
        conf.ends_with("max_parallel_workers_per_gather = 2\nmax_wal_size = 128MB\n"),
        "{conf}"
    );
    assert_valid_compose(dir.path());
    assert_eq!(lint_ids(dir.path()), BTreeSet::new());
}

#[test]
fn a_file_changed_after_it_was_read_is_not_overwritten() {
    let dir = copy_fixture("broken");
    let cat = pgtriage::catalogue::Catalogue::builtin().unwrap();
    let compose = dir.path().join("docker-compose.yml").display().to_string();
    let linted = pgtriage::lint::lint(cat, &[compose], None).unwrap();
    let verdict = pgtriage::verdict::Verdict::new(
        pgtriage::severity::Env::Prod,
        pgtriage::severity::Severity::Error,
        None,
        None,
        false,
    );
    let plan = pgtriage::fix::plan(cat, &verdict, &linted).unwrap();
    assert_eq!(plan.changes.len(), 3);
    let edited = "# edited by someone else meanwhile\n";
    std::fs::write(dir.path().join("pg_hba.conf"), edited).unwrap();
    let before = snapshot(dir.path());
    let e = pgtriage::fix::apply(&plan.changes).unwrap_err();
    assert!(
        e.contains("pg_hba.conf changed since pgtriage read it; nothing was written"),
        "{e}"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a file was written, or a temporary file left"
    );
}

#[test]
fn bad_input_to_fix_exits_2_and_writes_nothing() {
    let dir = copy_fixture("broken");
    std::fs::remove_file(dir.path().join("pg_hba.conf")).unwrap();
    let before = snapshot(dir.path());
    let out = run(dir.path(), &["fix", "--apply"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("pg_hba.conf: no such file"),
        "{}",
        text(&out).1
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_saved_reports_findings_are_answered_with_their_advice() {
    let report = tempfile::NamedTempFile::new().unwrap();
    let analyzed = common::pgtriage(&[
        "analyze",
        "sample-logs/healthcheck-misconfig.log",
        "--no-policy",
        "--output",
        "json",
    ]);
    std::fs::write(report.path(), &analyzed.stdout).unwrap();
    let path = report.path().to_str().unwrap();
    let dir = copy_fixture("broken");
    let out = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--report", path],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let want = format!("{path}: connection.role-missing: from the log (");
    assert!(err.contains(&want), "{err}");
    assert!(
        !err.contains("server.ready"),
        "info findings are not answered: {err}"
    );
    let out = run(dir.path(), &["fix", "--report", "no-such-report.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// `--container` names a container that is not there: refused before any diff is printed
/// or file written. (A running container's findings feeding the fix: tests/fix_boot.rs.)
#[test]
fn a_container_that_is_not_running_is_refused() {
    if !common::require_docker() {
        return;
    }
    let dir = copy_fixture("broken");
    let before = snapshot(dir.path());
    let out = run(
        dir.path(),
        &[
            "fix",
            "--apply",
            "--container",
            "pgtriage-no-such-container",
        ],
    );
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no container named \"pgtriage-no-such-container\""),
        "{err}"
    );
    assert!(stdout.is_empty());
    assert_eq!(snapshot(dir.path()), before);
}

/// An option missing from a variable set in the `extends` base is added in the file that
/// overrides it, with the base's options, since the override replaces the variable whole.
#[test]
fn an_initdb_option_missing_from_a_base_file_is_added_with_the_base_options() {
    let dir = copy_fixture("layered");
    let base = dir.path().join("base.yml");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, text.replace(" --auth-host=scram-sha-256", "")).unwrap();
    let out = run(
        dir.path(),
        &["fix", "--env", "prod", "--no-policy", "--apply"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let over = std::fs::read_to_string(dir.path().join("compose.override.yaml")).unwrap();
    assert!(
        over.contains("      POSTGRES_INITDB_ARGS: \"--auth-local=scram-sha-256 --data-checksums --locale-provider=icu --icu-locale=en-US --auth-host=scram-sha-256\"\n"),
        "{over}"
    );
    assert_valid_compose(dir.path());
    assert_eq!(lint_ids(dir.path()), BTreeSet::new());
}

fn text_of(out: &Output) -> String {
    let (o, e) = text(out);
    o + &e
}
