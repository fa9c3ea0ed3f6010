//! Faults of the engine's containers under `pgtriage tail`, each with its defined outcome
//! (docs/reliability.md, "Engine faults"): a container that stops ends its follow with its
//! whole log, one created again under its name is followed on, a taken metrics port is a
//! usage error before anything is followed, a log the engine cannot give ends the tail
//! with exit 2, and a slow reader holds the follow back without losing a line. Counts are
//! checked against what the server printed.

use super::common::docker::{interrupt, spawn_tail, Container};
use super::{common, docker, DEBIAN};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const READY: &str = "database system is ready to accept connections";
const ROLE_MISSING: &str = "role \"nobody\" does not exist";

fn login_as_nobody(c: &str, times: usize) {
    for _ in 0..times {
        let _ = Command::new("docker")
            .args(["exec", c, "psql", "-U", "nobody", "-c", "select 1"])
            .output();
    }
}

fn server(name: &str) -> Container {
    let c = Container::run(name, &["-e", "POSTGRES_PASSWORD=secret", DEBIAN]);
    c.wait_for(READY, 2);
    c
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_stopped_container_ends_the_follow_with_its_whole_log() {
    if !common::require_docker() {
        return;
    }
    let c = server("stopped");
    let tail = spawn_tail(&["--output", "json", &c.0]);
    std::thread::sleep(Duration::from_secs(2));
    login_as_nobody(&c.0, 2);
    docker(&["stop", "-t", "30", &c.0]);
    let stopped = Instant::now();
    let out = tail.wait_with_output().unwrap();
    let took = stopped.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Ten seconds for a `docker restart`'s start, then the end, by itself.
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(40),
        "{took:?}"
    );
    assert!(
        stderr.contains("exited with code 0 and was not started again within 10 s"),
        "{stderr}"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Not a lost input: the gate's status.
    let gate = i32::from(r["summary"]["failed"] == true);
    assert_eq!(out.status.code(), Some(gate), "{stderr}");
    let ids = common::finding_counts(&r);
    let logs = c.logs();
    for (id, text) in [
        ("connection.role-missing", ROLE_MISSING),
        ("server.shutdown", "received fast shutdown request"),
        ("server.ready", READY),
    ] {
        let printed = logs.matches(text).count() as u64;
        assert!(printed > 0, "{text}");
        assert_eq!(ids.get(id), Some(&printed), "{id}\n{logs}");
    }
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_container_created_again_under_its_name_is_followed_on() {
    if !common::require_docker() {
        return;
    }
    let old = server("recreated");
    let name = old.0.clone();
    let tail = spawn_tail(&["--output", "json", &name]);
    std::thread::sleep(Duration::from_secs(2));
    login_as_nobody(&name, 2);
    let old_logs = old.logs();
    // `docker compose up` after a change: removed, then created and started again.
    drop(old);
    let args = [
        "-e",
        "POSTGRES_PASSWORD=secret",
        "--health-cmd",
        "true",
        DEBIAN,
    ];
    let new = Container::named(name.clone(), &args);
    new.wait_for(READY, 2);
    login_as_nobody(&name, 3);
    let (r, stderr) = interrupt(tail);
    assert!(stderr.contains("was removed and created again"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let ids = common::finding_counts(&r);
    let logs = old_logs + &new.logs();
    assert_eq!(logs.matches(ROLE_MISSING).count(), 5, "{logs}");
    assert_eq!(ids.get("connection.role-missing"), Some(&5), "{ids:?}");
    assert_eq!(ids.get("server.ready"), Some(&4), "{ids:?}\n{stderr}");
    // A new container, not a restart of the old one.
    assert!(!ids.contains_key("container.restarted"), "{ids:?}");
    // Only the old one had no healthcheck; the findings both share are not raised twice.
    assert_eq!(ids.get("container.no-healthcheck"), Some(&1), "{ids:?}");
    assert_eq!(ids.get("container.shm-default"), Some(&1), "{ids:?}");
    assert_eq!(r["inputs"].as_array().map(Vec::len), Some(1));
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_taken_metrics_port_exits_2_before_anything_is_followed() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run("port", &["-e", "POSTGRES_PASSWORD=secret", DEBIAN]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let start = Instant::now();
    let out = common::pgtriage(&["tail", "--metrics", &addr, &c.0]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("--metrics {addr}: cannot listen")),
        "{stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
    // Nothing followed: no live line, no report.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_log_the_engine_cannot_give_exits_2_instead_of_a_blind_follow() {
    if !common::require_docker() {
        return;
    }
    // The engine keeps no log it can read back: before, the tail re-attached without end
    // and reported a clean container.
    let args = [
        "--log-driver",
        "none",
        "-e",
        "POSTGRES_PASSWORD=secret",
        DEBIAN,
    ];
    let c = Container::run("nolog", &args);
    let start = Instant::now();
    let out = common::pgtriage(&["tail", "--output", "json", &c.0]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the engine does not give its log"),
        "{stderr}"
    );
    assert!(stderr.contains("does not support reading"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(30));
    // The report still comes, with what inspect found.
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = common::finding_counts(&r);
    assert_eq!(ids.get("container.no-healthcheck"), Some(&1), "{ids:?}");
}

/// The value of the first series starting with `prefix` in a metrics scrape; 0 before
/// the endpoint listens.
pub(super) fn counter(addr: &str, prefix: &str) -> u64 {
    match std::net::TcpStream::connect(addr) {
        Ok(_) => super::follow::counter(&super::follow::scrape(addr), prefix),
        Err(_) => 0,
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:"));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_slow_reader_holds_the_follow_back_without_losing_a_line_or_growing() {
    if !common::require_docker() {
        return;
    }
    const ERRORS: usize = 20_000;
    let c = server("slow");
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut tail = spawn_tail(&["--output", "jsonl", "--metrics", &addr, &c.0]);
    let lines = format!("pgtriage_lines_total{{container=\"{}\"}}", c.0);
    let start = Instant::now();
    while counter(&addr, &lines) == 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "no metrics");
        std::thread::sleep(Duration::from_millis(200));
    }
    let before = rss_kib(tail.id());
    // 20,000 real errors (and their STATEMENT lines) while nobody reads the live lines.
    let mut psql = Command::new("docker")
        .args(["exec", "-i", &c.0, "psql", "-U", "postgres", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let script = "select 1/0;\n".repeat(ERRORS);
    psql.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    psql.wait().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let logged = c.logs().lines().count() as u64;
    let read_while_stalled = counter(&addr, &lines);
    let stalled = rss_kib(tail.id());
    // The follow waits for its reader: most of the log is still the engine's to send.
    assert!(
        read_while_stalled < logged / 2,
        "{read_while_stalled} of {logged} lines read while stdout was full"
    );
    assert!(
        stalled < before + 32 * 1024,
        "RSS {before} KiB before, {stalled} KiB stalled"
    );
    // Now a reader that takes 4 KiB every 2 ms, until the end.
    let mut out = tail.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut all, mut buf) = (Vec::new(), [0u8; 4096]);
        while let Ok(n @ 1..) = out.read(&mut buf) {
            all.extend_from_slice(&buf[..n]);
            std::thread::sleep(Duration::from_millis(2));
        }
        all
    });
    let logs = c.logs();
    let printed = logs.matches("ERROR:  division by zero").count();
    assert_eq!(printed, ERRORS);
    while counter(&addr, &lines) < logs.lines().count() as u64 {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "never caught up"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let peak = rss_kib(tail.id());
    Command::new("kill")
        .args(["-INT", &tail.id().to_string()])
        .status()
        .unwrap();
    let stdout = reader.join().unwrap();
    let status = tail.wait().unwrap();
    assert!(status.code().is_some(), "{status:?}");
    let text = String::from_utf8_lossy(&stdout);
    let events = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "finding" && e["id"] == "sql.division-by-zero")
        .count();
    assert_eq!(events, ERRORS, "one live line per error, none lost");
    assert!(
        peak < before + 32 * 1024,
        "RSS {before} KiB, then {peak} KiB"
    );
    eprintln!(
        "slow reader: {read_while_stalled} of {logged} lines read while stalled; \
         RSS {before} KiB before, {stalled} KiB stalled, {peak} KiB caught up"
    );
}
