//! The engine's container events, for the followers: one subscription for every target,
//! so a restart or an OOM kill reaches the follower of its container as it happens.

use super::Backoff;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use futures::StreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// Container lifecycle events from the engine, for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    Start,
    /// The container's main process exited, with this code when the engine says.
    Die(Option<i64>),
    Destroy,
    /// The kernel's OOM killer fired in the container's cgroup (it may live on, if the
    /// victim was a backend; inspect's OOMKilled is set only when the container exits).
    Oom,
}

/// Dispatches the engine's container events to the followers of their containers, keyed
/// by container name: a container created again under its name reaches the same follower.
/// Re-subscribes after the engine goes away; runs until aborted.
pub async fn watch_events(docker: Docker, senders: HashMap<String, UnboundedSender<Lifecycle>>) {
    let mut filters = HashMap::new();
    filters.insert("type".to_string(), vec!["container".to_string()]);
    // The engine matches these as prefixes of names and ids: the dispatch is exact.
    filters.insert("container".to_string(), senders.keys().cloned().collect());
    let mut backoff = Backoff::default();
    loop {
        let mut stream = docker.events(Some(EventsOptions {
            filters: Some(filters.clone()),
            ..Default::default()
        }));
        while let Some(Ok(ev)) = stream.next().await {
            backoff.reset();
            let name = ev
                .actor
                .as_ref()
                .and_then(|a| a.attributes.as_ref())
                .and_then(|a| a.get("name"));
            if let (Some(kind), Some(tx)) = (lifecycle(&ev), name.and_then(|n| senders.get(n))) {
                let _ = tx.send(kind);
            }
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// The lifecycle event an engine event is, if it is one the followers act on.
fn lifecycle(ev: &EventMessage) -> Option<Lifecycle> {
    Some(match ev.action.as_deref()? {
        "start" => Lifecycle::Start,
        "die" => Lifecycle::Die(
            ev.actor
                .as_ref()
                .and_then(|a| a.attributes.as_ref())
                .and_then(|a| a.get("exitCode"))
                .and_then(|c| c.parse().ok()),
        ),
        "destroy" => Lifecycle::Destroy,
        "oom" => Lifecycle::Oom,
        _ => return None,
    })
}
