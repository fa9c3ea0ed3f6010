//! Compose projects in tests: the Compose Specification's JSON Schema (shared data:
//! compose-spec/compose-spec.json), which every Compose file the project ships or writes
//! must match, and pgtriage run in a project's directory.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Variables the fixtures in tests/compose/ read: unset unless a test sets them.
const FIXTURE_VARS: &[&str] = &[
    "PGTRIAGE_ENV",
    "AUTH_METHOD",
    "DB_PASSWORD",
    "PG_MAJOR",
    "TAG",
];

/// Runs the binary in `dir` (where Compose files are found), with `env` set.
pub fn pgtriage_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtriage"));
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    for v in FIXTURE_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run pgtriage")
}

/// docker-compose 1.29 and the Compose Specification accept every Compose file of `dir`.
pub fn assert_valid_compose(dir: &Path) {
    let schema = schema();
    let dc = super::require_tool("docker-compose");
    for f in pgtriage::compose::default_files(dir).unwrap() {
        let yaml = std::fs::read_to_string(&f).unwrap();
        if let Some(schema) = &schema {
            assert_schema(schema, &f, &yaml);
        }
    }
    if let Some(dc) = dc {
        let out = Command::new(dc)
            .args(["config", "-q"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker-compose config: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The Compose Specification accepts the Compose file `path` (text `yaml`).
pub fn assert_schema(schema: &Value, path: &Path, yaml: &str) {
    let doc: Value = serde_yaml_ng::from_str(yaml).unwrap();
    let errors = errors(schema, &doc);
    assert!(errors.is_empty(), "{}: {errors:#?}\n{yaml}", path.display());
}

/// A copy of tests/compose/`name` (subdirectories too) in a temporary directory.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                std::fs::create_dir(&target).unwrap();
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&super::repo().join("tests/compose").join(name), dir.path());
    dir
}

/// The schema, ready for a draft-07 validator; `None` (a skip, or a failure under CI) when
/// the shared data is missing.
pub fn schema() -> Option<Value> {
    let path = super::shared_file("compose-spec/compose-spec.json")?;
    let text = std::fs::read_to_string(&path).expect("read compose-spec.json");
    let mut schema: Value = serde_json::from_str(&text).expect("compose-spec.json is JSON");
    // Its `$schema` is draft-07 spelt without the trailing `#`, which the validator would
    // try to fetch over HTTP; the draft is chosen explicitly below instead.
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    Some(schema)
}

/// Where `doc` (a Compose file read as JSON) breaks the schema.
pub fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("the Compose schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path))
        .collect()
}
