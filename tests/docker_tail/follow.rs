//! `pgtriage tail` following a running container until it is stopped: restarts, an OOM
//! kill, the metrics endpoint counting live, the container removed under it.

use super::common::docker::{interrupt, spawn_tail, stop};
use super::{assert_catalogued, common, docker, Container, ALPINE_LIKE, DEBIAN};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn restarts_are_followed_without_counting_a_line_twice() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run("restart", &["-e", "POSTGRES_PASSWORD=secret", DEBIAN]);
    c.wait_for("database system is ready to accept connections", 2);
    let tail = spawn_tail(&["--output", "json", &c.0]);
    std::thread::sleep(Duration::from_secs(2));
    for n in 1..=2 {
        docker(&["restart", "-t", "30", &c.0]);
        c.wait_for("database system is ready to accept connections", 2 + n);
        std::thread::sleep(Duration::from_secs(1));
    }
    let (r, stderr) = interrupt(tail);
    let ids = common::finding_counts(&r);
    let logs = c.logs();
    assert_eq!(
        ids.get("container.restarted"),
        Some(&2),
        "{ids:?}\n{stderr}"
    );
    // Each count equals what the server printed: nothing lost, nothing twice.
    for (id, text) in [
        (
            "server.ready",
            "database system is ready to accept connections",
        ),
        ("server.shutdown", "received fast shutdown request"),
    ] {
        let printed = logs.matches(text).count() as u64;
        assert_eq!(ids.get(id), Some(&printed), "{id}\n{logs}");
    }
    assert_eq!(
        logs.matches("database system is ready to accept connections")
            .count(),
        4
    );
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn an_oom_kill_is_reported_with_the_signal_9_it_caused() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run(
        "oom",
        &[
            "--memory",
            "160m",
            "--memory-swap",
            "160m",
            "-e",
            "POSTGRES_PASSWORD=secret",
            DEBIAN,
        ],
    );
    c.wait_for("database system is ready to accept connections", 2);
    let tail = spawn_tail(&["--output", "jsonl", &c.0]);
    std::thread::sleep(Duration::from_secs(2));
    // A backend asks for far more than the limit; the kernel kills it.
    let _ = Command::new("docker")
        .args([
            "exec",
            &c.0,
            "psql",
            "-U",
            "postgres",
            "-c",
            "select length(repeat('x', 200000000) || repeat('y', 200000000))",
        ])
        .output();
    c.wait_for("database system is ready to accept connections", 3);
    let out = stop(tail);
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = |id: &str| {
        events
            .iter()
            .filter(|e| e["event"] == "finding" && e["id"] == id && e["first"] == true)
            .count()
    };
    assert_eq!(first("container.oom-killed"), 1);
    assert_eq!(first("server.process-killed"), 1);
    let oom = events
        .iter()
        .find(|e| e["id"] == "container.oom-killed")
        .unwrap();
    let evidence = oom["sample"].as_str().unwrap();
    assert!(evidence.contains("memory limit 160 MiB"), "{evidence}");
    let cat = pgtriage::catalogue::Catalogue::embedded().unwrap();
    assert_catalogued(&cat, "container.oom-killed", evidence);
    // The two are one event: the engine's OOM kill is the log's signal 9.
    let correlations: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "correlation")
        .collect();
    assert_eq!(correlations.len(), 1, "{events:?}");
    assert_eq!(correlations[0]["ids"][1], "server.process-killed");
}

pub fn scrape(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

/// The value of the first series starting with `prefix` in a metrics text; 0 when absent.
pub fn counter(metrics: &str, prefix: &str) -> u64 {
    metrics
        .lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn the_metrics_endpoint_counts_events_as_they_happen() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run("metrics", &["-e", "POSTGRES_PASSWORD=secret", DEBIAN]);
    c.wait_for("database system is ready to accept connections", 2);
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut tail = spawn_tail(&["--output", "json", "--metrics", &addr, &c.0]);
    let start = Instant::now();
    let series = format!(
        "pgtriage_events_total{{container=\"{}\",id=\"connection.role-missing\"",
        c.0
    );
    let lines = format!("pgtriage_lines_total{{container=\"{}\"}}", c.0);
    let before = loop {
        if let Ok(s) = std::panic::catch_unwind(|| scrape(&addr)) {
            if counter(&s, &lines) > 0 {
                break s;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "metrics endpoint never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(counter(&before, &series), 0);
    for _ in 0..3 {
        // A healthcheck-style login as a role that does not exist.
        let _ = Command::new("docker")
            .args(["exec", &c.0, "psql", "-U", "nobody", "-c", "select 1"])
            .output();
    }
    let mut after = String::new();
    while counter(&after, &series) < 3 && start.elapsed() < Duration::from_secs(180) {
        std::thread::sleep(Duration::from_millis(200));
        after = scrape(&addr);
    }
    assert_eq!(counter(&after, &series), 3, "{after}");
    assert!(counter(&after, &lines) > counter(&before, &lines));
    let _ = tail.kill();
    let _ = tail.wait();
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_container_removed_while_tailed_keeps_the_findings() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run("vanish", &["-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE]);
    c.wait_for("database system is ready to accept connections", 2);
    let tail = spawn_tail(&["--output", "json", &c.0]);
    std::thread::sleep(Duration::from_secs(2));
    docker(&["rm", "-f", &c.0]);
    let out = tail.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed"));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        common::finding_counts(&r).get("locale.no-system-locales"),
        Some(&1)
    );
}
