//! The prod example booted as shipped: healthy only once the real server is up, clean at
//! the gate, refusing every login pg_hba.conf refuses, and monitored with the metric names
//! its alert rules use.

use super::boot::{compose_with_docker, health, secret, wait_healthy_checking_init, Project};
use super::monitoring;
use super::{
    at_least_warning, common, examples, findings, gate_args, pretty, psql, psql_login, run_ok,
    text, TEST_IMAGE,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[test]
#[ignore = "slow: needs Docker, docker-compose 1.29, the test image, psql and prometheus-postgres-exporter; boots the example for minutes"]
fn prod_example_boots_clean_refuses_bad_logins_and_is_monitored() {
    let Some(dc) = compose_with_docker() else {
        return;
    };
    let p = project(dc);
    let id = p.up_on_loopback("db");
    healthy_only_after_init(&id);

    let policy = examples().join("prod/.pgtriage.toml");
    let policy = common::path_str(&policy);
    gate_passes(&id, policy);

    // Logins over TCP through the loopback-published port.
    let port: u16 = p
        .compose_ok(&["port", "db", "5432"])
        .trim()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .expect("published port");
    let monitoring_pw = secret(p.path(), "monitoring_password");
    let superuser_pw = secret(p.path(), "postgres_password");
    if let Some(psql) = psql() {
        bad_logins_are_refused(&psql, port, &monitoring_pw, &superuser_pw);
        refused_logins_are_reported(&id, policy);
    }

    let rules = std::fs::read_to_string(examples().join("prod/alerts.yml")).unwrap();
    if let Some(exporter) = common::require_tool("prometheus-postgres-exporter") {
        monitoring::exporter_serves_what_the_rules_use(&exporter, port, &monitoring_pw, &rules);
    }
    monitoring::pgtriage_serves_what_the_rules_use(&id, &rules);
}

/// The prod project with the image swapped for the local test image; a loopback-only port
/// with a random host side (prod publishes none); an init script that keeps the init phase
/// busy long enough for a healthcheck probe to run during it; the secrets made as the
/// example's README says.
fn project(dc: PathBuf) -> Project {
    let override_yaml = format!(
        "services:\n  db:\n    image: {TEST_IMAGE}\n    ports:\n      - \"127.0.0.1::5432\"\n    volumes:\n      - ./test-slow-init.sh:/docker-entrypoint-initdb.d/99-test-slow-init.sh:ro\n"
    );
    let p = Project::new(dc, "prod", &override_yaml, &[]);
    std::fs::write(
        p.path().join("test-slow-init.sh"),
        "echo 'test: init script sleeping 14s'\nsleep 14\n",
    )
    .unwrap();
    run_ok(Command::new("bash").arg(p.path().join("make-secrets.sh")));
    p
}

/// The healthcheck: not healthy during init, healthy after the real ready line.
fn healthy_only_after_init(id: &str) {
    let probe_failed_during_init = wait_healthy_checking_init(id, Duration::from_secs(150));
    assert!(
        probe_failed_during_init,
        "no healthcheck probe failed while the init scripts ran:\n{}",
        pretty(&health(id))
    );
    let probes = health(id)["Log"].clone();
    assert!(
        probes
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["Output"].as_str().unwrap_or("").contains("no response")),
        "the failing probe should be pg_isready's 'no response' (TCP not listening yet): {}",
        pretty(&probes)
    );
}

/// The gate, exactly as the example's policy says to run it, in the table and in JSON.
fn gate_passes(id: &str, policy: &str) {
    let gate = gate_args(id, "prod", policy);
    let mut table = vec!["tail"];
    table.extend_from_slice(&gate);
    let out = common::pgtriage(&table);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (code, report, stderr) = common::tail_json(&gate);
    assert_eq!(code, Some(0), "{stderr}\n{}", pretty(&report["findings"]));
    let ids: BTreeSet<String> = findings(&report)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        findings(&report).iter().all(|f| !at_least_warning(f)),
        "prod settings should raise nothing at warning or above: {}",
        pretty(&report["findings"])
    );
    assert!(
        report["unclassified"].as_array().unwrap().is_empty(),
        "{}",
        pretty(&report["unclassified"])
    );
    assert!(ids.contains("server.ready"), "{ids:?}");
}

/// Only the monitoring role logs in over the network, only over TLS, only with its password.
fn bad_logins_are_refused(psql: &Path, port: u16, monitoring_pw: &str, superuser_pw: &str) {
    let (ok, out) = psql_login(psql, port, "monitoring", None, "require");
    assert!(
        !ok && out.contains("no password supplied"),
        "password-less login: {out}"
    );
    let (ok, out) = psql_login(
        psql,
        port,
        "monitoring",
        Some("not-the-password"),
        "require",
    );
    assert!(
        !ok && out.contains("password authentication failed for user \"monitoring\""),
        "wrong password: {out}"
    );
    let (ok, out) = psql_login(psql, port, "postgres", Some(superuser_pw), "require");
    assert!(
        !ok && out.contains("pg_hba.conf rejects connection"),
        "the superuser must not log in over the network, even with its password: {out}"
    );
    let (ok, out) = psql_login(psql, port, "monitoring", Some(monitoring_pw), "disable");
    assert!(
        !ok && out.contains("no pg_hba.conf entry"),
        "TCP without TLS: {out}"
    );
    let (ok, out) = psql_login(psql, port, "monitoring", Some(monitoring_pw), "require");
    assert!(ok, "the monitoring role over TLS: {out}");
    assert_eq!(
        out, "monitoring|f|t|t",
        "not superuser, member of pg_monitor, over TLS"
    );
}

/// pgtriage sees the refused logins in the log.
fn refused_logins_are_reported(id: &str, policy: &str) {
    let (code, report, stderr) = common::tail_json(&[
        id,
        "--no-follow",
        "--env",
        "prod",
        "--policy",
        policy,
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let ids: BTreeSet<String> = findings(&report)
        .iter()
        .filter(|f| f["gating"] == true)
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    for id in ["auth.password-failed", "auth.no-hba-entry"] {
        assert!(ids.contains(id), "{id} not reported: {}", pretty(&report));
    }
}
