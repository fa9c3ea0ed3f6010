//! A Compose project booted on the real engine from a copy of a fixture in
//! tests/compose/, for the proofs of `fix` (tests/fix_boot.rs, tests/fix_kinds.rs): boot,
//! follow with `tail --until-ready`, query the server, check the files, `down -v` on drop.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// docker-compose, after the test image is built by the project's own script; `None`
/// (skipped, or failed under CI) without a daemon or docker-compose.
pub fn prepare() -> Option<PathBuf> {
    if !super::require_docker() {
        return None;
    }
    let dc = super::require_tool("docker-compose")?;
    let built = Command::new("bash")
        .arg(super::repo().join("scripts/build-test-image.sh"))
        .arg("debian")
        .status()
        .unwrap();
    assert!(built.success(), "scripts/build-test-image.sh debian");
    Some(dc)
}

pub struct Booted {
    dc: PathBuf,
    pub name: String,
    pub dir: tempfile::TempDir,
    /// The `db` container of the last boot (docker-compose takes a second to ask).
    id: std::cell::RefCell<String>,
}

impl Booted {
    /// A copy of tests/compose/`fixture`, as the project `name`.
    pub fn copy(dc: &Path, fixture: &str, name: String) -> Booted {
        let dir = super::compose::copy_fixture(fixture);
        Booted {
            dc: dc.to_path_buf(),
            name,
            dir,
            id: Default::default(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn compose(&self, args: &[&str]) -> Output {
        Command::new(&self.dc)
            .args(["-p", &self.name])
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run docker-compose")
    }

    /// The id of the `db` container, asked of docker by Compose's labels (docker-compose
    /// itself takes a second of CPU to start, which adds up over many boots).
    pub fn container(&self) -> String {
        if self.id.borrow().is_empty() {
            let project = format!("label=com.docker.compose.project={}", self.name);
            let out = super::succeed(
                "docker",
                &[
                    "ps",
                    "-q",
                    "--filter",
                    &project,
                    "--filter",
                    "label=com.docker.compose.service=db",
                ],
            );
            *self.id.borrow_mut() = String::from_utf8(out.stdout).unwrap().trim().to_string();
        }
        self.id.borrow().clone()
    }

    /// Starts `db` on a fresh volume and follows it until ready under `--env prod
    /// --fail-on warning`: exit code and report.
    pub fn boot_and_tail(&self) -> (Option<i32>, Value) {
        self.down();
        let up = self.compose(&["up", "-d", "db"]);
        assert!(
            up.status.success(),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let id = self.container();
        let (code, report, stderr) = super::tail_json(&[
            &id,
            "--until-ready",
            "--timeout",
            "300s",
            "--env",
            "prod",
            "--no-policy",
            "--fail-on",
            "warning",
        ]);
        eprintln!("{}: {stderr}", self.name);
        (code, report)
    }

    /// A query as the superuser over the container's socket, with its password.
    pub fn psql(&self, sql: &str) -> String {
        let id = self.container();
        let password = "PGPASSWORD=fixture-password";
        let args = [
            "exec", "-e", password, &id, "psql", "-U", "postgres", "-Atc", sql,
        ];
        let out = super::succeed("docker", &args);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// pgtriage in the project's directory: exit code, stdout, stderr.
    pub fn pgtriage(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = super::compose::pgtriage_in(self.dir.path(), args, &[]);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    }

    /// The ids `lint --env prod --no-policy` reports at warning or above.
    pub fn lint(&self) -> BTreeSet<String> {
        let args = ["lint", "--env", "prod", "--no-policy", "--output", "json"];
        let (_, out, err) = self.pgtriage(&args);
        let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        ids(&report, true)
    }

    /// docker-compose and the Compose Specification accept the (patched) Compose file.
    pub fn assert_valid(&self) {
        super::compose::assert_valid_compose(self.path());
    }

    pub fn down(&self) {
        self.id.borrow_mut().clear();
        let _ = self.compose(&["down", "-v", "-t", "30"]);
    }
}

impl Drop for Booted {
    fn drop(&mut self) {
        self.down();
    }
}

/// A report's finding ids, those at warning or above only when asked.
pub fn ids(report: &Value, at_least_warning: bool) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !at_least_warning || f["severity"] != "info")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}
