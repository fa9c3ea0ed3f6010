//! `pgtriage tail`: follow running containers through the Docker Engine API, report each
//! finding as it first appears, follow restarts, and summarise at the end.
//!
//! This module runs the whole: it resolves the targets, starts one follower per container
//! (`follow`), and waits for a stop condition (Ctrl-C, SIGTERM, `--until-ready`, the
//! timeout, or every container gone) before building the report.

mod container_log;
mod follow;
mod live;
pub mod options;
pub mod readiness;
mod recorder;
mod tally;

pub use options::TailOptions;

use crate::catalogue::Catalogue;
use crate::docker::events::{watch_events, Lifecycle};
use crate::docker::{self, Target};
use crate::error::Failure;
use crate::metrics::{self, Metrics};
use crate::parse::prefix::Prefix;
use crate::report::{InputSummary, Report};
use crate::timestamp::Timestamp;
use bollard::Docker;
use follow::End;
use live::Speaker;
use recorder::Ids;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tally::Tallies;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What every follower shares.
struct Ctx {
    docker: Docker,
    catalogue: &'static Catalogue,
    tallies: Tallies,
    metrics: Arc<Mutex<Metrics>>,
    ids: Ids,
    output: Arc<Speaker>,
    /// Followers send their container's name here when its server is ready for real.
    ready: mpsc::UnboundedSender<String>,
    since: Option<i64>,
    no_follow: bool,
    prefix: Option<Prefix>,
}

impl Ctx {
    /// Counts in the metrics; a poisoned lock (a panicked follower) only loses counts.
    fn metrics(&self, count: impl FnOnce(&mut Metrics)) {
        if let Ok(mut m) = self.metrics.lock() {
            count(&mut m);
        }
    }
}

/// A finished tail: the report and what went wrong on the way.
pub struct Collected {
    pub report: Report,
    /// Containers that vanished or an engine that could not be reached mid-way.
    pub lost: Vec<String>,
    /// With --until-ready: the containers that were not ready, and whether time ran out.
    pub not_ready: Vec<String>,
    pub timed_out: bool,
}

/// Follows, prints live lines and the report, and returns the exit code.
pub fn run(catalogue: &'static Catalogue, options: TailOptions) -> Result<u8, Failure> {
    let output = Arc::new(Speaker::choose(
        options.output,
        options.verdict.env,
        options.look,
    ));
    let c = block_on(collect(catalogue, options, output.clone()))?;
    output.end(&c.report);
    for l in &c.lost {
        eprintln!("pgtriage: {l}");
    }
    if !c.not_ready.is_empty() {
        eprintln!(
            "pgtriage: not ready{}: {}",
            if c.timed_out { " before --timeout" } else { "" },
            c.not_ready.join(", ")
        );
    }
    Ok(c.report
        .exit_code(!c.lost.is_empty())
        .max(u8::from(!c.not_ready.is_empty())))
}

/// Follows containers to the end and hands back what was collected, printing only the
/// live lines `options.output` asks for (none for `TailOptions::log_so_far`).
pub fn collect_blocking(
    catalogue: &'static Catalogue,
    options: TailOptions,
) -> Result<Collected, Failure> {
    let output = Arc::new(Speaker::choose(
        options.output,
        options.verdict.env,
        options.look,
    ));
    block_on(collect(catalogue, options, output))
}

fn block_on<T>(work: impl Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?
        .block_on(work)
}

fn now_timestamp() -> Option<Timestamp> {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    Timestamp::parse_epoch(format!("{}.{:03}", d.as_secs(), d.subsec_millis()).as_bytes())
}

/// The followers of one run, and what tells the run to end.
struct Running {
    ctx: Arc<Ctx>,
    targets: Vec<Target>,
    followers: Vec<JoinHandle<(InputSummary, End)>>,
    events: JoinHandle<()>,
    stop: watch::Sender<bool>,
    ready: mpsc::UnboundedReceiver<String>,
    metrics_server: Option<JoinHandle<()>>,
}

/// How the wait for a stop condition ended.
struct Waited {
    ready: HashSet<String>,
    timed_out: bool,
}

