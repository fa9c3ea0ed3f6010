//! The dev example booted as shipped: every warning it raises is accepted with a reason,
//! every acceptance is used and is something prod refuses, and TCP logins still need the
//! password.

use super::boot::{compose_with_docker, wait_healthy, Project};
use super::{
    at_least_warning, common, examples, findings, gate_args, pretty, psql, psql_login, TEST_IMAGE,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

#[test]
#[ignore = "slow: needs Docker, docker-compose 1.29, the test image and psql; boots the example"]
fn dev_example_boots_and_every_warning_is_accepted_with_a_reason() {
    let Some(dc) = compose_with_docker() else {
        return;
    };
    let port = common::free_port();
    let override_yaml = format!("services:\n  db:\n    image: {TEST_IMAGE}\n");
    let p = Project::new(dc, "dev", &override_yaml, &[("PG_PORT", port.to_string())]);
    let id = p.up_on_loopback("db");
    wait_healthy(&id, Duration::from_secs(300));

    let path = examples().join("dev/.pgtriage.toml");
    let report = gate_passes_with_reasons(&id, common::path_str(&path));
    let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    every_acceptance_is_used(&report, &table);
    prod_refuses_what_dev_accepts(&id, &table);

    // TCP logins ask for the password in dev too.
    if let Some(psql) = psql() {
        logins_need_the_password(&psql, port);
    }
}

/// The gate passes, every finding at warning or above carrying its accepted reason; the
/// report.
fn gate_passes_with_reasons(id: &str, policy: &str) -> Value {
    let (code, report, stderr) = common::tail_json(&gate_args(id, "dev", policy));
    assert_eq!(code, Some(0), "{stderr}\n{}", pretty(&report["findings"]));
    for f in findings(&report).iter().filter(|f| at_least_warning(f)) {
        let reason = f["accepted"]["reason"].as_str().unwrap_or("");
        assert!(
            !reason.is_empty(),
            "warning-or-worse finding without an accepted reason: {}",
            pretty(f)
        );
    }
    assert!(
        report["unclassified"].as_array().unwrap().is_empty(),
        "{}",
        pretty(&report["unclassified"])
    );
    report
}

/// Each acceptance in the dev policy is used: the dev settings do produce that finding (a
/// stale acceptance would hide nothing and document nothing).
fn every_acceptance_is_used(report: &Value, table: &toml::Table) {
    for a in table["accept"].as_array().unwrap() {
        let accepted_id = a["id"].as_str().unwrap();
        let f = findings(report)
            .into_iter()
            .find(|f| f["id"] == accepted_id)
            .unwrap_or_else(|| {
                panic!("{accepted_id} is accepted but the dev settings do not produce it")
            });
        assert_eq!(
            f["accepted"]["reason"].as_str(),
            a["reason"].as_str(),
            "{}",
            pretty(&f)
        );
    }
}

/// The same settings judged as production fail, for exactly the accepted reasons.
fn prod_refuses_what_dev_accepts(id: &str, table: &toml::Table) {
    let (code, report, _) = common::tail_json(&[
        id,
        "--no-follow",
        "--env",
        "prod",
        "--no-policy",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code, Some(1));
    let gating: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gating"] == true)
        .filter_map(|f| f["id"].as_str())
        .collect();
    let accepted: BTreeSet<&str> = table["accept"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(
        gating.is_superset(&accepted),
        "every dev acceptance must be something prod refuses: {}",
        pretty(&report["findings"])
    );
}

/// The superuser logs in over the loopback port with its password, and not with another.
fn logins_need_the_password(psql: &Path, port: u16) {
    let (ok, out) = psql_login(psql, port, "postgres", Some("dev-only-password"), "disable");
    assert!(ok, "dev superuser over the loopback port: {out}");
    let (ok, out) = psql_login(psql, port, "postgres", Some("wrong"), "disable");
    assert!(
        !ok && out.contains("password authentication failed"),
        "{out}"
    );
}
