//! Following one container through the engine: its log as two streams, re-attached after
//! the engine goes away or the container restarts, handed over to a container created again
//! under its name, and its lifecycle events (docs/adr/0017-engine-faults.md).

use super::container_log::ContainerLog;
use super::Ctx;
use crate::docker::events::Lifecycle;
use crate::docker::frames::Frames;
use crate::docker::{self, inspect, Backoff, Target};
use crate::report::InputSummary;
use crate::timestamp;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use futures::StreamExt;
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// A pause in a stream this long hands out the record held open. PostgreSQL writes an
/// event's DETAIL/HINT lines in the same write() as its main line, so they arrive within
/// microseconds of it; 10 ms is ample, and is the delay a lone event waits to be shown.
const IDLE_FLUSH: Duration = Duration::from_millis(10);
/// A stopped container whose restart policy will not restart it is given this long to be
/// started again (`docker restart` stops, then starts) before it is let go.
const RESTART_GRACE: Duration = Duration::from_secs(10);
/// A removed container is followed on in a container created under its name and started
/// within this long: `docker compose up` recreating a service removes, creates and starts.
const RECREATE_GRACE: Duration = RESTART_GRACE;
/// The engine may be away this long (a daemon restart, an upgrade) before a follower gives
/// up on its container; meanwhile it retries with `Backoff`.
const ENGINE_GONE_FOR: Duration = Duration::from_secs(60);
/// Attaches refused in a row, the engine answering, before a container's log is given up.
const LOG_ATTEMPTS: u32 = 5;

/// How following a target ended.
#[derive(Debug)]
pub enum End {
    /// Asked to stop (Ctrl-C, ready, timeout).
    Stopped,
    /// The container exited (with this code) and was not started again; its log was read.
    Exited(Option<i64>),
    /// The container was removed: followed on in a successor of its name, or `Lost`.
    Removed,
    /// The container disappeared, or the engine could not be reached.
    Lost(String),
}

/// Follows one container until told to stop or until it is gone.
pub async fn follow(
    ctx: Arc<Ctx>,
    target: Target,
    events: mpsc::UnboundedReceiver<Lifecycle>,
    stop: watch::Receiver<bool>,
) -> (InputSummary, End) {
    let mut s = Session {
        log: ContainerLog::new(ctx.clone(), target.name.clone()),
        ctx: &ctx,
        target,
        events,
        stop,
        run: Run::default(),
        tty: false,
        since: 0,
        backoff: Backoff::default(),
        refusals: 0,
        raised: HashSet::new(),
    };
    let Err(end) = s.follow_runs().await;
    if let End::Exited(code) = &end {
        let code = code.map_or("unknown".into(), |c| c.to_string());
        eprintln!(
            "pgtriage: [{}] exited with code {code} and was not started again within {} s; its log was read to the end",
            s.target.name,
            RESTART_GRACE.as_secs()
        );
    }
    let end = match end {
        End::Removed => End::Lost(format!(
            "the container was removed, and none of its name started within {} s",
            RECREATE_GRACE.as_secs()
        )),
        end => end,
    };
    (s.log.summary(), end)
}

/// What the engine said about the container's current run.
#[derive(Debug, Default)]
struct Run {
    restarts: u64,
    last_exit: Option<i64>,
    /// An OOM kill already reported for this run is not reported again at its exit.
    oom_reported: bool,
    oom_seen: bool,
}

/// Following one container, across its runs, the engine's reconnects and its successors.
struct Session<'a> {
    ctx: &'a Ctx,
    /// The container followed now: a successor of the same name replaces its id.
    target: Target,
    log: ContainerLog,
    events: mpsc::UnboundedReceiver<Lifecycle>,
    stop: watch::Receiver<bool>,
    run: Run,
    /// A TTY container has one merged stream.
    tty: bool,
    /// Where the next attach starts, in Unix seconds.
    since: i64,
    backoff: Backoff,
    /// Attaches in a row whose stream failed while the engine answered.
    refusals: u32,
    /// The configuration findings raised: a successor with the same configuration does not
    /// raise them again.
    raised: HashSet<(&'static str, String)>,
}