async fn collect(
    catalogue: &'static Catalogue,
    options: TailOptions,
    output: Arc<Speaker>,
) -> Result<Collected, Failure> {
    let until_ready = options.until_ready;
    let timeout = options.timeout;
    let mut run = start(catalogue, options, output).await?;
    let waited = run.wait(until_ready, timeout).await?;
    let (inputs, lost) = run.finish().await?;
    let not_ready = if until_ready {
        run.targets
            .iter()
            .filter(|t| !waited.ready.contains(&t.name))
            .map(|t| t.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Collected {
        report: run.ctx.tallies.report(catalogue, inputs),
        lost,
        not_ready,
        timed_out: waited.timed_out,
    })
}

/// Connects, resolves the targets, and starts the metrics server, the followers and the
/// event subscription.
async fn start(
    catalogue: &'static Catalogue,
    options: TailOptions,
    output: Arc<Speaker>,
) -> Result<Running, Failure> {
    let ids = Ids::resolve(catalogue)?;
    let docker = docker::connect().await.map_err(Failure::Usage)?;
    let targets = targets(&docker, &options).await?;
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let metrics_server = match &options.metrics {
        Some(addr) => Some(
            metrics::serve(addr, metrics.clone())
                .await
                .map_err(Failure::Usage)?,
        ),
        None => None,
    };
    let (ready_tx, ready) = mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        docker: docker.clone(),
        catalogue,
        // The verdict lives as long as the process, like the built-in catalogue.
        tallies: Tallies::new(
            catalogue,
            Box::leak(Box::new(options.verdict)),
            metrics.clone(),
        ),
        metrics,
        ids,
        output,
        ready: ready_tx,
        since: options.since,
        no_follow: options.no_follow,
        prefix: options.prefix,
    });
    // One event subscription for all targets, dispatched to each follower.
    let mut senders = HashMap::new();
    let (stop, stop_rx) = watch::channel(false);
    let followers = targets
        .iter()
        .map(|t| {
            let (tx, rx) = mpsc::unbounded_channel::<Lifecycle>();
            senders.insert(t.name.clone(), tx);
            tokio::spawn(follow::follow(ctx.clone(), t.clone(), rx, stop_rx.clone()))
        })
        .collect();
    let events = tokio::spawn(watch_events(docker, senders));
    Ok(Running {
        ctx,
        targets,
        followers,
        events,
        stop,
        ready,
        metrics_server,
    })
}

/// The running containers the options name; none is a usage error.
async fn targets(docker: &Docker, options: &TailOptions) -> Result<Vec<Target>, Failure> {
    let selection = docker::Selection {
        names: options.containers.clone(),
        all: options.all,
        compose_project: options.compose_project.clone(),
        service: options.service.clone(),
    };
    if selection.names.is_empty() && !selection.all && selection.compose_project.is_none() {
        return Err(Failure::Usage(
            "name the containers to follow, or use --all or --compose-project".into(),
        ));
    }
    let targets = docker::resolve(docker, &selection)
        .await
        .map_err(Failure::Usage)?;
    if targets.is_empty() {
        return Err(Failure::Usage(
            "no running PostgreSQL container matched".into(),
        ));
    }
    Ok(targets)
}

impl Running {
    /// Waits for Ctrl-C, SIGTERM, every container ready (`until_ready`), the timeout,
    /// stdout closed by its reader, or every follower ended on its own (their containers
    /// gone for good).
    async fn wait(
        &mut self,
        until_ready: bool,
        timeout: Option<Duration>,
    ) -> Result<Waited, Failure> {
        let deadline = async {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => futures::future::pending().await,
            }
        };
        tokio::pin!(deadline);
        // SIGTERM (docker stop, CI timeouts) ends a tail like Ctrl-C: with the summary.
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| Failure::Internal(format!("cannot watch SIGTERM: {e}")))?;
        let followers = &self.followers;
        let all_ended = async {
            while !followers.iter().all(|f| f.is_finished()) {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        tokio::pin!(all_ended);
        // Nobody reads the live lines any more; a metrics endpoint still has its scraper.
        let scraped = self.metrics_server.is_some();
        let unread = async {
            match scraped {
                true => futures::future::pending().await,
                false => live::stdout_gone().await,
            }
        };
        tokio::pin!(unread);
        let mut waited = Waited {
            ready: HashSet::new(),
            timed_out: false,
        };
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = terminate.recv() => break,
                _ = &mut all_ended => break,
                _ = &mut unread => break,
                _ = &mut deadline => { waited.timed_out = true; break; }
                Some(name) = self.ready.recv() => {
                    waited.ready.insert(name);
                    if until_ready && waited.ready.len() == self.targets.len() {
                        break;
                    }
                }
            }
        }
        Ok(waited)
    }

    /// Stops the followers and collects each container's input summary, and the
    /// containers lost on the way.
    async fn finish(&mut self) -> Result<(Vec<InputSummary>, Vec<String>), Failure> {
        let _ = self.stop.send(true);
        self.events.abort();
        let mut inputs = Vec::new();
        let mut lost = Vec::new();
        for f in self.followers.drain(..) {
            let (summary, end) = f
                .await
                .map_err(|e| Failure::Internal(format!("a follower failed: {e}")))?;
            if let End::Lost(why) = &end {
                lost.push(format!("{}: {why}", summary.name));
            }
            inputs.push(summary);
        }
        if let Some(m) = self.metrics_server.take() {
            m.abort();
        }
        Ok((inputs, lost))
    }
}
