//! `pgtriage lint` on Compose setups written for the tests (tests/compose/: configuration,
//! not server output) and on the shipped examples: what it finds, where it points, how it
//! merges files, and how it refuses bad input.

mod common;

use common::compose::pgtriage_in;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ids(report: &Value) -> BTreeSet<String> {
    common::finding_counts(report).into_keys().collect()
}

fn sample<'a>(report: &'a Value, id: &str) -> &'a str {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .and_then(|f| f["sample"].as_str())
        .unwrap_or_else(|| panic!("{id} not reported: {report}"))
}

/// What lint finds in tests/compose/broken under --env prod.
const BROKEN_IDS: &[&str] = &[
    "config.hba-trust-local",
    "config.hba-trust-network",
    "config.log-prefix-incomplete",
    "config.shared-buffers-over-limit",
    "container.env-trust",
    "container.healthcheck-no-user",
    "container.healthcheck-socket-only",
    "container.image-unpinned",
    "container.initdb-auth-trust",
    "container.initdb-locale-libc",
    "container.initdb-no-checksums",
    "container.password-inline",
    "container.shm-default",
    "container.stop-timeout-short",
];

/// Where each finding of tests/compose/broken points, and how its sample starts.
const BROKEN_AT: &[(&str, &str)] = &[
    (
        "container.env-trust",
        "docker-compose.yml:11: db: environment sets POSTGRES_HOST_AUTH_METHOD=trust",
    ),
    (
        "container.password-inline",
        "docker-compose.yml:10: db: environment sets POSTGRES_PASSWORD=[redacted]",
    ),
    (
        "container.image-unpinned",
        "docker-compose.yml:6: db: image postgres:17 is not pinned",
    ),
    (
        "container.shm-default",
        "docker-compose.yml:4: db: /dev/shm is 64 MiB",
    ),
    (
        "container.stop-timeout-short",
        "docker-compose.yml:20: db: stop timeout is 10 s",
    ),
    (
        "container.healthcheck-no-user",
        "docker-compose.yml:18: db: healthcheck runs pg_isready without -U",
    ),
    (
        "container.initdb-no-checksums",
        "docker-compose.yml:12: db: POSTGRES_INITDB_ARGS has no",
    ),
    (
        "config.hba-trust-local",
        "pg_hba.conf:2: db: pg_hba.conf trusts local connections: local all all trust",
    ),
    (
        "config.hba-trust-network",
        "pg_hba.conf:3: db: pg_hba.conf trusts network clients: host all all all trust",
    ),
    (
        "config.shared-buffers-over-limit",
        "postgresql.conf:4: db: shared_buffers = 1GB is 100% of the memory limit of 1024 MiB",
    ),
    (
        "config.log-prefix-incomplete",
        "postgresql.conf:5: db: log_line_prefix = '%u@%d ' lacks",
    ),
];

