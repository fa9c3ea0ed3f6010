//! Following one container through the engine: its log as two streams, re-attached after
//! the engine goes away or the container restarts, and its lifecycle events.

use super::recorder::Recorder;
use super::Ctx;
use crate::docker::events::Lifecycle;
use crate::docker::frames::Frames;
use crate::docker::{self, inspect, Backoff, Target};
use crate::pipeline::LogStream;
use crate::report::{InputSummary, Source};
use crate::source::framing::Framing;
use crate::source::Compression;
use crate::timestamp;
use bollard::container::LogOutput;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::LogsOptions;
use futures::StreamExt;
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

/// How following a target ended.
#[derive(Debug)]
pub enum End {
    /// Asked to stop (Ctrl-C, ready, timeout).
    Stopped,
    /// The container exited and was not started again.
    Exited,
    /// The container disappeared (removed), or the engine could not be reached.
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
        follower: Follower::new(ctx.clone(), target.name.clone()),
        ctx: &ctx,
        target: &target,
        events,
        stop,
        run: Run::default(),
        tty: false,
        since: 0,
        backoff: Backoff::default(),
    };
    let Err(end) = s.follow_runs().await;
    (s.follower.summary(), end)
}

/// One container's log, as two streams (stdout, stderr) of the same pipeline.
struct Follower {
    streams: [LogStream; 2],
    frames: Frames,
    recorder: Recorder,
}

impl Follower {
    fn new(ctx: Arc<Ctx>, name: String) -> Follower {
        let stream = || LogStream::new(ctx.prefix.clone());
        Follower {
            streams: [stream(), stream()],
            frames: Frames::default(),
            recorder: Recorder::new(ctx.clone(), name),
        }
    }

    /// A frame of the engine's log stream; a TTY merges both streams into one.
    fn output(&mut self, out: LogOutput, tty: bool) {
        match out {
            LogOutput::StdOut { message } => self.frame(0, &message),
            LogOutput::StdErr { message } => self.frame(1, &message),
            LogOutput::Console { message } => self.frame(usize::from(!tty), &message),
            LogOutput::StdIn { .. } => {}
        }
    }

    fn frame(&mut self, stream: usize, bytes: &[u8]) {
        let Follower {
            streams,
            frames,
            recorder,
        } = self;
        let lines = frames.split(stream, bytes, &mut |chunk| {
            streams[stream].feed(chunk, &mut |r| recorder.record(stream, r))
        });
        recorder.count_lines(lines);
    }

    /// Hands out held records: on a pause, or when the stream ends.
    fn flush(&mut self) {
        let recorder = &mut self.recorder;
        for (stream, s) in self.streams.iter_mut().enumerate() {
            s.flush(&mut |r| recorder.record(stream, r));
        }
    }

    fn summary(mut self) -> InputSummary {
        let recorder = &mut self.recorder;
        for (stream, s) in self.streams.iter_mut().enumerate() {
            s.finish(&mut |r| recorder.record(stream, r));
        }
        let [out, err] = &self.streams;
        InputSummary::of(
            Source::Docker,
            self.recorder.name.clone(),
            Framing::DockerApi,
            Compression::None,
            &[err, out],
        )
    }
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

/// Following one container, across its runs and the engine's reconnects.
struct Session<'a> {
    ctx: &'a Ctx,
    target: &'a Target,
    follower: Follower,
    events: mpsc::UnboundedReceiver<Lifecycle>,
    stop: watch::Receiver<bool>,
    run: Run,
    /// A TTY container has one merged stream.
    tty: bool,
    /// Where the next attach starts, in Unix seconds.
    since: i64,
    backoff: Backoff,
}

