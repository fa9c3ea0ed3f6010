//! `pgtriage tail` against the real Docker engine and the project's own test images
//! (scripts/build-test-image.sh, built once per run and cached by content hash).

#[path = "../common/mod.rs"]
mod common;

mod canaries;
mod closed_stdout;
mod engine_faults;
mod follow;
mod own_engine;

use common::docker::{docker, Container, ALPINE_LIKE, DEBIAN};
use std::process::Command;

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
        common::tail_json(&[&c.0, "--until-ready", "--env", "prod", "--timeout", "300s"]);
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
        common::tail_json(&[&c.0, "--until-ready", "--env", "prod", "--timeout", "300s"]);
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
        "300s",
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
    let (_, r, stderr) = common::tail_json(&[&c.0, "--until-ready", "--timeout", "300s"]);
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
    let (_, r, _) = common::tail_json(&[&no_hc.0, "--until-ready", "--timeout", "300s"]);
    assert_eq!(
        sample_of(&r, "container.no-healthcheck"),
        Some("no healthcheck configured")
    );
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
fn a_tty_container_is_read_as_one_stream() {
    if !common::require_docker() {
        return;
    }
    let c = Container::run(
        "tty",
        &["-t", "-e", "POSTGRES_PASSWORD=secret", ALPINE_LIKE],
    );
    let (code, r, stderr) = common::tail_json(&[&c.0, "--until-ready", "--timeout", "300s"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(r["inputs"][0]["prefix"], "%m [%p] ");
    let ids = common::finding_counts(&r);
    assert_eq!(ids.get("locale.no-system-locales"), Some(&1), "{ids:?}");
    assert_eq!(ids.get("auth.trust-local"), Some(&1), "{ids:?}");
}
