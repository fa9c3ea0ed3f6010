//! The Docker engine for the tests that need it: the project's test images
//! (scripts/build-test-image.sh, built once per run and cached by content hash) and
//! containers removed when the test ends.

use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const DEBIAN: &str = "pgtriage-test-pg:debian";
pub const ALPINE_LIKE: &str = "pgtriage-test-pg:alpine-like";

fn images() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new("bash")
            .arg(super::repo().join("scripts/build-test-image.sh"))
            .arg("all")
            .status()
            .expect("run scripts/build-test-image.sh");
        assert!(status.success(), "building the test images failed");
    });
}

pub fn docker(args: &[&str]) -> Output {
    super::succeed("docker", args)
}

/// A container removed when the test ends, however it ends.
pub struct Container(pub String);

impl Container {
    pub fn run(name: &str, args: &[&str]) -> Container {
        Container::named(format!("pgtriage-test-{}-{name}", std::process::id()), args)
    }

    /// A container of exactly this name (one already there is replaced).
    pub fn named(name: String, args: &[&str]) -> Container {
        images();
        let _ = Command::new("docker").args(["rm", "-f", &name]).output();
        let mut all = vec!["run", "-d", "--name", name.as_str()];
        all.extend_from_slice(args);
        docker(&all);
        Container(name)
    }

    pub fn logs(&self) -> String {
        let out = docker(&["logs", &self.0]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Waits until the log holds `n` lines containing `text`.
    pub fn wait_for(&self, text: &str, n: usize) {
        let start = Instant::now();
        while self.logs().matches(text).count() < n {
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "{}: no {n}× {text:?}:\n{}",
                self.0,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
    }
}

/// `pgtriage tail` running in the background, to be stopped with SIGINT.
pub fn spawn_tail(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .arg("tail")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pgtriage tail")
}

/// Lets a background tail catch up for a second, then stops it like Ctrl-C.
pub fn stop(tail: std::process::Child) -> Output {
    std::thread::sleep(Duration::from_secs(1));
    Command::new("kill")
        .args(["-INT", &tail.id().to_string()])
        .status()
        .unwrap();
    tail.wait_with_output().unwrap()
}

/// Stops a background `tail --output json` and returns its report and stderr.
pub fn interrupt(tail: std::process::Child) -> (serde_json::Value, String) {
    let out = stop(tail);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (report, stderr)
}
