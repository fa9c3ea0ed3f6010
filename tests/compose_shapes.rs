//! Compose files as people write them beyond block style: flow mappings and sequences
//! (tests/compose/flow), a project that `include:`s another (tests/compose/include), and
//! pg_hba.conf records continued with a backslash (PostgreSQL 16+). `lint` reads them as
//! Compose and the server do; `fix` edits inside them, touching only the entries it
//! changes, and the result still passes docker-compose and the Compose Specification.

mod common;

use common::compose::{assert_schema, assert_valid_compose, copy_fixture, pgtriage_in};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Each finding of `lint --env prod` in `dir`, with where its sample says it is.
fn lint(dir: &Path) -> BTreeMap<String, String> {
    let args = ["lint", "--env", "prod", "--no-policy", "--output", "json"];
    let out = pgtriage_in(dir, &args, &[]);
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let sample = f["sample"].as_str().unwrap();
            let at = sample.split(": ").next().unwrap().to_string();
            (f["id"].as_str().unwrap().to_string(), at)
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(id, at)| (id.to_string(), at.to_string()))
        .collect()
}

fn fix(dir: &Path) -> (String, String) {
    let out = pgtriage_in(
        dir,
        &["fix", "--env", "prod", "--no-policy", "--apply"],
        &[],
    );
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn flow_collections_and_continued_hba_lines_are_read_and_edited_in_place() {
    let dir = copy_fixture("flow");
    let found = lint(dir.path());
    let want = [
        ("config.hba-trust-network", "pg_hba.conf:4"),
        ("config.log-prefix-incomplete", "postgresql.conf:3"),
        ("container.env-trust", "docker-compose.yml:9"),
        ("container.healthcheck-no-user", "docker-compose.yml:10"),
        ("container.healthcheck-socket-only", "docker-compose.yml:10"),
        ("container.initdb-auth-trust", "docker-compose.yml:9"),
        ("container.initdb-locale-libc", "docker-compose.yml:9"),
        ("container.password-inline", "docker-compose.yml:9"),
        ("container.shm-default", "docker-compose.yml:6"),
        ("container.stop-timeout-short", "docker-compose.yml:6"),
    ];
    assert_eq!(found, owned(&want));
    let before = read(dir.path(), "docker-compose.yml");
    fix(dir.path());
    let after = read(dir.path(), "docker-compose.yml");
    // Only the entries fixed changed; the other entries, the brackets' spacing and the
    // comment after them are as written.
    assert!(after.contains("    environment: {POSTGRES_PASSWORD: example, POSTGRES_INITDB_ARGS: \"--data-checksums --auth-local=scram-sha-256 --auth-host=scram-sha-256 --locale-provider=icu --icu-locale=en-US\"}\n"), "{after}");
    assert!(
        after.contains("    healthcheck: {test: [\"CMD-SHELL\", \"pg_isready -h 127.0.0.1 -U"),
        "{after}"
    );
    assert!(
        after.contains("], interval: 5s}   # from the quick start\n"),
        "{after}"
    );
    let kept = |l: &&str| {
        l.contains("command: [") || l.contains("volumes: [") || l.starts_with("volumes: {")
    };
    let lines = |t: &str| {
        t.lines()
            .filter(kept)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&before), lines(&after));
    assert!(
        after.ends_with("    shm_size: 256mb\n    stop_grace_period: 90s\nvolumes: {pgdata: {}}\n"),
        "{after}"
    );
    // The continued record's method, on its third line.
    assert!(read(dir.path(), "pg_hba.conf")
        .ends_with("host    all       all \\\n        10.0.0.0/8 \\\n        scram-sha-256\n"));
    assert_valid_compose(dir.path());
    let left: Vec<String> = lint(dir.path()).into_keys().collect();
    assert_eq!(left, ["container.password-inline"], "no safe fix for it");
}

/// docker-compose 1.29 predates `include:` (Compose 2.20): the files are checked against
/// the Compose Specification only.
#[test]
fn an_included_project_is_linted_and_fixed_in_its_own_files() {
    let dir = copy_fixture("include");
    let found = lint(dir.path());
    let want = [
        ("config.log-prefix-incomplete", "db/postgresql.conf:2"),
        ("container.shm-default", "db/compose.yaml:3"),
        ("container.stop-timeout-short", "db/compose.yaml:16"),
    ];
    assert_eq!(found, owned(&want));
    let top = read(dir.path(), "compose.yaml");
    let (diff, _) = fix(dir.path());
    assert!(
        diff.contains("--- a/db/compose.yaml\n") && diff.contains("--- a/db/postgresql.conf\n"),
        "{diff}"
    );
    assert_eq!(
        read(dir.path(), "compose.yaml"),
        top,
        "the including file is not touched"
    );
    assert!(lint(dir.path()).is_empty());
    if let Some(schema) = common::compose::schema() {
        for f in ["compose.yaml", "db/compose.yaml"] {
            assert_schema(&schema, &dir.path().join(f), &read(dir.path(), f));
        }
    }
    // An included file that is not there: refused, nothing written.
    std::fs::remove_file(dir.path().join("db/compose.yaml")).unwrap();
    let out = pgtriage_in(dir.path(), &["fix", "--apply"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("db/compose.yaml: no such file"), "{err}");
    // Defined here and included: Compose refuses it, and so does lint.
    let text = "include:\n  - other.yaml\nservices:\n  db:\n    image: postgres:17.2\n";
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    std::fs::write(
        dir.path().join("other.yaml"),
        "services:\n  db:\n    image: postgres:17.2\n",
    )
    .unwrap();
    let out = pgtriage_in(dir.path(), &["lint"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("service db is defined here and in an included file"),
        "{err}"
    );
}

/// A flow collection over several lines is not guessed at: listed to edit by hand, the
/// file untouched, exit 0 (the other edits still apply).
#[test]
fn a_flow_collection_over_several_lines_is_left_to_the_user() {
    let dir = copy_fixture("flow");
    let path = dir.path().join("docker-compose.yml");
    let text = read(dir.path(), "docker-compose.yml").replace(
        "    healthcheck: {test: [CMD-SHELL, pg_isready], interval: 5s}   # from the quick start\n",
        "    healthcheck: {test: [CMD-SHELL, pg_isready],\n                  interval: 5s}\n",
    );
    std::fs::write(&path, &text).unwrap();
    let (_, err) = fix(dir.path());
    assert!(
        err.contains("not fixed: container.healthcheck-no-user at docker-compose.yml:10 (db): healthcheck: it is written in flow style over several lines; edit it by hand"),
        "{err}"
    );
    assert!(read(dir.path(), "docker-compose.yml").contains(
        "    healthcheck: {test: [CMD-SHELL, pg_isready],\n                  interval: 5s}\n"
    ));
    assert_valid_compose(dir.path());
}
