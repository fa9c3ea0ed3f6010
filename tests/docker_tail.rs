//! `pgtriage tail` against the real Docker engine and the project's own test images
//! (scripts/build-test-image.sh, built once per run and cached by content hash).

mod common;

use common::docker::{docker, interrupt, spawn_tail, stop, Container, ALPINE_LIKE, DEBIAN};
use std::process::Command;
use std::time::{Duration, Instant};

/// A container check's evidence must be one of its entry's samples.
fn assert_catalogued(cat: &pgtriage::catalogue::Catalogue, id: &str, evidence: &str) {
    let samples: Vec<&str> = cat
        .get(id)
        .unwrap()
        .sample
        .iter()
        .map(|s| s.line.as_str())
        .collect();
    assert!(
        samples.contains(&evidence),
        "{id}: evidence {evidence:?} is not a catalogued sample {samples:?}"
    );
}

fn sample_of<'a>(report: &'a serde_json::Value, id: &str) -> Option<&'a str> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == id)?["sample"]
        .as_str()
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn alpine_like_first_start_fails_in_prod() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run("alpine", &["-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE]);
    let (code, r, stderr) =
        common::tail_json(&[&c.0, "--until-ready", "--env", "prod", "--timeout", "120s"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("not ready"), "{stderr}");
    let ids = common::finding_counts(&r);
    assert_eq!(ids.get("locale.no-system-locales"), Some(&1), "{ids:?}");
    assert_eq!(ids.get("auth.trust-local"), Some(&1), "{ids:?}");
    // The init phase's temporary server was ready once before the real one.
    assert_eq!(ids.get("server.ready"), Some(&2), "{ids:?}");
}

/// A production-minded configuration: scram for local and host connections, a password
/// file, a TCP healthcheck with a user, a larger /dev/shm and a long stop timeout.
fn sane(name: &str, image: &str) -> (Container, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long secret\n").unwrap();
    let mount = format!("{}:/run/secrets/pg_password:ro", pw.display());
    let c = Container::run(
        name,
        &[
            "-v",
            &mount,
            "-e",
            "POSTGRES_PASSWORD_FILE=/run/secrets/pg_password",
            "-e",
            "POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256",
            "--health-cmd",
            "pg_isready -h 127.0.0.1 -U postgres -d postgres -t 3",
            "--health-interval",
            "2s",
            "--shm-size",
            "256m",
            "--stop-timeout",
            "60",
            image,
        ],
    );
    (c, dir)
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn debian_with_scram_and_a_sane_healthcheck_passes_in_prod() {
    if !common::require_docker() {
        return;
    }
    let (c, _dir) = sane("sane", DEBIAN);
    let (code, r, stderr) =
        common::tail_json(&[&c.0, "--until-ready", "--env", "prod", "--timeout", "120s"]);
    assert_eq!(
        code,
        Some(0),
        "{stderr}\n{}",
        serde_json::to_string_pretty(&r["findings"]).unwrap()
    );
    let ids = common::finding_counts(&r);
    assert!(!ids.contains_key("auth.trust-local"), "{ids:?}");
    assert!(!ids.contains_key("locale.no-system-locales"), "{ids:?}");
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_policy_accepting_the_locale_warning_turns_the_alpine_first_start_green() {
    if !common::require_docker() {
        return;
    }
    let (c, dir) = sane("policy", ALPINE_LIKE);
    let gate = [
        "--until-ready",
        "--env",
        "prod",
        "--fail-on",
        "warning",
        "--timeout",
        "120s",
    ];
    let mut args = vec![c.0.as_str(), "--no-policy"];
    args.extend_from_slice(&gate);
    let (code, r, stderr) = common::tail_json(&args);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        common::gating_ids(&r),
        vec!["locale.no-system-locales"],
        "{stderr}"
    );

    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[accept]]\nid = \"locale.no-system-locales\"\nreason = \"Alpine-like image: ICU collations are used.\"\n",
    )
    .unwrap();
    // The same container, read again from its start.
    let mut args = vec![c.0.as_str(), "--policy", common::path_str(&policy)];
    args.extend_from_slice(&gate);
    let (code, r, stderr) = common::tail_json(&args);
    assert_eq!(code, Some(0), "{stderr}");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "locale.no-system-locales")
        .unwrap();
    assert_eq!(
        f["accepted"]["reason"],
        "Alpine-like image: ICU collations are used."
    );
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn inspect_checks_raise_their_entries_with_the_catalogued_evidence() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run(
        "checks",
        &[
            "-e",
            "POSTGRES_HOST_AUTH_METHOD=trust",
            "-e",
            "POSTGRES_PASSWORD=inline",
            "--health-cmd",
            "pg_isready",
            ALPINE_LIKE,
        ],
    );
    let (_, r, stderr) = common::tail_json(&[&c.0, "--until-ready", "--timeout", "120s"]);
    let cat = pgtriage::catalogue::Catalogue::embedded().unwrap();
    for id in [
        "container.env-trust",
        "container.password-inline",
        "container.healthcheck-no-user",
        "container.healthcheck-socket-only",
        "container.shm-default",
        "container.stop-timeout-short",
    ] {
        let got = sample_of(&r, id).unwrap_or_else(|| panic!("{id} not raised: {stderr}"));
        assert_catalogued(&cat, id, got);
    }
    // The entrypoint's trust banner is in the log too.
    assert_eq!(common::finding_counts(&r).get("auth.trust-host"), Some(&1));
    let no_hc = Container::run("nohc", &["-e", "POSTGRES_PASSWORD=x", DEBIAN]);
    let (_, r, _) = common::tail_json(&[&no_hc.0, "--until-ready", "--timeout", "120s"]);
    assert_eq!(
        sample_of(&r, "container.no-healthcheck"),
        Some("no healthcheck configured")
    );
}

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

fn scrape(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

fn counter(metrics: &str, prefix: &str) -> u64 {
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
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
    while counter(&after, &series) < 3 && start.elapsed() < Duration::from_secs(60) {
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
fn an_unreachable_daemon_or_a_missing_container_exits_2_with_a_reason() {
    if !common::require_docker() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(["tail", "db"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("DOCKER_HOST=unix:///nonexistent/docker.sock"),
        "{err}"
    );

    let out = common::pgtriage(&["tail", "pgtriage-no-such-container"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no container named"));
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

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn a_tty_container_is_read_as_one_stream() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run(
        "tty",
        &["-t", "-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE],
    );
    let (code, r, stderr) = common::tail_json(&[&c.0, "--until-ready", "--timeout", "120s"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(r["inputs"][0]["prefix"], "%m [%p] ");
    let ids = common::finding_counts(&r);
    assert_eq!(ids.get("locale.no-system-locales"), Some(&1), "{ids:?}");
    assert_eq!(ids.get("auth.trust-local"), Some(&1), "{ids:?}");
}
