//! What a container's configuration says before its log does: the checks `tail` makes on
//! `docker inspect` and `lint` makes on a Compose service, over one neutral model.

use super::{finding, key, CheckFinding};

/// The part of a container's configuration the checks read, however it was obtained.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    /// `NAME=value` pairs, in order.
    pub env: Vec<(String, String)>,
    /// The healthcheck's test in Docker's list form (`["CMD-SHELL", "..."]`); `None` when
    /// none is configured. `["NONE"]` disables the image's.
    pub healthcheck: Option<Vec<String>>,
    /// /dev/shm in bytes; `None` for Docker's default.
    pub shm_size: Option<i64>,
    /// Seconds between SIGINT and SIGKILL on stop; `None` for Docker's default.
    pub stop_timeout: Option<i64>,
    pub image: Option<String>,
}

impl ContainerSpec {
    /// The value of an environment variable, if set.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Docker's default /dev/shm, which parallel queries outgrow.
pub const DEFAULT_SHM: i64 = 64 * 1024 * 1024;
/// Below this, a busy server's shutdown checkpoint may not finish before SIGKILL.
const MIN_STOP_TIMEOUT: i64 = 30;

/// The checks that hold for a container's configuration.
pub fn checks(c: &ContainerSpec) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    environment(c, &mut out);
    healthcheck(c, &mut out);
    let shm = c.shm_size.unwrap_or(DEFAULT_SHM);
    if shm <= DEFAULT_SHM {
        out.push(finding(
            "shm-default",
            format!("/dev/shm is {} MiB", shm / (1024 * 1024)),
            key(&["shm_size"]),
        ));
    }
    if c.stop_timeout.is_none_or(|s| s < MIN_STOP_TIMEOUT) {
        out.push(finding(
            "stop-timeout-short",
            match c.stop_timeout {
                Some(s) => format!("stop timeout is {s} s"),
                None => "stop timeout is Docker's default 10 s".into(),
            },
            key(&["stop_grace_period"]),
        ));
    }
    if let Some(image) = c.image.as_deref() {
        if !is_pinned(image) {
            out.push(finding(
                "image-unpinned",
                format!("image {image} is not pinned"),
                key(&["image"]),
            ));
        }
    }
    out
}

/// What the image's environment variables say about authentication.
fn environment(c: &ContainerSpec, out: &mut Vec<CheckFinding>) {
    if c.var("POSTGRES_HOST_AUTH_METHOD")
        .is_some_and(|v| v.eq_ignore_ascii_case("trust"))
    {
        out.push(finding(
            "env-host-auth-trust",
            "environment sets POSTGRES_HOST_AUTH_METHOD=trust".into(),
            key(&["environment", "POSTGRES_HOST_AUTH_METHOD"]),
        ));
    }
    if c.var("POSTGRES_PASSWORD").is_some_and(|v| !v.is_empty()) {
        out.push(finding(
            "env-password-inline",
            "environment sets POSTGRES_PASSWORD=[redacted] (not POSTGRES_PASSWORD_FILE)".into(),
            key(&["environment", "POSTGRES_PASSWORD"]),
        ));
    }
}

/// Whether a healthcheck is there, and whether its pg_isready names the user and host.
fn healthcheck(c: &ContainerSpec, out: &mut Vec<CheckFinding>) {
    let test = c.healthcheck.as_deref().unwrap_or_default();
    if test.is_empty() || test.first().is_some_and(|t| t == "NONE") {
        out.push(finding(
            "healthcheck-missing",
            "no healthcheck configured".into(),
            key(&["healthcheck"]),
        ));
        return;
    }
    let command = test[1..].join(" ");
    if !command.contains("pg_isready") {
        return;
    }
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
            key(&["healthcheck", "test"]),
        ));
    }
    if !has("-h", "--host") {
        out.push(finding(
            "healthcheck-no-host",
            format!("healthcheck runs pg_isready without -h: {command}"),
            key(&["healthcheck", "test"]),
        ));
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

    #[test]
    fn a_compose_style_spec_raises_the_same_checks_as_inspect() {
        let spec = ContainerSpec {
            env: vec![("POSTGRES_HOST_AUTH_METHOD".into(), "trust".into())],
            healthcheck: Some(vec!["CMD-SHELL".into(), "pg_isready".into()]),
            shm_size: None,
            stop_timeout: Some(10),
            image: Some("postgres:17".into()),
        };
        let got: Vec<_> = checks(&spec).iter().map(|c| c.check).collect();
        assert_eq!(
            got,
            [
                "env-host-auth-trust",
                "healthcheck-no-user",
                "healthcheck-no-host",
                "shm-default",
                "stop-timeout-short",
                "image-unpinned"
            ]
        );
    }
}
