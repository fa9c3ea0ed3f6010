//! The compose files against docker-compose 1.29 and the Compose Specification.

use super::common::compose::{errors as schema_errors, schema as compose_spec};
use super::{compose_file, docker_compose, run, run_ok, text, ENVS};
use serde_json::Value;
use std::process::Command;

#[test]
#[ignore = "slow: needs docker-compose 1.29 (scripts/install-example-tools.sh)"]
fn docker_compose_1_29_accepts_every_compose_file() {
    let Some(dc) = docker_compose() else { return };
    let version = run_ok(Command::new(&dc).arg("version").arg("--short"));
    eprintln!(
        "docker-compose {}",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    for env in ENVS {
        let file = compose_file(env);
        let out = run(Command::new(&dc)
            .arg("-f")
            .arg(&file)
            .args(["config", "-q"])
            .env_remove("PG_PORT")
            .env_remove("EXPORTER_PORT"));
        assert!(out.status.success(), "{}: {}", file.display(), text(&out));
        // No warnings either (an unset variable without a default, an ignored key ...).
        assert!(
            out.stderr.is_empty(),
            "{}: docker-compose warns:\n{}",
            file.display(),
            text(&out)
        );
    }
}

/// Why the examples leave healthcheck.start_interval out (docs/guides/healthchecks.md):
/// the Compose Specification has it, docker-compose 1.29 refuses the file.
#[test]
#[ignore = "slow: needs docker-compose 1.29 (scripts/install-example-tools.sh)"]
fn docker_compose_1_29_rejects_start_interval() {
    let Some(dc) = docker_compose() else { return };
    let version = run_ok(Command::new(&dc).args(["version", "--short"]));
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    if !version.starts_with("1.") {
        eprintln!("note: docker-compose {version} is not 1.x; nothing to show about 1.29");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(compose_file("prod")).unwrap();
    let with = original.replacen(
        "      start_period: 120s\n",
        "      start_period: 120s\n      start_interval: 2s\n",
        1,
    );
    assert_ne!(
        with, original,
        "start_period line not found in prod/docker-compose.yml"
    );
    let file = dir.path().join("docker-compose.yml");
    std::fs::write(&file, &with).unwrap();
    let out = run(Command::new(&dc)
        .arg("-f")
        .arg(&file)
        .args(["config", "-q"]));
    assert!(
        !out.status.success() && text(&out).contains("start_interval"),
        "docker-compose 1.29 was expected to reject start_interval:\n{}",
        text(&out)
    );
    // ... while the specification accepts it.
    if let Some(schema) = compose_spec() {
        let doc: Value = serde_yaml_ng::from_str(&with).unwrap();
        let errors = schema_errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn every_compose_file_matches_the_compose_specification() {
    let Some(schema) = compose_spec() else { return };
    for env in ENVS {
        let file = compose_file(env);
        let yaml = std::fs::read_to_string(&file).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&yaml)
            .unwrap_or_else(|e| panic!("{}: not YAML: {e}", file.display()));
        let errors = schema_errors(&schema, &doc);
        assert!(
            errors.is_empty(),
            "{} does not match the Compose Specification:\n{}",
            file.display(),
            errors.join("\n")
        );
    }
    // The validator does bite: a misspelt healthcheck key is refused.
    let yaml = std::fs::read_to_string(compose_file("prod"))
        .unwrap()
        .replacen("start_period:", "start_periode:", 1);
    let doc: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert!(!schema_errors(&schema, &doc).is_empty());
}
