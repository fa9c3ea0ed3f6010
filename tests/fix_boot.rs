//! The proof on the real engine (issue #16): a Compose setup with every kind of problem
//! `fix` fixes (tests/compose/fixable, on the project's test image) boots, `tail
//! --until-ready` reports what `lint` predicted, `fix --apply` patches the files, the patch
//! passes docker-compose 1.29 and the Compose Specification, and a fresh boot is clean
//! under `--env prod --fail-on warning`, with initdb's options in effect.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One Compose project in a temporary copy of a fixture; `down -v` on drop.
struct Booted {
    dc: PathBuf,
    name: String,
    dir: tempfile::TempDir,
}

impl Booted {
    fn compose(&self, args: &[&str]) -> Output {
        Command::new(&self.dc)
            .args(["-p", &self.name])
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run docker-compose")
    }

    /// Starts `db` on a fresh volume and follows it until ready: exit code and report.
    fn boot_and_tail(&self) -> (Option<i32>, Value) {
        self.down();
        let up = self.compose(&["up", "-d", "db"]);
        assert!(
            up.status.success(),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let id = String::from_utf8(self.compose(&["ps", "-q", "db"]).stdout).unwrap();
        let (code, report, stderr) = common::tail_json(&[
            id.trim(),
            "--until-ready",
            "--timeout",
            "300s",
            "--env",
            "prod",
            "--no-policy",
            "--fail-on",
            "warning",
        ]);
        eprintln!("{stderr}");
        (code, report)
    }

    /// A query as the superuser over the container's socket, with its password.
    fn psql(&self, sql: &str) -> String {
        let id = String::from_utf8(self.compose(&["ps", "-q", "db"]).stdout).unwrap();
        let out = Command::new("docker")
            .args(["exec", "-e", "PGPASSWORD=fixture-password", id.trim()])
            .args(["psql", "-U", "postgres", "-Atc", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn down(&self) {
        let _ = self.compose(&["down", "-v", "-t", "30"]);
    }
}

impl Drop for Booted {
    fn drop(&mut self) {
        self.down();
    }
}

fn pgtriage(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::compose::pgtriage_in(dir, args, &[]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn ids(report: &Value, at_least_warning: bool) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !at_least_warning || f["severity"] != "info")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// Booted as it is: lint predicts, `tail` confirms; what tail saw at warning or above.
fn before(project: &Booted) -> BTreeSet<String> {
    let path = project.dir.path();
    let (code, lint, _) = pgtriage(
        path,
        &["lint", "--env", "prod", "--no-policy", "--output", "json"],
    );
    assert_eq!(code, Some(1));
    let predicted = ids(&serde_json::from_str(&lint).unwrap(), true);
    let (code, first) = project.boot_and_tail();
    assert_eq!(code, Some(1), "{first}");
    let seen = ids(&first, true);
    for id in [
        "container.env-trust",
        "container.healthcheck-no-user",
        "container.healthcheck-socket-only",
        "container.shm-default",
        "container.stop-timeout-short",
    ] {
        assert!(
            predicted.contains(id) && seen.contains(id),
            "{id}: lint {predicted:?}, tail {seen:?}"
        );
    }
    // What lint calls container.initdb-auth-trust, initdb says in the log.
    assert!(
        predicted.contains("container.initdb-auth-trust") && seen.contains("auth.trust-local"),
        "{seen:?}"
    );
    assert_eq!(project.psql("SHOW data_checksums"), "off");
    seen
}

/// `fix --apply`, and the patched files pass docker-compose, the specification and lint.
fn fix(project: &Booted) {
    let path = project.dir.path();
    let (code, diff, notes) = pgtriage(path, &["fix", "--env", "prod", "--no-policy", "--apply"]);
    assert_eq!(code, Some(0), "{notes}");
    eprintln!("the diff fix applied:\n{diff}\n{notes}");
    let config = project.compose(&["config", "-q"]);
    assert!(
        config.status.success(),
        "{}",
        String::from_utf8_lossy(&config.stderr)
    );
    if let Some(schema) = common::compose::schema() {
        let text = std::fs::read_to_string(path.join("docker-compose.yml")).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        let errors = common::compose::errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let (code, _, _) = pgtriage(
        path,
        &[
            "lint",
            "--env",
            "prod",
            "--no-policy",
            "--fail-on",
            "warning",
        ],
    );
    assert_eq!(code, Some(0));
}

/// A fresh boot of the patched setup: clean, with initdb's options in effect.
fn after(project: &Booted, seen: &BTreeSet<String>) {
    let (code, second) = project.boot_and_tail();
    assert_eq!(code, Some(0), "{second}");
    let again = ids(&second, false);
    assert!(
        ids(&second, true).is_empty()
            && !again
                .iter()
                .any(|i| seen.contains(i) && i.starts_with("container.")),
        "{second}"
    );
    assert_eq!(project.psql("SHOW data_checksums"), "on");
    let provider = "SELECT datlocprovider FROM pg_database WHERE datname = 'postgres'";
    assert_eq!(project.psql(provider), "i");
    // The socket asks for the password now: no trust rule is left.
    let trust = "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'";
    assert_eq!(project.psql(trust), "0");
}

#[test]
#[ignore = "slow: needs a Docker daemon, docker-compose and the test image (scripts/build-test-image.sh debian)"]
fn every_fixable_problem_is_seen_on_a_real_boot_fixed_and_gone_on_the_next() {
    if !common::require_docker() {
        return;
    }
    let Some(dc) = common::require_tool("docker-compose") else {
        return;
    };
    let built = Command::new("bash")
        .arg(common::repo().join("scripts/build-test-image.sh"))
        .arg("debian")
        .status()
        .unwrap();
    assert!(built.success(), "scripts/build-test-image.sh debian");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(common::repo().join("tests/compose/fixable")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let project = Booted {
        dc,
        name: format!("pgtfix{}", std::process::id()),
        dir,
    };
    let seen = before(&project);
    fix(&project);
    after(&project, &seen);
}
