//! A booted example: its own Compose project, and what Docker says about its container.

use super::{common, docker_compose, examples, pretty, run, run_ok, text, READY, TEST_IMAGE};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn test_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new("bash")
            .arg(common::repo().join("scripts/build-test-image.sh"))
            .arg("debian")
            .stdin(Stdio::null())
            .status()
            .expect("run scripts/build-test-image.sh");
        assert!(status.success(), "building {TEST_IMAGE} failed");
    });
}

/// docker-compose, when a Docker daemon answers too (each one missing skips the test, or
/// fails it under CI).
pub fn compose_with_docker() -> Option<PathBuf> {
    if !common::require_docker() {
        return None;
    }
    docker_compose()
}

/// A copy of one example directory, run as its own Compose project with an override that
/// only swaps the image (and adds what a test needs). `docker-compose down -v` on drop.
pub struct Project {
    dc: PathBuf,
    name: String,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    pub fn new(dc: PathBuf, example: &str, override_yaml: &str, env: &[(&str, String)]) -> Project {
        test_image();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&examples().join(example), dir.path());
        std::fs::write(dir.path().join("docker-compose.test.yml"), override_yaml).unwrap();
        // docker-compose 1.29 keeps [a-z0-9_-] of a project name.
        let name = format!("pgtex{}{example}", std::process::id());
        let p = Project {
            dc,
            name,
            dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        p.down(); // a leftover of an earlier, killed run
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn compose(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.dc);
        cmd.current_dir(self.path())
            .args(["-p", &self.name])
            .args(["-f", "docker-compose.yml", "-f", "docker-compose.test.yml"])
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        run(&mut cmd)
    }

    pub fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker-compose {args:?} ({}):\n{}",
            self.name,
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a service; its container id, after checking that its ports are published on
    /// loopback only.
    pub fn up_on_loopback(&self, service: &str) -> String {
        self.compose_ok(&["up", "-d", service]);
        let id = self.container(service);
        assert_eq!(published_host_ips(&id), vec!["127.0.0.1".to_string()]);
        id
    }

    /// The container id of a service.
    fn container(&self, service: &str) -> String {
        let id = self.compose_ok(&["ps", "-q", service]).trim().to_string();
        assert!(!id.is_empty(), "no container for service {service}");
        id
    }

    fn down(&self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "30"]);
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.down();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            // Secrets a developer made in the checkout are not the test's.
            if entry.file_name() != "secrets" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn docker_logs(id: &str) -> String {
    text(&run_ok(Command::new("docker").args(["logs", id])))
}

pub fn health(id: &str) -> Value {
    let out = run_ok(Command::new("docker").args(["inspect", "-f", "{{json .State.Health}}", id]));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Host addresses a container port is published on.
fn published_host_ips(id: &str) -> Vec<String> {
    let out = run_ok(Command::new("docker").args([
        "inspect",
        "-f",
        "{{json .HostConfig.PortBindings}}",
        id,
    ]));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    v.as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|b| b.as_array().cloned().unwrap_or_default())
        .map(|b| b["HostIp"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Polls the container until Docker calls it healthy. Checks on the way that it never is
/// before the real server's ready line is in the log (the init phase's temporary server
/// logs the first one). Returns whether a probe failed while init was still running.
pub fn wait_healthy_checking_init(id: &str, limit: Duration) -> bool {
    let start = Instant::now();
    let mut failed_during_init = false;
    loop {
        // Status first, then the log: a "healthy" read before a log without the real
        // ready line is a genuine violation, never a race of the two reads.
        let h = health(id);
        let status = h["Status"].as_str().unwrap_or("").to_string();
        let logs = docker_logs(id);
        let init_done = logs.contains("PostgreSQL init process complete");
        let real_ready = logs.matches(READY).count() >= 2;
        if status == "healthy" {
            assert!(
                real_ready && init_done,
                "healthy before the real server was ready:\n{}\n{logs}",
                pretty(&h)
            );
            return failed_during_init;
        }
        if !init_done {
            failed_during_init |= h["Log"].as_array().is_some_and(|l| {
                l.iter()
                    .any(|p| p["ExitCode"].as_i64().is_some_and(|c| c != 0))
            });
        }
        assert!(
            start.elapsed() < limit,
            "not healthy after {limit:?} (status {status:?}):\n{}\n{logs}",
            pretty(&h)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits for healthy without further checks (dev).
pub fn wait_healthy(id: &str, limit: Duration) {
    let start = Instant::now();
    while health(id)["Status"] != "healthy" {
        assert!(
            start.elapsed() < limit,
            "not healthy after {limit:?}:\n{}\n{}",
            pretty(&health(id)),
            docker_logs(id)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// One secret that make-secrets.sh wrote into DIR/secrets.
pub fn secret(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("secrets").join(name))
        .unwrap()
        .trim()
        .to_string()
}
