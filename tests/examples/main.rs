//! examples/compose/{dev,prod} checked against real components:
//!   - docker-compose 1.29 accepts every compose file, and so does the Compose
//!     Specification's JSON Schema (../shared/data/compose-spec);
//!   - promtool accepts the alert rules, and the rules fire on the series they are for;
//!   - both settings boot on the real Docker engine (the official image swapped for the
//!     local test image, everything else as shipped): pgtriage's gate passes, logins are
//!     refused or allowed as pg_hba.conf says, the healthcheck turns healthy only once the
//!     real server is up, Debian's postgres_exporter reads the server with the monitoring
//!     role, and the metric names the alert rules use exist.
//!
//! Tools come from scripts/install-example-tools.sh (run by scripts/test.sh). A missing tool
//! or daemon skips its part with a note, or fails under CI (tests/common/mod.rs).
//! Network traffic goes to 127.0.0.1 only: ports are published on loopback, and the
//! containers are reached through them or `docker exec`, never by their bridge address.

#[path = "../common/mod.rs"]
mod common;

mod boot;
mod compose;
mod dev;
mod monitoring;
mod prod;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What the examples' `image: postgres:17-bookworm` becomes in the tests (no registry).
const TEST_IMAGE: &str = "pgtriage-test-pg:debian";
const READY: &str = "database system is ready to accept connections";
const ENVS: [&str; 2] = ["dev", "prod"];

fn examples() -> PathBuf {
    common::repo().join("examples/compose")
}

fn compose_file(env: &str) -> PathBuf {
    examples().join(env).join("docker-compose.yml")
}

// ---------------------------------------------------------------------------------------
// Tools (missing ones skip, or fail under CI: common::unavailable)
// ---------------------------------------------------------------------------------------

fn docker_compose() -> Option<PathBuf> {
    common::require_tool("docker-compose")
}

fn psql() -> Option<PathBuf> {
    common::require_tool("psql")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    out
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn at_least_warning(f: &Value) -> bool {
    matches!(
        f["severity"].as_str(),
        Some("warning" | "error" | "critical")
    )
}

/// `pgtriage tail` arguments of the gate, as an example's policy says to run it.
fn gate_args<'a>(id: &'a str, env: &'a str, policy: &'a str) -> [&'a str; 10] {
    [
        id,
        "--until-ready",
        "--env",
        env,
        "--policy",
        policy,
        "--fail-on",
        "warning",
        "--timeout",
        "60s",
    ]
}

/// psql over the loopback-published port: (succeeded, stdout+stderr).
fn psql_login(
    psql: &Path,
    port: u16,
    user: &str,
    password: Option<&str>,
    ssl: &str,
) -> (bool, String) {
    let conn = format!(
        "host=127.0.0.1 port={port} user={user} dbname=postgres sslmode={ssl} connect_timeout=10"
    );
    let mut cmd = Command::new(psql);
    cmd.args(["-X", "-w", "-A", "-t", "-c"])
        .arg(
            "select current_user, r.rolsuper, pg_has_role(current_user, 'pg_monitor', 'member'), \
             coalesce(s.ssl, false) from pg_roles r left join pg_stat_ssl s on s.pid = pg_backend_pid() \
             where r.rolname = current_user",
        )
        .arg(conn)
        // Nothing from the environment or a password file may log us in.
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .env("PGPASSFILE", "/nonexistent/pgpass")
        .env("PGCONNECT_TIMEOUT", "10");
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    let out = run(&mut cmd);
    (out.status.success(), text(&out).trim().to_string())
}

// ---------------------------------------------------------------------------------------
// The policies and the guides
// ---------------------------------------------------------------------------------------

/// Every acceptance names a real catalogue entry and says why; pgtriage loads both files.
#[test]
fn every_acceptance_in_the_example_policies_has_a_reason() {
    for env in ENVS {
        let path = examples().join(env).join(".pgtriage.toml");
        let policy: toml::Table = std::fs::read_to_string(&path)
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(policy["env"].as_str(), Some(env), "{}", path.display());
        let accepts = policy
            .get("accept")
            .and_then(|a| a.as_array())
            .cloned()
            .unwrap_or_default();
        for a in &accepts {
            let id = a["id"].as_str().expect("id");
            let reason = a.get("reason").and_then(|r| r.as_str()).unwrap_or("");
            assert!(
                reason.trim().len() >= 40,
                "{}: [[accept]] {id} needs a real reason, not {reason:?}",
                path.display()
            );
            let out = common::pgtriage(&["explain", id]);
            assert!(out.status.success(), "{}: unknown id {id}", path.display());
        }
        // pgtriage itself loads the file (a bad one exits 2).
        let out = common::pgtriage(&[
            "analyze",
            "--policy",
            common::path_str(&path),
            "sample-logs/first-start-no-locale.log",
        ]);
        assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    }
}

/// The guides name only real catalogue ids, link only to files that exist, and cite
/// PostgreSQL's documentation.
#[test]
fn guides_name_real_ids_and_link_to_real_files() {
    let out = common::pgtriage(&["patterns", "--output", "json"]);
    assert!(out.status.success());
    let catalogue: Value = serde_json::from_slice(&out.stdout).unwrap();
    let known: BTreeSet<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    let categories: BTreeSet<&str> = known.iter().filter_map(|id| id.split('.').next()).collect();
    let dir = common::repo().join("docs/guides");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        pages += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Every `category.name` in backticks whose category is a catalogue category.
        for (i, _) in text.match_indices('`') {
            let rest = &text[i + 1..];
            let Some(end) = rest.find('`') else { break };
            let word = &rest[..end];
            let Some((cat, tail)) = word.split_once('.') else {
                continue;
            };
            let id_like = !tail.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-');
            if id_like && categories.contains(cat) && !word.ends_with(".md") {
                assert!(
                    known.contains(word),
                    "{name}: `{word}` is not a catalogue id"
                );
            }
        }
        for id in text.split("pgtriage explain ").skip(1) {
            let id: String = id
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '.' || *c == '-')
                .collect();
            if !id.is_empty() && id != "id" {
                assert!(
                    known.contains(id.as_str()),
                    "{name}: pgtriage explain {id}: unknown id"
                );
            }
        }
        // Relative links resolve.
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap();
            // Links in the README section are relative to the repository root.
            let base = if file.starts_with("docs/") {
                common::repo()
            } else {
                dir.clone()
            };
            assert!(base.join(file).exists(), "{name}: broken link {target}");
        }
        if name != "README.md" {
            assert!(
                text.contains("https://www.postgresql.org/docs/"),
                "{name} cites no PostgreSQL documentation"
            );
            assert!(
                text.contains("**pgtriage ids:**"),
                "{name} names no pgtriage ids"
            );
        }
    }
    assert_eq!(pages, 7, "README.md and six guides");
}
