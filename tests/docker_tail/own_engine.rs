//! Engine faults that need a Docker daemon of the test's own: the daemon going away under
//! `pgtriage tail` (the shared one is never stopped), and `--all` among fifty containers
//! (on the shared one it would follow other tests' servers too).
//!
//! The daemon has its own socket, data root and exec root in a temp dir, no bridge and no
//! iptables rules (its containers have no network and need none: the tests reach the
//! server with `docker exec`), an empty configuration file (the machine's
//! /etc/docker/daemon.json names the shared daemon's data root), the shared daemon's
//! storage driver, and live restore, so that its containers outlive it as they would a
//! daemon upgrade.

use super::common::docker::interrupt;
use super::{common, DEBIAN};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const READY: &str = "database system is ready to accept connections";
const ROLE_MISSING: &str = "role \"nobody\" does not exist";

/// A dockerd of the test's own, stopped and cleaned up when the test ends.
struct Engine {
    dir: tempfile::TempDir,
    /// `unix://...`, for `docker -H` and `DOCKER_HOST`.
    host: String,
    driver: String,
    daemon: Option<Child>,
}

impl Engine {
    /// Starts a daemon and loads `image` into it from the usual one; `None` (a skip, a
    /// failure under CI) where a second daemon cannot run.
    fn start(image: &str) -> Option<Engine> {
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        let tools = ["dockerd", "unshare"].map(common::find_on_path);
        if !root || tools.iter().any(Option::is_none) {
            common::unavailable("a dockerd of the test's own needs root, dockerd and unshare");
            return None;
        }
        let info = common::docker::docker(&["info", "--format", "{{.Driver}}"]);
        // A short path: a unix socket's path has at most 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("pgtriage-dockerd-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::write(dir.path().join("daemon.json"), "{}").unwrap();
        let mut engine = Engine {
            host: format!("unix://{}/docker.sock", dir.path().display()),
            dir,
            driver: String::from_utf8_lossy(&info.stdout).trim().to_string(),
            daemon: None,
        };
        if let Err(e) = engine.launch() {
            common::unavailable(&format!("a second dockerd did not start: {e}"));
            return None;
        }
        let mut save = Command::new("docker")
            .args(["save", image])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = Command::new("docker")
            .args(["-H", &engine.host, "load"])
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(save.wait().unwrap().success(), "docker save {image}");
        assert!(load.status.success(), "docker load: {load:?}");
        Some(engine)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts the daemon and waits until it answers (30 s at most).
    fn launch(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("dockerd.log"))
            .unwrap();
        let p = |name: &str| self.path(name).display().to_string();
        // A network namespace of its own: a dockerd started with `--bridge=none` deletes
        // the `docker0` bridge it finds, which would be the shared daemon's.
        let child = Command::new("unshare")
            .args(["--net", "--", "dockerd"])
            .args(["--config-file", &p("daemon.json"), "-H", &self.host])
            .args(["--data-root", &p("data"), "--exec-root", &p("exec")])
            .args([
                "--pidfile",
                &p("dockerd.pid"),
                "--storage-driver",
                &self.driver,
            ])
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .arg("--live-restore")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("dockerd: {e}"))?;
        self.daemon = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if self.try_docker(&["info"]).status.success() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(self.path("dockerd.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        Err(format!(
            "no answer within 30 s; its log ends:\n{}",
            tail.join("\n")
        ))
    }

    /// Stops the daemon as `systemctl restart docker` does (SIGTERM); its containers live on.
    fn stop(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &d.id().to_string()])
                .status();
            let _ = d.wait();
        }
    }

    fn try_docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(["-H", &self.host])
            .args(args)
            .output()
            .unwrap()
    }

    fn docker(&self, args: &[&str]) -> Output {
        let out = self.try_docker(args);
        assert!(out.status.success(), "docker {args:?}: {out:?}");
        out
    }

    fn logs(&self, name: &str) -> String {
        let out = self.docker(&["logs", name]);
        let (o, e) = (&out.stdout, &out.stderr);
        String::from_utf8_lossy(o).into_owned() + &String::from_utf8_lossy(e)
    }

    fn wait_for(&self, name: &str, text: &str, n: usize) {
        let start = Instant::now();
        while self.logs(name).matches(text).count() < n {
            assert!(start.elapsed() < Duration::from_secs(300), "no {n}× {text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A login as a role that does not exist: one FATAL line in the server's log.
    fn login_as_nobody(&self, name: &str) {
        let _ = self.try_docker(&["exec", name, "psql", "-U", "nobody", "-c", "select 1"]);
    }

    fn tail(&self, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_pgtriage"))
            .arg("tail")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.daemon.is_none() {
            let _ = self.launch();
        }
        let ids = self.try_docker(&["ps", "-aq"]);
        for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
            let _ = self.try_docker(&["rm", "-f", id]);
        }
        self.stop();
        // The daemon's own containerd ends with it; a mount left behind must not make
        // the temp dir's removal reach into it.
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let dir = self.dir.path().display().to_string();
        for m in mounts.lines().filter_map(|l| l.split(' ').nth(1)) {
            if m.starts_with(&dir) {
                let _ = Command::new("umount").args(["-l", m]).status();
            }
        }
    }
}

/// Starts a server in `engine` and a `tail --output json` of it that has read its start.
fn server_and_tail(engine: &Engine, name: &str, args: &[&str]) -> Child {
    engine.docker(&[
        "run",
        "-d",
        "--name",
        name,
        "-e",
        "POSTGRES_PASSWORD=secret",
        DEBIAN,
    ]);
    engine.wait_for(name, READY, 2);
    let tail = engine.tail(&[&["--output", "json", name], args].concat());
    std::thread::sleep(Duration::from_secs(2));
    engine.login_as_nobody(name);
    engine.login_as_nobody(name);
    std::thread::sleep(Duration::from_secs(1));
    tail
}

#[test]
#[ignore = "slow: starts a dockerd of its own (root) and needs the test images"]
fn a_daemon_restart_mid_stream_is_reconnected_without_counting_a_line_twice() {
    if !common::require_docker() {
        return;
    }
    let Some(mut engine) = Engine::start(DEBIAN) else {
        return;
    };
    let name = "pgtriage-test-engine-restart";
    let addr = format!("127.0.0.1:{}", common::free_port());
    let tail = server_and_tail(&engine, name, &["--metrics", &addr]);
    engine.stop();
    // The follower retries with its backoff while the daemon is away.
    std::thread::sleep(Duration::from_secs(3));
    engine.launch().unwrap();
    for _ in 0..3 {
        engine.login_as_nobody(name);
    }
    // Its next try may be 5 s away and its re-attach slow on a loaded machine: wait until
    // the live count has the three new lines (or more, which the report would show).
    let role_missing =
        format!("pgtriage_events_total{{container=\"{name}\",id=\"connection.role-missing\"");
    let start = Instant::now();
    while super::engine_faults::counter(&addr, &role_missing) < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the tail did not read on"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(1));
    let (r, stderr) = interrupt(tail);
    assert!(stderr.contains("lost the Docker daemon"), "{stderr}");
    assert!(stderr.contains("answers again"), "{stderr}");
    let ids = common::finding_counts(&r);
    let logs = engine.logs(name);
    // Re-attached from a whole second, the engine sent lines again: none counted twice,
    // none lost.
    assert_eq!(logs.matches(ROLE_MISSING).count(), 5, "{logs}");
    assert_eq!(ids.get("connection.role-missing"), Some(&5), "{ids:?}");
    assert_eq!(ids.get("server.ready"), Some(&2), "{ids:?}");
    assert!(!ids.contains_key("container.restarted"), "{ids:?}");
    assert_eq!(r["inputs"].as_array().map(Vec::len), Some(1));
}

#[test]
#[ignore = "slow: starts a dockerd of its own (root) and needs the test images"]
fn a_daemon_that_stays_away_ends_the_tail_with_exit_2_and_the_findings() {
    if !common::require_docker() {
        return;
    }
    let Some(mut engine) = Engine::start(DEBIAN) else {
        return;
    };
    let name = "pgtriage-test-engine-gone";
    let tail = server_and_tail(&engine, name, &[]);
    engine.stop();
    let start = Instant::now();
    let out = tail.wait_with_output().unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did not answer for 60 s"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // 60 s of retries, with waits of at most 5 s.
    assert!(
        took >= Duration::from_secs(55) && took < Duration::from_secs(90),
        "{took:?}"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = common::finding_counts(&r);
    assert_eq!(ids.get("connection.role-missing"), Some(&2), "{ids:?}");
}

#[test]
#[ignore = "slow: starts a dockerd of its own (root) and needs the test images"]
fn all_follows_the_servers_among_fifty_containers_coming_and_going() {
    if !common::require_docker() {
        return;
    }
    // Its own daemon: on the shared one, `--all` would follow other tests' servers too.
    let Some(engine) = Engine::start(DEBIAN) else {
        return;
    };
    let servers = ["pg-a", "pg-b", "pg-c"];
    for s in servers {
        engine.docker(&[
            "run",
            "-d",
            "--name",
            s,
            "-e",
            "POSTGRES_PASSWORD=x",
            DEBIAN,
        ]);
    }
    // 20 containers of the same image that are not PostgreSQL servers: `--all` skips them.
    let sleepers: Vec<String> = (0..20).map(|i| format!("sleeper-{i}")).collect();
    for s in &sleepers {
        engine.docker(&["run", "-d", "--name", s, DEBIAN, "sleep", "300"]);
    }
    for s in servers {
        engine.wait_for(s, READY, 2);
    }
    let tail = engine.tail(&["--all", "--output", "json"]);
    std::thread::sleep(Duration::from_secs(2));
    // 27 more start and stop while the tail runs, three at a time; the 20 go too.
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                for _ in 0..9 {
                    engine.docker(&["run", "--rm", DEBIAN, "true"]);
                }
            });
        }
    });
    for s in &sleepers {
        engine.docker(&["rm", "-f", s]);
    }
    for (n, s) in servers.iter().enumerate() {
        for _ in 0..=n {
            engine.login_as_nobody(s);
        }
        engine.docker(&["stop", s]);
    }
    // Every followed server stopped: the tail ends by itself.
    let out = tail.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gate = i32::from(r["summary"]["failed"] == true);
    assert_eq!(out.status.code(), Some(gate), "{stderr}");
    assert_eq!(stderr.matches("exited with code 0").count(), 3, "{stderr}");
    let mut followed: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    followed.sort_unstable();
    assert_eq!(followed, servers);
    let ids = common::finding_counts(&r);
    let logs: String = servers.iter().map(|s| engine.logs(s)).collect();
    for (id, text, n) in [
        ("connection.role-missing", ROLE_MISSING, 6),
        ("server.ready", READY, 6),
        // The init phase's temporary server is stopped fast too: two per server.
        ("server.shutdown", "received fast shutdown request", 6),
    ] {
        assert_eq!(logs.matches(text).count(), n, "{text}");
        assert_eq!(ids.get(id), Some(&(n as u64)), "{id}: {ids:?}");
    }
}
