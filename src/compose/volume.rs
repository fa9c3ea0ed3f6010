//! The mount that holds a PostgreSQL service's data directory, and its size when the
//! Compose file declares one: a tmpfs (the service's `tmpfs:`, or a `type: tmpfs` volume
//! with `tmpfs.size`), or a named volume whose driver options make a sized tmpfs. Other
//! volumes live on the host's disk, whose free space is not in the Compose file.

use super::merge::volume_target;
use super::units::bytes;
use super::Project;
use crate::checks::container::ContainerSpec;
use crate::checks::key;
use crate::checks::server::DataVolume;
use serde_yaml_ng::{Mapping, Value};

/// The official image's data directory: PGDATA, else its default (from 18 on, the major's
/// own directory under the volume at /var/lib/postgresql).
fn data_dir(spec: &ContainerSpec, major: Option<u32>) -> String {
    match (spec.var("PGDATA"), major) {
        (Some(d), _) => d.to_string(),
        (None, Some(m)) if m >= 18 => format!("/var/lib/postgresql/{m}/docker"),
        (None, _) => "/var/lib/postgresql/data".into(),
    }
}

/// A mount: its target, its size when declared, what it is and the service key that
/// declares it.
struct Mount {
    target: String,
    size: Option<i64>,
    what: String,
    key: &'static str,
}

/// `size=512m` among `,`-separated mount options.
fn size_option(options: &str) -> Option<i64> {
    options
        .split(',')
        .find_map(|o| o.trim().strip_prefix("size="))
        .and_then(|s| bytes(&Value::from(s)))
}

fn mounts(svc: &Mapping, project: &Project) -> Vec<Mount> {
    let mut out = Vec::new();
    let tmpfs = match svc.get("tmpfs") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    for t in tmpfs {
        let (target, options) = t.split_once(':').unwrap_or((&t, ""));
        out.push(Mount {
            target: target.to_string(),
            size: size_option(options),
            what: format!("the tmpfs at {target}"),
            key: "tmpfs",
        });
    }
    let vols = svc.get("volumes").and_then(Value::as_sequence);
    for v in vols.into_iter().flatten() {
        let Some(target) = volume_target(v) else {
            continue;
        };
        let long_type = v.get("type").and_then(Value::as_str);
        let size = if long_type == Some("tmpfs") {
            v.get("tmpfs").and_then(|t| t.get("size")).and_then(bytes)
        } else {
            let source = match v {
                Value::String(s) => s.split(':').next().filter(|_| s.contains(':')),
                _ => v.get("source").and_then(Value::as_str),
            };
            source.and_then(|name| named_volume_size(project, name))
        };
        let what = match long_type {
            Some("tmpfs") => format!("the tmpfs at {target}"),
            _ => format!("the volume at {target}"),
        };
        out.push(Mount {
            target,
            size,
            what,
            key: "volumes",
        });
    }
    out
}

/// A top-level named volume made as a sized tmpfs (`driver_opts: {type: tmpfs, o: size=…}`).
fn named_volume_size(project: &Project, name: &str) -> Option<i64> {
    let opts = project.volumes.get(name)?.get("driver_opts")?;
    if opts.get("type").and_then(Value::as_str) != Some("tmpfs") {
        return None;
    }
    size_option(opts.get("o")?.as_str()?)
}

/// The mount the data directory is on (the deepest target above it), when its size is
/// declared.
pub fn data_volume(
    svc: &Mapping,
    spec: &ContainerSpec,
    major: Option<u32>,
    project: &Project,
) -> Option<DataVolume> {
    let dir = data_dir(spec, major);
    let under = |t: &str| {
        let t = t.trim_end_matches('/');
        dir == t || dir.starts_with(&format!("{t}/"))
    };
    let m = mounts(svc, project)
        .into_iter()
        .filter(|m| under(&m.target))
        .max_by_key(|m| m.target.len())?;
    Some(DataVolume {
        size: m.size?,
        what: m.what,
        at: key(&[m.key]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(svc: &str, top: &str) -> Option<(i64, String)> {
        let svc: Mapping = serde_yaml_ng::from_str(svc).unwrap();
        let project = Project {
            dir: ".".into(),
            files: Vec::new(),
            services: Mapping::new(),
            volumes: serde_yaml_ng::from_str(top).unwrap(),
            vars: Default::default(),
        };
        let spec = ContainerSpec::default();
        data_volume(&svc, &spec, Some(17), &project).map(|v| (v.size >> 20, v.what))
    }

    #[test]
    fn the_data_directorys_mount_and_its_declared_size() {
        let tmpfs = "tmpfs: ['/var/lib/postgresql/data:size=512m,mode=700']";
        assert_eq!(
            volume(tmpfs, "{}"),
            Some((512, "the tmpfs at /var/lib/postgresql/data".into()))
        );
        let long = "volumes: [{type: tmpfs, target: /var/lib/postgresql, tmpfs: {size: 1g}}]";
        assert_eq!(volume(long, "{}").map(|v| v.0), Some(1024));
        let named = "volumes: ['pgdata:/var/lib/postgresql/data']";
        let sized =
            "pgdata: {driver: local, driver_opts: {type: tmpfs, device: tmpfs, o: 'size=256m'}}";
        assert_eq!(volume(named, sized).map(|v| v.0), Some(256));
        assert_eq!(volume(named, "pgdata: {}"), None);
        assert_eq!(volume("tmpfs: /run", "{}"), None);
        assert_eq!(volume("tmpfs: /var/lib/postgresql/data", "{}"), None);
    }
}
