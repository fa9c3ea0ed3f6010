//! One Compose service read as a container: which services run PostgreSQL, and the
//! neutral models the checks take (src/checks/), built from the service's keys and the
//! configuration files it mounts.

use super::interpolate::parse_env_file;
use super::merge::volume_target;
use super::units::{bytes, seconds};
use super::Project;
use crate::checks::container::ContainerSpec;
use crate::checks::server::{parse_conf, parse_hba, ServerConfig, Setting};
use crate::checks::{key, ConfigFile};
use serde_yaml_ng::{Mapping, Value};
use std::collections::HashMap;
use std::path::PathBuf;

/// Repository names of images that are PostgreSQL servers.
const SERVER_IMAGES: &[&str] = &["postgres", "postgresql", "postgis", "pgvector"];
/// Variables only the official image's entrypoint (and images built on it) reads.
const ENTRYPOINT_VARS: &[&str] = &[
    "POSTGRES_PASSWORD",
    "POSTGRES_PASSWORD_FILE",
    "POSTGRES_HOST_AUTH_METHOD",
    "POSTGRES_INITDB_ARGS",
];

/// Brings `environment` to mapping form (`- NAME=value` items become keys).
pub fn normalise(svc: &mut Mapping) -> Result<(), String> {
    let Some(env) = svc.get_mut("environment") else {
        return Ok(());
    };
    let map = match env {
        Value::Mapping(_) => return Ok(()),
        Value::Sequence(items) => items
            .iter()
            .map(|i| match i.as_str() {
                Some(s) => Ok(match s.split_once('=') {
                    Some((k, v)) => (Value::from(k), Value::from(v)),
                    None => (Value::from(s), Value::Null),
                }),
                None => Err("environment items must be NAME=value strings".to_string()),
            })
            .collect::<Result<Mapping, _>>()?,
        _ => return Err("environment must be a mapping or a list".into()),
    };
    *env = Value::Mapping(map);
    Ok(())
}

/// Whether the service runs a PostgreSQL server: its image's repository is one of
/// `SERVER_IMAGES` or starts with `timescaledb`, or (for a built or renamed image) its
/// environment sets a variable of the official image's entrypoint.
pub fn is_postgres(svc: &Mapping) -> bool {
    let image = svc.get("image").and_then(Value::as_str).unwrap_or_default();
    let repo = image.split(['@']).next().unwrap_or_default();
    let repo = repo.rsplit('/').next().unwrap_or_default();
    let repo = repo.split(':').next().unwrap_or_default();
    let env = svc.get("environment").and_then(Value::as_mapping);
    SERVER_IMAGES.contains(&repo)
        || repo.starts_with("timescaledb")
        || env.is_some_and(|e| ENTRYPOINT_VARS.iter().any(|v| e.contains_key(*v)))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The container the service describes, as the checks read it.
pub fn container_spec(svc: &Mapping, project: &Project) -> Result<ContainerSpec, String> {
    let mut env: Vec<(String, String)> = Vec::new();
    for f in list_of(svc.get("env_file")) {
        let path = project.dir.join(&f);
        let t = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "env_file {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            )
        })?;
        env.extend(parse_env_file(&t));
    }
    if let Some(Value::Mapping(m)) = svc.get("environment") {
        for (k, v) in m {
            let name = text(k).unwrap_or_default();
            // `NAME` alone takes the value from the environment Compose runs in.
            let value = match v {
                Value::Null => project.vars.get(&name),
                v => text(v),
            };
            if let Some(value) = value {
                env.retain(|(n, _)| *n != name);
                env.push((name, value));
            }
        }
    }
    let healthcheck = svc.get("healthcheck").and_then(|h| {
        if h.get("disable").and_then(Value::as_bool) == Some(true) {
            return Some(vec!["NONE".to_string()]);
        }
        match h.get("test")? {
            Value::String(s) => Some(vec!["CMD-SHELL".into(), s.clone()]),
            Value::Sequence(items) => Some(items.iter().filter_map(text).collect()),
            _ => None,
        }
    });
    Ok(ContainerSpec {
        env,
        healthcheck,
        shm_size: svc.get("shm_size").and_then(bytes),
        stop_timeout: svc
            .get("stop_grace_period")
            .and_then(Value::as_str)
            .and_then(seconds),
        image: svc.get("image").and_then(Value::as_str).map(str::to_string),
    })
}

