//! Combining Compose files as Compose does: a later `-f` file overrides an earlier one,
//! mappings merge key by key, and per service `environment` and `labels` merge by name,
//! `volumes` by target path, lists such as `ports` add up, and `command`, `entrypoint`
//! and `healthcheck.test` are replaced whole. `extends` merges the same way, the
//! extending service over its base.

use serde_yaml_ng::{Mapping, Value};

/// Service keys whose lists add up across files (duplicates dropped).
const APPENDED: &[&str] = &[
    "ports",
    "expose",
    "dns",
    "dns_search",
    "env_file",
    "secrets",
    "configs",
    "cap_add",
    "cap_drop",
    "devices",
    "tmpfs",
    "security_opt",
    "external_links",
    "links",
];

/// `over` merged into `base` at the top level of a Compose file.
pub fn merge_file(base: &mut Mapping, over: Mapping) {
    for (k, v) in over {
        match (k.as_str(), base.get_mut(&k), v) {
            (Some("services"), Some(Value::Mapping(mine)), Value::Mapping(theirs)) => {
                for (name, svc) in theirs {
                    match (mine.get_mut(&name), svc) {
                        (Some(Value::Mapping(m)), Value::Mapping(t)) => merge_service(m, t),
                        (_, svc) => {
                            mine.insert(name, svc);
                        }
                    }
                }
            }
            (_, Some(mine), theirs) => deep(mine, theirs),
            (_, None, theirs) => {
                base.insert(k, theirs);
            }
        }
    }
}

/// `over`'s keys merged into the service `base`.
pub fn merge_service(base: &mut Mapping, over: Mapping) {
    for (k, v) in over {
        let name = k.as_str().unwrap_or_default().to_string();
        match (base.get_mut(&k), v) {
            (Some(Value::Sequence(mine)), Value::Sequence(theirs)) if name == "volumes" => {
                for t in theirs {
                    let target = volume_target(&t);
                    match mine
                        .iter_mut()
                        .find(|m| target.is_some() && volume_target(m) == target)
                    {
                        Some(m) => *m = t,
                        None => mine.push(t),
                    }
                }
            }
            (Some(Value::Sequence(mine)), Value::Sequence(theirs))
                if APPENDED.contains(&name.as_str()) =>
            {
                for t in theirs {
                    if !mine.contains(&t) {
                        mine.push(t);
                    }
                }
            }
            (Some(mine), theirs) => deep(mine, theirs),
            (None, theirs) => {
                base.insert(k, theirs);
            }
        }
    }
}

/// Mappings merge key by key; anything else is replaced.
fn deep(mine: &mut Value, theirs: Value) {
    match (mine, theirs) {
        (Value::Mapping(m), Value::Mapping(t)) => {
            for (k, v) in t {
                match m.get_mut(&k) {
                    Some(slot) => deep(slot, v),
                    None => {
                        m.insert(k, v);
                    }
                }
            }
        }
        (slot, theirs) => *slot = theirs,
    }
}

/// A volume's path in the container: `src:target[:mode]`, or the long form's `target`.
pub fn volume_target(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let mut parts = s.split(':');
            let first = parts.next()?;
            Some(parts.next().unwrap_or(first).to_string())
        }
        Value::Mapping(m) => m.get("target")?.as_str().map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Mapping {
        serde_yaml_ng::from_str(s).unwrap()
    }

    #[test]
    fn overrides_merge_as_compose_does() {
        let mut base = yaml("services:\n  db:\n    image: a\n    environment: {A: '1', B: '2'}\n    ports: ['1:1']\n    volumes: ['./x:/x', 'd:/data']\n    command: [a, b]\n    healthcheck: {test: [CMD, x], interval: 5s}\n");
        let over = yaml("services:\n  db:\n    environment: {B: '3'}\n    ports: ['2:2']\n    volumes: ['./y:/x']\n    command: [c]\n    healthcheck: {test: [CMD, y]}\n  web: {image: w}\n");
        merge_file(&mut base, over);
        let want = yaml("services:\n  db:\n    image: a\n    environment: {A: '1', B: '3'}\n    ports: ['1:1', '2:2']\n    volumes: ['./y:/x', 'd:/data']\n    command: [c]\n    healthcheck: {test: [CMD, y], interval: 5s}\n  web: {image: w}\n");
        assert_eq!(base, want);
    }
}