impl Session<'_> {
    /// Follows the container and, when it is removed, its successor of the same name.
    async fn follow_runs(&mut self) -> Result<Infallible, End> {
        let first = self
            .ctx
            .docker
            .inspect_container(&self.target.id, None)
            .await
            .map_err(|e| End::Lost(format!("cannot inspect: {e}")))?;
        self.configure(&first, self.ctx.since);
        loop {
            match self.follow_container().await {
                Err(End::Removed) => self.await_successor().await?,
                other => return other,
            }
        }
    }

    /// Reads the log until told to stop or the container is gone, attaching again when
    /// the stream ends while the container runs, or once it starts again.
    async fn follow_container(&mut self) -> Result<Infallible, End> {
        loop {
            let failed = self.read_logs().await?;
            self.log.flush();
            if self.ctx.no_follow && failed.is_none() {
                return Err(End::Stopped);
            }
            // Re-attach from the earlier of the two streams' last lines; repeats are skipped.
            if let Some(since) = self.log.frames.resume_secs() {
                self.since = since;
            }
            // The stream ended: the container stopped, or the engine went away.
            let state = self.inspect_after(failed.clone()).await?;
            let running = state.state.as_ref().and_then(|s| s.running);
            if !running.unwrap_or(false) {
                self.exited(&state);
                self.await_restart(will_restart(&state)).await?;
            } else if let Some(why) = failed {
                self.refused(why).await?;
            }
        }
    }

    /// The engine answers and the container runs, but the log failed: a logging driver the
    /// engine cannot read back (`none`) refuses every attach; lost rather than followed blind.
    async fn refused(&mut self, why: String) -> Result<(), End> {
        self.refusals += 1;
        if self.refusals >= LOG_ATTEMPTS {
            return Err(End::Lost(format!(
                "the engine does not give its log ({why})"
            )));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200 << self.refusals)) => Ok(()),
            _ = self.stop.changed() => Err(End::Stopped),
        }
    }

    /// Takes a container's configuration (its findings, the compose service, TTY) and
    /// where the first attach starts: `since`, by default the container's current run,
    /// init phase included.
    fn configure(&mut self, inspect: &ContainerInspectResponse, since: Option<i64>) {
        let recorder = &mut self.log.recorder;
        recorder.service = docker::compose_service(inspect);
        for c in inspect::checks(inspect) {
            if self.raised.insert((c.check, c.evidence.clone())) {
                recorder.container_finding(c.check, &c.evidence);
            }
        }
        self.tty = inspect.config.as_ref().and_then(|c| c.tty).unwrap_or(false);
        self.since = since.unwrap_or_else(|| {
            inspect
                .state
                .as_ref()
                .and_then(|s| s.started_at.as_deref())
                .and_then(|t| timestamp::rfc3339_nanos(t.as_bytes()))
                .map_or(0, |ns| (ns / 1_000_000_000) as i64)
        });
    }

    /// Reads one attach of the log until it ends; `Ok(Some(why))` when it failed.
    async fn read_logs(&mut self) -> Result<Option<String>, End> {
        let ctx = self.ctx;
        let mut logs = ctx.docker.logs(
            &self.target.id,
            Some(LogsOptions {
                follow: !ctx.no_follow,
                stdout: true,
                stderr: true,
                timestamps: true,
                since: self.since.clamp(0, i32::MAX as i64) as i32,
                ..Default::default()
            }),
        );
        let mut last_data = Instant::now();
        loop {
            tokio::select! {
                item = logs.next() => match item {
                    Some(Ok(out)) => {
                        last_data = Instant::now();
                        self.refusals = 0;
                        self.log.output(out, self.tty);
                    }
                    Some(Err(e)) => return Ok(Some(e.to_string())),
                    None => return Ok(None),
                },
                _ = tokio::time::sleep(IDLE_FLUSH), if last_data.elapsed() < IDLE_FLUSH * 50 => {
                    self.log.flush();
                }
                _ = self.stop.changed() => {
                    self.log.flush();
                    return Err(End::Stopped);
                }
                Some(ev) = self.events.recv() => {
                    self.log.flush();
                    self.on_event(ev).await?;
                }
            }
        }
    }

    /// The container's state after its stream ended. An engine that does not answer is
    /// asked again with backoff, for `ENGINE_GONE_FOR` at most.
    async fn inspect_after(
        &mut self,
        failed: Option<String>,
    ) -> Result<ContainerInspectResponse, End> {
        let name = &self.target.name;
        let mut away: Option<Instant> = None;
        loop {
            let err = match self
                .ctx
                .docker
                .inspect_container(&self.target.id, None)
                .await
            {
                Ok(c) => {
                    self.backoff.reset();
                    if let Some(since) = away {
                        let secs = since.elapsed().as_secs_f64();
                        eprintln!("pgtriage: [{name}] the Docker daemon answers again after {secs:.1} s; following on");
                    }
                    return Ok(c);
                }
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => return Err(End::Removed),
                Err(e) => e,
            };
            let why = failed.clone().unwrap_or_else(|| err.to_string());
            let since = *away.get_or_insert_with(|| {
                eprintln!("pgtriage: [{name}] lost the Docker daemon ({why}); reconnecting");
                Instant::now()
            });
            if since.elapsed() >= ENGINE_GONE_FOR {
                return Err(End::Lost(format!(
                    "the Docker daemon at {} did not answer for {} s ({err})",
                    docker::endpoint_description(),
                    ENGINE_GONE_FOR.as_secs()
                )));
            }
            tokio::select! {
                _ = tokio::time::sleep(self.backoff.next_delay()) => {}
                _ = self.stop.changed() => return Err(End::Stopped),
            }
        }
    }

    /// The container was removed: a container of its name that starts within
    /// `RECREATE_GRACE` is its successor, followed from its start.
    async fn await_successor(&mut self) -> Result<(), End> {
        let grace = tokio::time::sleep(RECREATE_GRACE);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                ev = self.events.recv() => match ev {
                    Some(Lifecycle::Start) => {
                        if let Some(c) = successor(&self.ctx.docker, &self.target).await {
                            return self.hand_over(&c);
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
                _ = &mut grace => break,
                _ = self.stop.changed() => return Err(End::Stopped),
            }
        }
        // Its start event may have been missed while the engine was away: asked by name.
        match successor(&self.ctx.docker, &self.target).await {
            Some(c) => self.hand_over(&c),
            None => Err(End::Removed),
        }
    }

    /// Follows `c` in place of the removed container: a new log from its first line, a
    /// new server to become ready, and only the configuration findings not raised yet.
    fn hand_over(&mut self, c: &ContainerInspectResponse) -> Result<(), End> {
        let id = c.id.clone().unwrap_or_default();
        let short = id.get(..12).unwrap_or(&id);
        let name = &self.target.name;
        eprintln!("pgtriage: [{name}] was removed and created again (id {short}); following the new container");
        self.target.id = id;
        self.log.frames = Frames::default();
        self.log.recorder.restarted();
        self.run = Run {
            restarts: self.run.restarts,
            ..Run::default()
        };
        // All of the successor's log is new.
        self.configure(c, Some(0));
        Ok(())
    }

    /// The container stopped: an OOM kill that ended it is a finding, unless the engine's
    /// OOM event already reported it.
    fn exited(&mut self, state: &ContainerInspectResponse) {
        let code = state.state.as_ref().and_then(|s| s.exit_code);
        self.run.last_exit = self.run.last_exit.or(code);
        if state.state.as_ref().and_then(|s| s.oom_killed) == Some(true) && !self.run.oom_reported {
            self.run.oom_reported = true;
            self.ctx.metrics(|m| m.oom_kill(&self.target.name));
            let evidence = inspect::oom_evidence(state);
            self.log.recorder.container_finding("oom-killed", &evidence);
        }
    }

    /// Waits for a stopped container to start again (its Start event may already be
    /// queued); one that will not restart is let go after a grace period.
    async fn await_restart(&mut self, will_restart: bool) -> Result<(), End> {
        let grace = async {
            if will_restart {
                futures::future::pending::<()>().await
            } else {
                tokio::time::sleep(RESTART_GRACE).await
            }
        };
        tokio::pin!(grace);
        let restarts = self.run.restarts;
        while self.run.restarts == restarts {
            tokio::select! {
                ev = self.events.recv() => match ev {
                    Some(ev) => self.on_event(ev).await?,
                    None => return Err(End::Exited(self.run.last_exit)),
                },
                _ = &mut grace => return Err(End::Exited(self.run.last_exit)),
                _ = self.stop.changed() => return Err(End::Stopped),
            }
        }
        Ok(())
    }

    /// Handles one engine event; `Err` when following must end.
    async fn on_event(&mut self, ev: Lifecycle) -> Result<(), End> {
        match ev {
            Lifecycle::Die(code) => self.run.last_exit = code,
            Lifecycle::Oom => {
                self.run.oom_seen = true;
                if !self.run.oom_reported {
                    self.run.oom_reported = true;
                    self.on_oom().await;
                }
            }
            Lifecycle::Start => self.on_start(),
            Lifecycle::Destroy => return Err(End::Removed),
        }
        Ok(())
    }

    /// A new run: a finding, and the new server's lines and readiness are new.
    fn on_start(&mut self) {
        let run = &mut self.run;
        run.restarts += 1;
        self.ctx.metrics(|m| m.restart(&self.target.name));
        let code = run
            .last_exit
            .map_or("unknown".to_string(), |c| c.to_string());
        let evidence = format!(
            "restarted after exit code {code} (OOMKilled: {})",
            run.oom_seen
        );
        self.log.recorder.container_finding("restarted", &evidence);
        *run = Run {
            restarts: run.restarts,
            ..Run::default()
        };
        self.log.recorder.restarted();
    }

    /// An OOM kill inside a running container: reported with the limit from inspect, and
    /// tied to the log's `terminated by signal 9` when the victim was a backend.
    async fn on_oom(&mut self) {
        self.ctx.metrics(|m| m.oom_kill(&self.target.name));
        let limit = self
            .ctx
            .docker
            .inspect_container(&self.target.id, None)
            .await
            .ok()
            .and_then(|c| c.host_config.and_then(|h| h.memory))
            .unwrap_or(0);
        let evidence = if limit > 0 {
            format!(
                "OOM kill in the container (docker event oom), memory limit {} MiB",
                limit / (1024 * 1024)
            )
        } else {
            "OOM kill in the container (docker event oom), no memory limit".to_string()
        };
        self.log.recorder.oom_event(&evidence);
    }
}

/// Whether the engine will start a stopped container again by itself.
fn will_restart(state: &ContainerInspectResponse) -> bool {
    let policy = state
        .host_config
        .as_ref()
        .and_then(|h| h.restart_policy.as_ref())
        .and_then(|p| p.name.map(|n| n.to_string()))
        .unwrap_or_default();
    matches!(policy.as_str(), "always" | "unless-stopped" | "on-failure")
}

/// A running container of `removed`'s name that is not `removed`.
async fn successor(docker: &Docker, removed: &Target) -> Option<ContainerInspectResponse> {
    let c = docker.inspect_container(&removed.name, None).await.ok()?;
    let running = c.state.as_ref().and_then(|s| s.running).unwrap_or(false);
    (running && c.id.as_deref() != Some(removed.id.as_str())).then_some(c)
}
