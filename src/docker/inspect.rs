//! What `docker inspect` says about a running container, turned into the neutral model the
//! configuration checks read (src/checks/container.rs), plus what only a running
//! container has: its state (an OOM kill).

use crate::checks::container::{self, ContainerSpec};
use crate::checks::{finding, key, CheckFinding};
use bollard::models::ContainerInspectResponse;

/// The container's configuration as the checks read it.
pub fn spec(c: &ContainerInspectResponse) -> ContainerSpec {
    let config = c.config.as_ref();
    ContainerSpec {
        env: config
            .and_then(|c| c.env.as_ref())
            .map(|e| {
                e.iter()
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.clone(), String::new()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        healthcheck: config
            .and_then(|c| c.healthcheck.as_ref())
            .and_then(|h| h.test.clone()),
        shm_size: c.host_config.as_ref().and_then(|h| h.shm_size),
        stop_timeout: config.and_then(|c| c.stop_timeout),
        image: config.and_then(|c| c.image.clone()),
    }
}

/// The checks that hold for a container's configuration and state.
pub fn checks(c: &ContainerInspectResponse) -> Vec<CheckFinding> {
    let mut out = container::checks(&spec(c));
    if c.state.as_ref().and_then(|s| s.oom_killed) == Some(true) {
        out.push(finding("oom-killed", oom_evidence(c), key(&[])));
    }
    out
}

/// The evidence of an OOM kill, with the exit code and memory limit.
pub fn oom_evidence(c: &ContainerInspectResponse) -> String {
    let code = c.state.as_ref().and_then(|s| s.exit_code).unwrap_or(0);
    let limit = c.host_config.as_ref().and_then(|h| h.memory).unwrap_or(0);
    if limit > 0 {
        format!(
            "OOMKilled: true, exit code {code}, memory limit {} MiB",
            limit / (1024 * 1024)
        )
    } else {
        format!("OOMKilled: true, exit code {code}, no memory limit")
    }
}
