//! What a container's configuration says before its log does: checks on `docker inspect`.
//! Each check is named in a catalogue entry's `checks`, so it is explained and remediated
//! like any log event; the evidence string is that entry's sample.

use bollard::models::{ContainerConfig, ContainerInspectResponse};

/// One configuration problem, with the evidence (never a secret's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    pub check: &'static str,
    pub evidence: String,
}

/// Every check this module implements; a test holds the catalogue to exactly this list.
pub const CHECKS: &[&str] = &[
    "env-host-auth-trust",
    "env-password-inline",
    "healthcheck-missing",
    "healthcheck-no-user",
    "healthcheck-no-host",
    "shm-default",
    "stop-timeout-short",
    "image-unpinned",
    "oom-killed",
    "restarted",
];

/// Docker's default /dev/shm, which parallel queries outgrow.
const DEFAULT_SHM: i64 = 64 * 1024 * 1024;
/// Below this, a busy server's shutdown checkpoint may not finish before SIGKILL.
const MIN_STOP_TIMEOUT: i64 = 30;

fn finding(check: &'static str, evidence: String) -> CheckFinding {
    debug_assert!(CHECKS.contains(&check));
    CheckFinding { check, evidence }
}

/// The checks that hold for a container's configuration and state.
pub fn checks(c: &ContainerInspectResponse) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    let config = c.config.as_ref();
    environment(config, &mut out);
    healthcheck(config, &mut out);
    let host = c.host_config.as_ref();
    let shm = host.and_then(|h| h.shm_size).unwrap_or(DEFAULT_SHM);
    if shm <= DEFAULT_SHM {
        out.push(finding(
            "shm-default",
            format!("/dev/shm is {} MiB", shm / (1024 * 1024)),
        ));
    }
    let stop = config.and_then(|c| c.stop_timeout);
    if stop.is_none_or(|s| s < MIN_STOP_TIMEOUT) {
        out.push(finding(
            "stop-timeout-short",
            match stop {
                Some(s) => format!("stop timeout is {s} s"),
                None => "stop timeout is Docker's default 10 s".into(),
            },
        ));
    }
    if let Some(image) = config.and_then(|c| c.image.as_deref()) {
        if !is_pinned(image) {
            out.push(finding(
                "image-unpinned",
                format!("image {image} is not pinned"),
            ));
        }
    }
    if c.state.as_ref().and_then(|s| s.oom_killed) == Some(true) {
        out.push(finding("oom-killed", oom_evidence(c)));
    }
    out
}

/// What the image's environment variables say about authentication.
fn environment(config: Option<&ContainerConfig>, out: &mut Vec<CheckFinding>) {
    let env: Vec<&str> = config
        .and_then(|c| c.env.as_ref())
        .map(|e| e.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let var = |name: &str| {
        env.iter()
            .find_map(|e| e.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
    };
    if var("POSTGRES_HOST_AUTH_METHOD").is_some_and(|v| v.eq_ignore_ascii_case("trust")) {
        out.push(finding(
            "env-host-auth-trust",
            "environment sets POSTGRES_HOST_AUTH_METHOD=trust".into(),
        ));
    }
    if var("POSTGRES_PASSWORD").is_some_and(|v| !v.is_empty()) {
        out.push(finding(
            "env-password-inline",
            "environment sets POSTGRES_PASSWORD=[redacted] (not POSTGRES_PASSWORD_FILE)".into(),
        ));
    }
}

/// Whether a healthcheck is there, and whether its pg_isready names the user and host.
fn healthcheck(config: Option<&ContainerConfig>, out: &mut Vec<CheckFinding>) {
    let test: Vec<String> = config
        .and_then(|c| c.healthcheck.as_ref())
        .and_then(|h| h.test.clone())
        .unwrap_or_default();
    if test.is_empty() || test.first().is_some_and(|t| t == "NONE") {
        out.push(finding(
            "healthcheck-missing",
            "no healthcheck configured".into(),
        ));
    } else {
        let command = test[1..].join(" ");
        if command.contains("pg_isready") {
            let words: Vec<&str> = command.split_whitespace().collect();
            let has = |short: &str, long: &str| {
                words
                    .iter()
                    .any(|w| w.starts_with(short) || w.starts_with(long))
            };
            if !has("-U", "--username") {
                out.push(finding(
                    "healthcheck-no-user",
                    format!("healthcheck runs pg_isready without -U: {command}"),
                ));
            }
            if !has("-h", "--host") {
                out.push(finding(
                    "healthcheck-no-host",
                    format!("healthcheck runs pg_isready without -h: {command}"),
                ));
            }
        }
    }
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

/// A tag that names an exact release and base, or a digest. `postgres`, `postgres:latest`
/// and major-only tags such as `postgres:17` move: to a new minor, or to a new Debian
/// release whose glibc changes collation order under existing indexes.
pub fn is_pinned(image: &str) -> bool {
    if image.contains("@sha256:") {
        return true;
    }
    let name_end = image.rfind('/').map_or(0, |i| i + 1);
    let Some(colon) = image[name_end..].rfind(':') else {
        return false;
    };
    let tag = &image[name_end + colon + 1..];
    if tag == "latest" || tag.is_empty() {
        return false;
    }
    // A bare major (`17`) or alias moves; a minor (`17.2`) or a base suffix pins enough.
    tag.contains('.')
        || tag.contains('-')
        || !tag.chars().all(|c| c.is_ascii_digit())
            && !matches!(tag, "alpine" | "bookworm" | "trixie")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_tags() {
        for p in [
            "postgres:17.2-bookworm",
            "postgres:16-alpine3.20",
            "postgres@sha256:ab",
            "pgtriage-test-pg:debian-0c1",
        ] {
            assert!(is_pinned(p), "{p}");
        }
        for u in [
            "postgres",
            "postgres:latest",
            "postgres:17",
            "localhost:5000/postgres",
            "postgres:alpine",
        ] {
            assert!(!is_pinned(u), "{u}");
        }
    }
}