#[test]
fn every_problem_of_the_broken_setup_is_found_at_its_line() {
    let out = common::pgtriage(&[
        "lint",
        "tests/compose/broken/docker-compose.yml",
        "--env",
        "prod",
        "--no-policy",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let want: BTreeSet<String> = BROKEN_IDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(ids(&r), want);
    let dir = "tests/compose/broken";
    for (id, at) in BROKEN_AT {
        let s = sample(&r, id);
        assert!(s.starts_with(&format!("{dir}/{at}")), "{id}: {s}");
    }
    // The password came from .env; it is never shown.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("fixture-password"));
    // Accepted severities follow the environment, as for logs.
    let out = common::pgtriage(&[
        "lint",
        "tests/compose/broken/docker-compose.yml",
        "--env",
        "dev",
        "--no-policy",
        "--output",
        "json",
    ]);
    let r = json(&out);
    assert_eq!(r["summary"]["by_severity"]["critical"], 0, "{r}");
}

/// The settings against the room the file declares: parallel query's /dev/shm against an
/// explicit shm_size, max_wal_size (its default here) against a sized tmpfs data directory.
/// Without declared sizes (tests/compose/broken: a named volume, no shm_size) neither
/// check has anything to compare.
#[test]
fn settings_that_outgrow_the_declared_room_are_found() {
    let out = common::pgtriage(&[
        "lint",
        "tests/compose/room/compose.yaml",
        "--env",
        "prod",
        "--no-policy",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let want: BTreeSet<String> = ["config.shm-under-parallel", "config.wal-size-over-volume"]
        .map(String::from)
        .into();
    assert_eq!(ids(&r), want);
    let shm = sample(&r, "config.shm-under-parallel");
    assert!(
        shm.starts_with("tests/compose/room/compose.yaml:18: db: max_parallel_workers = 4 (2 per gather) with work_mem = 64 MiB"),
        "{shm}"
    );
    let wal = sample(&r, "config.wal-size-over-volume");
    assert!(
        wal.starts_with("tests/compose/room/compose.yaml:14: db: max_wal_size = 1GB (the default) is 200% of the 512 MiB"),
        "{wal}"
    );
    let dir = project(&[
        ("compose.yaml", "services:\n  db:\n    image: postgres:17.2\n    command: postgres -c max_wal_size=64MB -c work_mem=1MB\n    shm_size: 64mb\n    volumes:\n      - pgdata:/var/lib/postgresql/data\nvolumes:\n  pgdata:\n    driver_opts: {type: tmpfs, device: tmpfs, o: 'size=512m,uid=999'}\n"),
    ]);
    let out = common::compose::pgtriage_in(
        dir.path(),
        &["lint", "--env", "prod", "--no-policy", "--output", "json"],
        &[],
    );
    let found = ids(&json(&out));
    assert!(
        !found.contains("config.shm-under-parallel")
            && !found.contains("config.wal-size-over-volume"),
        "small enough for the room: {found:?}"
    );
    assert!(ids(&json(&common::pgtriage(&[
        "lint",
        "tests/compose/broken/docker-compose.yml",
        "--no-policy",
        "--output",
        "json"
    ])))
    .is_disjoint(&want));
}

#[test]
fn default_files_override_and_extends_are_merged_as_compose_does() {
    let dir = common::repo().join("tests/compose/layered");
    let out = pgtriage_in(
        &dir,
        &["lint", "--env", "prod", "--no-policy", "--output", "json"],
        &[],
    );
    let r = json(&out);
    let want: BTreeSet<String> = ["container.env-trust", "container.no-healthcheck"]
        .map(String::from)
        .into();
    assert_eq!(ids(&r), want, "{}", String::from_utf8_lossy(&out.stderr));
    // The override file sets the variable and disables the healthcheck: lint points there.
    assert!(
        sample(&r, "container.env-trust").starts_with("compose.override.yaml:5: db: "),
        "{r}"
    );
    assert!(
        sample(&r, "container.no-healthcheck").starts_with("compose.override.yaml:6: db: "),
        "{r}"
    );
    let names: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["compose.yaml", "base.yml", "compose.override.yaml"]);
    assert!(r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["source"] == "config"));
    // ${AUTH_METHOD-trust}: the process environment wins over the default.
    let out = pgtriage_in(
        &dir,
        &["lint", "--env", "prod", "--no-policy", "--output", "json"],
        &[("AUTH_METHOD", "scram-sha-256")],
    );
    assert!(!ids(&json(&out)).contains("container.env-trust"));
    // Only the base file, named: extends from it alone gives a complete service.
    let out = pgtriage_in(
        &dir,
        &[
            "lint",
            "compose.yaml",
            "--env",
            "prod",
            "--no-policy",
            "--fail-on",
            "warning",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_examples_pass_their_own_gates() {
    let prod = common::pgtriage(&[
        "lint",
        "examples/compose/prod/docker-compose.yml",
        "--env",
        "prod",
        "--no-policy",
        "--fail-on",
        "warning",
        "--output",
        "json",
    ]);
    let r = json(&prod);
    assert_eq!(prod.status.code(), Some(0), "{r}");
    let s = &r["summary"]["by_severity"];
    assert_eq!(
        (
            s["critical"].as_u64(),
            s["error"].as_u64(),
            s["warning"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{r}"
    );
    let dev = common::pgtriage(&[
        "lint",
        "examples/compose/dev/docker-compose.yml",
        "--env",
        "dev",
        "--policy",
        "examples/compose/dev/.pgtriage.toml",
        "--fail-on",
        "warning",
        "--output",
        "json",
    ]);
    let r = json(&dev);
    assert_eq!(dev.status.code(), Some(0), "{r}");
    assert!(common::gating_ids(&r).is_empty(), "{r}");
    // The policy's acceptance of the inline password applies to lint's finding too.
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "container.password-inline")
        .unwrap();
    assert!(
        f["accepted"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("dev: a throw-away password"),
        "{f}"
    );
}

#[test]
fn every_lint_sample_in_the_catalogue_is_lint_output_on_the_fixtures() {
    let cat = pgtriage::catalogue::Catalogue::builtin().unwrap();
    let mut evidence = BTreeSet::new();
    for dir in ["broken", "layered", "minimal", "room"] {
        let dir = common::repo().join("tests/compose").join(dir);
        let files = pgtriage::compose::default_files(&dir).unwrap();
        let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let linted = pgtriage::lint::lint(cat, &files, None).unwrap();
        evidence.extend(linted.findings.into_iter().map(|f| f.evidence));
    }
    let mut checked = 0;
    for p in cat.patterns() {
        for s in p.sample.iter().filter(|s| s.source == "pgtriage lint") {
            assert!(
                evidence.contains(&s.line),
                "{}: {:?} is not what lint says on tests/compose/: {evidence:#?}",
                p.id,
                s.line
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked}");
}

/// Writes `files` into a temporary project directory.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn refused(dir: &Path, args: &[&str], says: &str) {
    let out = pgtriage_in(dir, args, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_input_is_refused_with_a_reason_and_exit_2() {
    let not_yaml = project(&[("compose.yaml", "services:\n  db: [\n")]);
    refused(not_yaml.path(), &["lint"], "not valid YAML");
    let empty = project(&[]);
    refused(empty.path(), &["lint"], "no Compose file");
    let missing_conf = project(&[(
        "compose.yaml",
        "services:\n  db:\n    image: postgres:17.2\n    volumes: ['./postgresql.conf:/etc/postgresql/postgresql.conf']\n",
    )]);
    refused(
        missing_conf.path(),
        &["lint"],
        "postgresql.conf: no such file",
    );
    refused(
        missing_conf.path(),
        &["lint", "--service", "web"],
        "no service web",
    );
    // What docker-compose itself rejects, lint rejects too.
    let rejected = [
        ("services: [db]\n", "services must be a mapping"),
        (
            "services:\n  db:\n    image: postgres\n    environment: 5\n",
            "environment must be a mapping or a list",
        ),
        (
            "services:\n  db:\n    image: postgres:${TAG:?set TAG}\n",
            "required variable TAG is missing a value: set TAG",
        ),
        (
            "services:\n  db:\n    image: postgres:${TAG\n",
            "invalid interpolation format",
        ),
        (
            "services:\n  db:\n    extends: {service: nowhere}\n",
            "no service nowhere",
        ),
    ];
    let dc = common::require_tool("docker-compose");
    for (text, says) in rejected {
        let dir = project(&[("compose.yaml", text)]);
        refused(dir.path(), &["lint"], says);
        if let Some(dc) = &dc {
            let out = Command::new(dc)
                .args(["-f", "compose.yaml", "config", "-q"])
                .current_dir(dir.path())
                .env_remove("TAG")
                .output()
                .unwrap();
            assert!(!out.status.success(), "docker-compose accepts {text:?}");
        }
    }
}
