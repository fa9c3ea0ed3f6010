//! The Docker Engine, through bollard: connecting (honouring `DOCKER_HOST`), choosing the
//! containers to follow, reading what `inspect` says about them, their lifecycle events,
//! and their `--timestamps` log frames.

pub mod events;
pub mod frames;
pub mod inspect;

use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;
use std::collections::HashMap;
use std::time::Duration;

/// A container being followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    /// The name without Docker's leading slash.
    pub name: String,
}

/// The compose service a container belongs to, from its labels.
pub fn compose_service(c: &bollard::models::ContainerInspectResponse) -> Option<String> {
    c.config
        .as_ref()?
        .labels
        .as_ref()?
        .get(COMPOSE_SERVICE)
        .cloned()
}

/// Where bollard will connect, in words, for error messages.
pub fn endpoint_description() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => format!("DOCKER_HOST={h}"),
        _ => "unix:///var/run/docker.sock (DOCKER_HOST is not set)".into(),
    }
}

/// Connects and agrees on an API version the daemon speaks (older engines refuse newer
/// clients' requests outright).
pub async fn connect() -> Result<Docker, String> {
    let unreachable = |e: bollard::errors::Error| {
        format!(
            "cannot reach the Docker daemon at {}: {e}",
            endpoint_description()
        )
    };
    let docker = Docker::connect_with_defaults().map_err(unreachable)?;
    docker.negotiate_version().await.map_err(unreachable)
}

/// The wait before reconnecting to the engine: doubling from 200 ms up to 5 s, and short
/// again once the engine answers, so a restarted daemon is found quickly without spinning.
#[derive(Debug)]
pub struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Backoff::FIRST)
    }
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(200);
    const MAX: Duration = Duration::from_secs(5);

    /// The wait to use now; the one after it is twice as long.
    pub fn next_delay(&mut self) -> Duration {
        let now = self.0;
        self.0 = (now * 2).min(Backoff::MAX);
        now
    }

    pub fn reset(&mut self) {
        self.0 = Backoff::FIRST;
    }
}

/// How the user named the containers to follow.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub names: Vec<String>,
    pub all: bool,
    pub compose_project: Option<String>,
    pub service: Option<String>,
}

const COMPOSE_PROJECT: &str = "com.docker.compose.project";
const COMPOSE_SERVICE: &str = "com.docker.compose.service";

/// Resolves a selection to running containers. Named containers must exist (an unknown
/// name is an error naming it); `--all` and `--compose-project` may match none.
pub async fn resolve(docker: &Docker, sel: &Selection) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for name in &sel.names {
        let c = docker
            .inspect_container(name, None)
            .await
            .map_err(|e| match e {
                bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                } => format!("no container named {name:?} (docker ps lists the running ones)"),
                other => format!("cannot inspect container {name:?}: {other}"),
            })?;
        targets.push(Target {
            id: c.id.unwrap_or_default(),
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
        });
    }
    if sel.all || sel.compose_project.is_some() {
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        filters.insert("status".into(), vec!["running".into()]);
        if let Some(p) = &sel.compose_project {
            let mut labels = vec![format!("{COMPOSE_PROJECT}={p}")];
            if let Some(s) = &sel.service {
                labels.push(format!("{COMPOSE_SERVICE}={s}"));
            }
            filters.insert("label".into(), labels);
        }
        let list = docker
            .list_containers(Some(ListContainersOptions {
                filters: Some(filters),
                ..Default::default()
            }))
            .await
            .map_err(|e| format!("cannot list containers: {e}"))?;
        for c in list {
            if sel.compose_project.is_none() && !looks_like_postgres(&c) {
                continue;
            }
            let t = Target {
                id: c.id.clone().unwrap_or_default(),
                name: c.names.as_ref().and_then(|n| n.first()).map_or_else(
                    || c.id.clone().unwrap_or_default(),
                    |n| n.trim_start_matches('/').to_string(),
                ),
            };
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    Ok(targets)
}

/// `--all` follows containers whose image or command says PostgreSQL.
fn looks_like_postgres(c: &ContainerSummary) -> bool {
    let has = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains("postgres"))
    };
    has(&c.image) || has(&c.command)
}
