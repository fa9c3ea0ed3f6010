//! Configuration checks, each named in a catalogue entry's `checks`, so a problem found in
//! a container's or a Compose file's configuration is explained and remediated like any
//! log event. They run on small neutral models, so that `tail` (a running container's
//! `docker inspect`) and `lint` (a Compose file read before anything runs) raise the same
//! entries with the same evidence.

pub mod container;
pub mod server;

/// One configuration problem, with the evidence (never a secret's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    pub check: &'static str,
    pub evidence: String,
    /// What the evidence is about, for `lint` to point at: a key path in the Compose
    /// service (`environment.POSTGRES_PASSWORD`), or a line of a mounted file.
    pub at: Where,
}

/// Where a finding's cause is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Where {
    /// A key of the container's configuration, as a path below the Compose service; the
    /// empty path is the service itself.
    Key(Vec<String>),
    /// A line (1-based) of a mounted configuration file, by its role.
    File(ConfigFile, usize),
}

/// The mounted server configuration files lint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigFile {
    PostgresqlConf,
    PgHba,
}

/// Every check pgtriage implements; a test holds the catalogue to exactly this list, and
/// `tail` resolves each one's entry at start.
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
    "initdb-auth-local-trust",
    "initdb-no-checksums",
    "initdb-locale-libc",
    "hba-trust-local",
    "hba-trust-network",
    "shared-buffers-over-limit",
    "log-prefix-incomplete",
];

pub(crate) fn finding(check: &'static str, evidence: String, at: Where) -> CheckFinding {
    debug_assert!(CHECKS.contains(&check));
    CheckFinding {
        check,
        evidence,
        at,
    }
}

/// A path below the Compose service, from its words.
pub(crate) fn key(path: &[&str]) -> Where {
    Where::Key(path.iter().map(|s| s.to_string()).collect())
}
