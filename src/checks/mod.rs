//! Configuration checks, each named in a catalogue entry's `checks`, so a problem found in
//! a container's or a Compose file's configuration is explained and remediated like any
//! log event. They run on small neutral models, so that `tail` (a running container's
//! `docker inspect`) and `lint` (a Compose file read before anything runs) raise the same
//! entries with the same evidence.

pub mod container;
pub mod room;
pub mod server;

/// One configuration problem, with the evidence (never a secret's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    pub check: &'static str,
    pub evidence: String,
    /// What the evidence is about, for `lint` to point at: a key path in the Compose
    /// service (`environment.POSTGRES_PASSWORD`), or a line of a mounted file.
    pub at: Where,
    /// A value the check computed for its fix (a catalogue fix's `{suggested}`), when the
    /// right one depends on the configuration: the /dev/shm the parallel settings need.
    pub suggested: Option<String>,
}

impl CheckFinding {
    pub(crate) fn suggesting(mut self, value: Option<String>) -> CheckFinding {
        self.suggested = value;
        self
    }
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

/// What a group of checks reads, which says which command raises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The container's configuration: `tail` on `docker inspect`, `lint` on Compose.
    Configuration,
    /// A running container's state: `tail` only.
    State,
    /// The mounted server files and the room their settings need: `lint` only.
    ServerFiles,
}

/// Every check pgtriage implements, by what it reads; a test holds the catalogue to
/// exactly these, and `tail` resolves each one's entry at start.
pub const GROUPS: &[(Reads, &[&str])] = &[
    (
        Reads::Configuration,
        &[
            "env-host-auth-trust",
            "env-password-inline",
            "healthcheck-missing",
            "healthcheck-no-user",
            "healthcheck-no-host",
            "shm-default",
            "stop-timeout-short",
            "image-unpinned",
        ],
    ),
    (Reads::State, &["oom-killed", "restarted"]),
    (
        Reads::ServerFiles,
        &[
            "initdb-auth-local-trust",
            "initdb-no-checksums",
            "initdb-locale-libc",
            "hba-trust-local",
            "hba-trust-network",
            "shared-buffers-over-limit",
            "log-prefix-incomplete",
            "shm-under-parallel",
            "wal-size-over-volume",
        ],
    ),
];

/// Every check's name.
pub fn all() -> impl Iterator<Item = &'static str> {
    GROUPS.iter().flat_map(|(_, names)| names.iter().copied())
}

/// Which commands raise a check, for the rule docs.
pub fn raised_by(check: &str) -> &'static str {
    match GROUPS.iter().find(|(_, names)| names.contains(&check)) {
        Some((Reads::State, _)) => "`pgtriage tail`, on the running container",
        Some((Reads::ServerFiles, _)) => {
            "`pgtriage lint`, on the Compose file and the files it mounts"
        }
        _ => "`pgtriage tail` on `docker inspect`, and `pgtriage lint` on the Compose file",
    }
}

pub(crate) fn finding(check: &'static str, evidence: String, at: Where) -> CheckFinding {
    debug_assert!(all().any(|c| c == check));
    CheckFinding {
        check,
        evidence,
        at,
        suggested: None,
    }
}

/// A path below the Compose service, from its words.
pub(crate) fn key(path: &[&str]) -> Where {
    Where::Key(path.iter().map(|s| s.to_string()).collect())
}