impl Session<'_> {
    /// Reads the log until told to stop or the container is gone, attaching again when
    /// the stream ends while the container runs, or once it starts again.
    async fn follow_runs(&mut self) -> Result<Infallible, End> {
        self.start().await?;
        loop {
            let failed = self.read_logs().await?;
            self.follower.flush();
            if self.ctx.no_follow && failed.is_none() {
                return Err(End::Stopped);
            }
            // Re-attach from the earlier of the two streams' last lines; repeats are skipped.
            if let Some(since) = self.follower.frames.resume_secs() {
                self.since = since;
            }
            // The stream ended: the container stopped, or the engine went away.
            let Some(state) = self.inspect_after(failed).await? else {
                continue;
            };
            if !state
                .state
                .as_ref()
                .and_then(|s| s.running)
                .unwrap_or(false)
            {
                self.exited(&state);
                self.await_restart(will_restart(&state)).await?;
            }
        }
    }

    /// Reads the configuration (its findings, the compose service, TTY) and where the
    /// first attach starts: by default, the container's current run, init phase included.
    async fn start(&mut self) -> Result<(), End> {
        let ctx = self.ctx;
        let inspect = ctx
            .docker
            .inspect_container(&self.target.id, None)
            .await
            .map_err(|e| End::Lost(format!("cannot inspect: {e}")))?;
        let recorder = &mut self.follower.recorder;
        recorder.service = docker::compose_service(&inspect);
        for c in inspect::checks(&inspect) {
            recorder.container_finding(c.check, &c.evidence);
        }
        self.tty = inspect.config.as_ref().and_then(|c| c.tty).unwrap_or(false);
        self.since = ctx.since.unwrap_or_else(|| {
            inspect
                .state
                .as_ref()
                .and_then(|s| s.started_at.as_deref())
                .and_then(|t| timestamp::rfc3339_nanos(t.as_bytes()))
                .map_or(0, |ns| (ns / 1_000_000_000) as i64)
        });
        Ok(())
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
                        self.follower.output(out, self.tty);
                    }
                    Some(Err(e)) => return Ok(Some(e.to_string())),
                    None => return Ok(None),
                },
                _ = tokio::time::sleep(IDLE_FLUSH), if last_data.elapsed() < IDLE_FLUSH * 50 => {
                    self.follower.flush();
                }
                _ = self.stop.changed() => {
                    self.follower.flush();
                    return Err(End::Stopped);
                }
                Some(ev) = self.events.recv() => {
                    self.follower.flush();
                    self.on_event(ev).await?;
                }
            }
        }
    }

    /// The container's state after its stream ended; `None` when the engine could not be
    /// asked and the log is to be attached again after a pause.
    async fn inspect_after(
        &mut self,
        failed: Option<String>,
    ) -> Result<Option<ContainerInspectResponse>, End> {
        match self
            .ctx
            .docker
            .inspect_container(&self.target.id, None)
            .await
        {
            Ok(c) => {
                self.backoff.reset();
                Ok(Some(c))
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Err(End::Lost("the container was removed".into())),
            Err(e) => {
                let why = failed.unwrap_or_else(|| e.to_string());
                let name = &self.target.name;
                eprintln!("pgtriage: [{name}] lost the Docker daemon ({why}); reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(self.backoff.next_delay()) => Ok(None),
                    _ = self.stop.changed() => Err(End::Stopped),
                }
            }
        }
    }

    /// The container stopped: an OOM kill that ended it is a finding, unless the engine's
    /// OOM event already reported it.
    fn exited(&mut self, state: &ContainerInspectResponse) {
        if state.state.as_ref().and_then(|s| s.oom_killed) == Some(true) && !self.run.oom_reported {
            self.run.oom_reported = true;
            self.ctx.metrics(|m| m.oom_kill(&self.target.name));
            let evidence = inspect::oom_evidence(state);
            self.follower
                .recorder
                .container_finding("oom-killed", &evidence);
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
                    None => return Err(End::Exited),
                },
                _ = &mut grace => return Err(End::Exited),
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
            Lifecycle::Destroy => return Err(End::Lost("the container was removed".into())),
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
        self.follower
            .recorder
            .container_finding("restarted", &evidence);
        *run = Run {
            restarts: run.restarts,
            ..Run::default()
        };
        self.follower.recorder.restarted();
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
        self.follower.recorder.oom_event(&evidence);
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