/// A string or a list of strings (`env_file`, `command`).
fn list_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| text(i).or_else(|| i.get("path").and_then(text)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The server configuration the service mounts, and where each file is on the host.
pub fn server_config(
    svc: &Mapping,
    spec: &ContainerSpec,
    project: &Project,
) -> Result<(ServerConfig, HashMap<ConfigFile, PathBuf>), String> {
    let mounts = bind_mounts(svc, project);
    let command: Vec<String> = match svc.get("command") {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        v => list_of(v),
    };
    let options: Vec<Setting> = command
        .iter()
        .filter_map(|w| w.split_once('='))
        .filter(|(n, _)| !n.starts_with('-'))
        .map(|(n, v)| Setting {
            name: n.to_ascii_lowercase(),
            value: v.trim_matches(['\'', '"']).to_string(),
            at: key(&["command"]),
        })
        .collect();
    let wanted = |name: &str, suffix: &str| {
        let target = options
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.clone());
        mounts.iter().find(|(_, t)| match &target {
            Some(t2) => t == t2,
            None => t.ends_with(suffix),
        })
    };
    let mut files = HashMap::new();
    let major = image_major(spec.image.as_deref().unwrap_or_default());
    let mut config = ServerConfig {
        memory_limit: svc
            .get("mem_limit")
            .or_else(|| {
                svc.get("deploy")?
                    .get("resources")?
                    .get("limits")?
                    .get("memory")
            })
            .and_then(bytes),
        initdb_args: spec.var("POSTGRES_INITDB_ARGS").map(str::to_string),
        major,
        shm_size: spec.shm_size,
        data_volume: super::volume::data_volume(svc, spec, major, project),
        ..Default::default()
    };
    if let Some((host, _)) = wanted("config_file", "/postgresql.conf") {
        config.settings = parse_conf(&read_mounted(host)?);
        files.insert(ConfigFile::PostgresqlConf, host.clone());
    }
    config.settings.extend(options);
    let hba_target = config.setting("hba_file").map(|s| s.value.clone());
    if let Some((host, _)) = mounts.iter().find(|(_, t)| match &hba_target {
        Some(h) => t == h,
        None => t.ends_with("/pg_hba.conf"),
    }) {
        config.hba = Some(parse_hba(&read_mounted(host)?));
        files.insert(ConfigFile::PgHba, host.clone());
    }
    Ok((config, files))
}

fn read_mounted(host: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(host).map_err(|e| {
        format!(
            "mounted file {}: {}",
            host.display(),
            crate::error::io_reason(&e)
        )
    })
}

/// Bind mounts of host files: (host path, container path).
fn bind_mounts(svc: &Mapping, project: &Project) -> Vec<(PathBuf, String)> {
    let Some(Value::Sequence(vols)) = svc.get("volumes") else {
        return Vec::new();
    };
    vols.iter()
        .filter_map(|v| {
            let source = match v {
                Value::String(s) => s.split(':').next()?.to_string(),
                Value::Mapping(m) => m.get("source")?.as_str()?.to_string(),
                _ => return None,
            };
            let bind = source.starts_with(['.', '/', '~']);
            bind.then(|| {
                (
                    project.dir.join(&source),
                    volume_target(v).unwrap_or_default(),
                )
            })
        })
        .collect()
}

/// The major version a tag names (`postgres:17.2-bookworm` → 17).
fn image_major(image: &str) -> Option<u32> {
    let tag = image.rsplit_once(':')?.1;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_majors() {
        assert_eq!(image_major("postgres:17.2-bookworm"), Some(17));
        assert_eq!(image_major("postgres"), None);
    }

    #[test]
    fn postgres_services_by_image_or_entrypoint_variables() {
        let svc = |y: &str| -> Mapping { serde_yaml_ng::from_str(y).unwrap() };
        assert!(is_postgres(&svc("image: postgres:17")));
        assert!(is_postgres(&svc(
            "image: docker.io/library/postgres@sha256:ab"
        )));
        assert!(is_postgres(&svc("image: postgis/postgis:16-3.4")));
        assert!(!is_postgres(&svc(
            "image: prometheuscommunity/postgres-exporter:v0.17.1"
        )));
        assert!(is_postgres(&svc(
            "build: .\nenvironment: {POSTGRES_PASSWORD_FILE: /x}"
        )));
    }
}
