//! `pgtriage tail`: follow running containers through the Docker Engine API, report each
//! finding as it first appears, follow restarts, and summarise at the end.

use crate::catalogue::Catalogue;
use crate::cli::args::TailArgs;
use crate::collect::Collector;
use crate::docker::{self, context, Target};
use crate::error::Failure;
use crate::flow::{container_names, Flow, Live};
use crate::metrics::{self, now_unix, Metrics};
use crate::parse::prefix::Prefix;
use crate::parse::record::Record;
use crate::pipeline::LogStream;
use crate::report::{self, InputSummary, Output, Report};
use crate::severity::Severity;
use crate::timestamp::{self, Timestamp};
use crate::verdict::Verdict;
use bollard::container::LogOutput;
use bollard::query_parameters::{EventsOptions, LogsOptions};
use bollard::Docker;
use futures::StreamExt;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};

/// A pause in a stream this long hands out the record held open. PostgreSQL writes an
/// event's DETAIL/HINT lines in the same write() as its main line, so they arrive within
/// microseconds of it; 10 ms is ample, and is the delay a lone event waits to be shown.
const IDLE_FLUSH: Duration = Duration::from_millis(10);
/// A stopped container whose restart policy will not restart it is given this long to be
/// started again (`docker restart` stops, then starts) before it is let go.
const RESTART_GRACE: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Catalogue entries tail reacts to, looked up once.
struct Ids {
    starting: Option<usize>,
    listening_tcp: Option<usize>,
    ready: Option<usize>,
    process_killed: Option<usize>,
}

/// How close an OOM event and a `terminated by signal 9` line must be to be one event.
const OOM_CORRELATION: Duration = Duration::from_secs(10);

/// What every follower shares.
struct Ctx {
    docker: Docker,
    catalogue: &'static Catalogue,
    flow: Mutex<Flow<'static>>,
    metrics: Arc<Mutex<Metrics>>,
    args: Options,
    ids: Ids,
    ready: mpsc::UnboundedSender<String>,
}

/// Container lifecycle events from the engine, for one target.
#[derive(Debug)]
enum Lifecycle {
    Start,
    /// The container's main process exited, with this code when the engine says.
    Die(Option<i64>),
    Destroy,
    /// The kernel's OOM killer fired in the container's cgroup (it may live on, if the
    /// victim was a backend; inspect's OOMKilled is set only when the container exits).
    Oom,
}

/// How following a target ended.
#[derive(Debug)]
enum End {
    /// Asked to stop (Ctrl-C, ready, timeout).
    Stopped,
    /// The container exited and was not started again.
    Exited,
    /// The container disappeared (removed), or the engine could not be reached.
    Lost(String),
}

/// What `tail` is asked to do.
#[derive(Debug)]
pub struct Options {
    pub containers: Vec<String>,
    pub all: bool,
    pub compose_project: Option<String>,
    pub service: Option<String>,
    /// Unix seconds.
    pub since: Option<i64>,
    pub until_ready: bool,
    pub timeout: Option<Duration>,
    pub metrics: Option<String>,
    pub output: Output,
    pub prefix: Option<Prefix>,
    pub no_follow: bool,
    pub verdict: Verdict,
}

impl Options {
    pub fn from_args(catalogue: &Catalogue, args: TailArgs) -> Result<Options, Failure> {
        let since = args
            .since
            .as_deref()
            .map(parse_since)
            .transpose()
            .map_err(Failure::Usage)?;
        let timeout = args
            .timeout
            .as_deref()
            .map(|t| {
                parse_duration(t).ok_or_else(|| {
                    Failure::Usage(format!("--timeout {t:?}: expected a duration such as 120s"))
                })
            })
            .transpose()?;
        Ok(Options {
            containers: args.containers,
            all: args.all,
            compose_project: args.compose_project,
            service: args.service,
            since,
            until_ready: args.until_ready,
            timeout,
            metrics: args.metrics,
            output: args.output,
            prefix: crate::cli::compile_prefix(args.prefix.as_deref())?,
            no_follow: args.no_follow,
            verdict: args.gate.verdict(catalogue)?,
        })
    }
}

pub fn run(catalogue: &'static Catalogue, args: Options) -> Result<u8, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(tail(catalogue, args))
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

/// Follows containers to the end (for `policy init --container`), without live output.
pub fn collect_blocking(
    catalogue: &'static Catalogue,
    args: Options,
) -> Result<Collected, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(collect(catalogue, args))
}

async fn tail(catalogue: &'static Catalogue, args: Options) -> Result<u8, Failure> {
    let output = args.output;
    let color = std::io::stdout().is_terminal();
    let c = collect(catalogue, args).await?;
    let report = &c.report;
    let mut out = std::io::stdout().lock();
    let _ = match output {
        Output::Jsonl => write!(out, "{}", report::jsonl::summary(report)),
        // After the live lines, a blank line before the summary table.
        Output::Table => write!(out, "\n{}", report::render(report, Output::Table, color)),
        other => write!(out, "{}", report::render(report, other, false)),
    };
    let _ = out.flush();
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
    Ok(if !c.lost.is_empty() {
        2
    } else if report.summary.failed || !c.not_ready.is_empty() {
        1
    } else {
        0
    })
}

fn now_timestamp() -> Option<Timestamp> {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    Timestamp::parse_epoch(format!("{}.{:03}", d.as_secs(), d.subsec_millis()).as_bytes())
}

/// `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`), an RFC 3339 time, or
/// Unix seconds. Returns Unix seconds.
pub fn parse_since(s: &str) -> Result<i64, String> {
    let bad = || {
        format!("--since {s:?}: expected a duration (30s, 10m, 2h, 1d), an RFC 3339 time or Unix seconds")
    };
    if let Some(ns) = timestamp::rfc3339_nanos(s.as_bytes()) {
        return Ok((ns / 1_000_000_000) as i64);
    }
    let now = now_unix() as i64;
    if let Some(d) = parse_duration(s) {
        return Ok(now - d.as_secs() as i64);
    }
    s.parse::<i64>().map_err(|_| bad())
}

/// `30s`, `10m`, `2h`, `1d`, `500ms`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: u64 = s[..split].parse().ok()?;
    Some(match &s[split..] {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        "d" => Duration::from_secs(n * 86_400),
        _ => return None,
    })
}

async fn collect(catalogue: &'static Catalogue, mut args: Options) -> Result<Collected, Failure> {
    let since = args.since;
    let timeout = args.timeout;
    // The verdict lives as long as the process, like the built-in catalogue.
    let verdict: &'static Verdict = Box::leak(Box::new(std::mem::replace(
        &mut args.verdict,
        Verdict::new(
            crate::severity::Env::Prod,
            Severity::Critical,
            None,
            None,
            false,
        ),
    )));
    let docker = docker::connect().await.map_err(Failure::Usage)?;
    let selection = docker::Selection {
        names: args.containers.clone(),
        all: args.all,
        compose_project: args.compose_project.clone(),
        service: args.service.clone(),
    };
    if selection.names.is_empty() && !selection.all && selection.compose_project.is_none() {
        return Err(Failure::Usage(
            "name the containers to follow, or use --all or --compose-project".into(),
        ));
    }
    let targets = docker::resolve(&docker, &selection)
        .await
        .map_err(Failure::Usage)?;
    if targets.is_empty() {
        return Err(Failure::Usage(
            "no running PostgreSQL container matched".into(),
        ));
    }
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let metrics_server = match &args.metrics {
        Some(addr) => Some(
            metrics::serve(addr, metrics.clone())
                .await
                .map_err(Failure::Usage)?,
        ),
        None => None,
    };
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let ids = Ids {
        starting: catalogue.index_of("server.starting"),
        listening_tcp: catalogue.index_of("server.listening-tcp"),
        ready: catalogue.index_of("server.ready"),
        process_killed: catalogue.index_of("server.process-killed"),
    };
    let ctx = Arc::new(Ctx {
        docker: docker.clone(),
        catalogue,
        flow: Mutex::new(Flow::new(catalogue, verdict, 0)),
        metrics,
        args,
        ids,
        ready: ready_tx,
    });

    // One event subscription for all targets, dispatched to each follower.
    let mut senders = HashMap::new();
    let mut followers = Vec::new();
    let (stop_tx, stop_rx) = watch::channel(false);
    for t in &targets {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.insert(t.id.clone(), tx);
        let ctx = ctx.clone();
        let t = t.clone();
        let stop = stop_rx.clone();
        followers.push(tokio::spawn(async move {
            follow(ctx, t, since, rx, stop).await
        }));
    }
    let events = tokio::spawn(watch_events(docker.clone(), senders));

    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let mut ready: std::collections::HashSet<String> = Default::default();
    let mut timed_out = false;
    // SIGTERM (docker stop, CI timeouts) ends a tail like Ctrl-C: with the summary.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::Internal(format!("cannot watch SIGTERM: {e}")))?;
    {
        let all_ended = async {
            // Followers end on their own only when their containers are gone for good.
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if followers.iter().all(|f| f.is_finished()) {
                    break;
                }
            }
        };
        tokio::pin!(all_ended);
        loop {
            let sleep_until = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => futures::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = terminate.recv() => break,
                _ = &mut all_ended => break,
                _ = sleep_until => { timed_out = true; break; }
                Some(name) = ready_rx.recv() => {
                    ready.insert(name);
                    if ctx.args.until_ready && ready.len() == targets.len() {
                        break;
                    }
                }
            }
        }
    }
    let _ = stop_tx.send(true);
    events.abort();
    let mut inputs = Vec::new();
    let mut lost = Vec::new();
    for f in followers {
        match f.await {
            Ok((summary, end)) => {
                if let End::Lost(why) = &end {
                    lost.push(format!("{}: {why}", summary.name));
                }
                inputs.push(summary);
            }
            Err(e) => return Err(Failure::Internal(format!("a follower failed: {e}"))),
        }
    }
    if let Some(m) = metrics_server {
        m.abort();
    }
    let report = {
        let mut flow = ctx.flow.lock().expect("flow lock");
        let done = std::mem::replace(&mut *flow, Flow::new(catalogue, verdict, 0));
        report::build(catalogue, verdict, done.finish(), inputs)
    };
    let not_ready = if ctx.args.until_ready {
        targets
            .iter()
            .filter(|t| !ready.contains(&t.name))
            .map(|t| t.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Collected {
        report,
        lost,
        not_ready,
        timed_out,
    })
}

/// Dispatches the engine's container events to the followers of their containers.
async fn watch_events(docker: Docker, senders: HashMap<String, mpsc::UnboundedSender<Lifecycle>>) {
    let mut filters = HashMap::new();
    filters.insert("type".to_string(), vec!["container".to_string()]);
    filters.insert("container".to_string(), senders.keys().cloned().collect());
    let mut backoff = Duration::from_millis(200);
    loop {
        let mut stream = docker.events(Some(EventsOptions {
            filters: Some(filters.clone()),
            ..Default::default()
        }));
        while let Some(ev) = stream.next().await {
            let Ok(ev) = ev else {
                break;
            };
            backoff = Duration::from_millis(200);
            let id = ev
                .actor
                .as_ref()
                .and_then(|a| a.id.clone())
                .unwrap_or_default();
            let kind = match ev.action.as_deref() {
                Some("start") => Lifecycle::Start,
                Some("die") => Lifecycle::Die(
                    ev.actor
                        .as_ref()
                        .and_then(|a| a.attributes.as_ref())
                        .and_then(|a| a.get("exitCode"))
                        .and_then(|c| c.parse().ok()),
                ),
                Some("destroy") => Lifecycle::Destroy,
                Some("oom") => Lifecycle::Oom,
                _ => continue,
            };
            if let Some(tx) = senders.get(&id) {
                let _ = tx.send(kind);
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One container's log, as two streams (stdout, stderr) of the same pipeline.
struct Follower {
    ctx: Arc<Ctx>,
    name: String,
    streams: [LogStream; 2],
    watch: Watch,
    /// A frame that ended mid-line: the next frame's timestamp is not a line start.
    mid_line: [bool; 2],
    /// Per stream, the last line's engine timestamp, to skip what a re-attached stream
    /// repeats. Per stream because the engine copies stdout and stderr separately: across
    /// the two, times are not in order.
    last_ns: [Option<i128>; 2],
}

/// Where a container's records go: the shared tallies and the live output, with the
/// state that tells the real server's readiness from the init phase's.
struct Watch {
    ctx: Arc<Ctx>,
    name: String,
    /// The compose service the container belongs to, for policies that name it.
    service: Option<String>,
    /// Per stream (a server logs to one of them): a TCP listen since its last start.
    tcp_listening: [bool; 2],
    /// When the engine last reported an OOM kill, and the log a backend's SIGKILL: close
    /// together, the second explains the first.
    oom_at: Option<Instant>,
    sigkill_at: Option<Instant>,
    ready_sent: bool,
}

impl Follower {
    fn new(ctx: Arc<Ctx>, name: String) -> Self {
        let prefix = || ctx.args.prefix.clone();
        Follower {
            streams: [LogStream::new(prefix()), LogStream::new(prefix())],
            watch: Watch {
                ctx: ctx.clone(),
                name: name.clone(),
                service: None,
                oom_at: None,
                sigkill_at: None,
                tcp_listening: [false; 2],
                ready_sent: false,
            },
            ctx,
            name,
            mid_line: [false; 2],
            last_ns: [None; 2],
        }
    }

    /// A frame of `docker logs --timestamps` output: each line starts with the engine's
    /// time. Lines at or before the last one seen are repeats after a re-attach.
    fn frame(&mut self, which: usize, mut bytes: &[u8]) {
        let mut lines = 0u64;
        while !bytes.is_empty() {
            let line_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
            let (line, rest) = bytes.split_at(line_end);
            bytes = rest;
            let stamp_end = memchr::memchr(b' ', line).unwrap_or(0);
            let ns = timestamp::rfc3339_nanos(&line[..stamp_end]);
            let text = if self.mid_line[which] {
                // A continuation chunk of a long line: drop its own timestamp.
                if ns.is_some() {
                    &line[stamp_end + 1..]
                } else {
                    line
                }
            } else {
                if let (Some(ns), Some(last)) = (ns, self.last_ns[which]) {
                    if ns <= last {
                        continue;
                    }
                }
                if ns.is_some() {
                    self.last_ns[which] = ns;
                }
                lines += 1;
                line
            };
            self.mid_line[which] = !line.ends_with(b"\n");
            let watch = &mut self.watch;
            self.streams[which].feed(text, &mut |r| watch.record(which, r));
        }
        if let Ok(mut m) = self.ctx.metrics.lock() {
            m.lines(&self.name, lines);
        }
    }

    /// Hands out held records: on a pause, or when the stream ends.
    fn flush(&mut self) {
        let watch = &mut self.watch;
        for (which, s) in self.streams.iter_mut().enumerate() {
            s.flush(&mut |r| watch.record(which, r));
        }
    }

    fn summary(mut self) -> InputSummary {
        let watch = &mut self.watch;
        for (which, s) in self.streams.iter_mut().enumerate() {
            s.finish(&mut |r| watch.record(which, r));
        }
        let [out, err] = &self.streams;
        InputSummary::of(
            report::Source::Docker,
            self.name.clone(),
            crate::source::framing::Framing::DockerApi,
            crate::source::Compression::None,
            &[err, out],
        )
    }
}

impl Watch {
    /// Says once that a SIGKILLed backend and an OOM event of the engine are the same
    /// event: the kernel's OOM killer chose the backend.
    fn correlate(&mut self) {
        let (Some(oom), Some(kill)) = (self.oom_at, self.sigkill_at) else {
            return;
        };
        let apart = if oom > kill { oom - kill } else { kill - oom };
        if apart > OOM_CORRELATION {
            return;
        }
        self.oom_at = None;
        self.sigkill_at = None;
        let name = self.name.as_str();
        let mut out = std::io::stdout().lock();
        let _ = match self.ctx.args.output {
            Output::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"event": "correlation", "container": name,
                    "ids": ["container.oom-killed", "server.process-killed"],
                    "explanation": "the OOM killer sent the signal 9", "emitted_unix": now_unix()})
            ),
            Output::Table => writeln!(
                out,
                "[{name}] the signal 9 above is the OOM killer's: the engine reported an OOM kill {} ms apart",
                apart.as_millis()
            ),
            _ => Ok(()),
        };
        let _ = out.flush();
    }

    /// The names a policy's `container` may use: the container's, or its compose service.
    fn names(&self) -> [&str; 2] {
        container_names(
            &self.name,
            Some(self.service.as_deref().unwrap_or(&self.name)),
        )
    }

    /// One record of a followed container: tally it, count it, say it if it is new, and
    /// watch for the server becoming ready for real.
    fn record(&mut self, which: usize, r: &Record<'_>) {
        let ctx = &*self.ctx;
        let name = self.name.as_str();
        let names = self.names();
        let mut flow = ctx.flow.lock().expect("flow lock");
        let live = flow.record(r, name, &names, &mut |o| {
            if let Ok(mut m) = ctx.metrics.lock() {
                m.observe(o);
            }
        });
        let (pattern, first, count, sample, time, judged) = match live {
            Live::Finding {
                pattern,
                judged,
                first,
                tally,
                time,
            } => (
                pattern,
                first,
                tally.reported_count(),
                tally.sample.as_ref().map(|s| s.line.clone()),
                time,
                judged,
            ),
            Live::Unclassified { group, first } => {
                if first {
                    say_unexplained(ctx, name, group.level.as_str(), &group.sample);
                }
                return;
            }
            Live::Nothing => return,
        };
        drop(flow);
        // A first start runs a temporary, socket-only server for init scripts: its
        // "ready" is not the server's. Ready means ready after a TCP listen since the
        // last start.
        let pattern_opt = Some(pattern);
        if pattern_opt == ctx.ids.starting {
            self.tcp_listening[which] = false;
        } else if pattern_opt == ctx.ids.listening_tcp {
            self.tcp_listening[which] = true;
        } else if pattern_opt == ctx.ids.ready && self.tcp_listening[which] && !self.ready_sent {
            self.ready_sent = true;
            let _ = ctx.ready.send(name.to_string());
        }
        say_finding(ctx, name, pattern, judged, first, count, sample, time);
        if pattern_opt == ctx.ids.process_killed {
            self.sigkill_at = Some(Instant::now());
            self.correlate();
        }
    }
}

/// Live output for one occurrence of a catalogue entry.
#[allow(clippy::too_many_arguments)]
fn say_finding(
    ctx: &Ctx,
    name: &str,
    pattern: usize,
    judged: crate::verdict::Judgement,
    first: bool,
    count: u64,
    sample: Option<String>,
    time: Option<Timestamp>,
) {
    let p = &ctx.catalogue.patterns()[pattern];
    let env = ctx.flow.lock().expect("flow lock").verdict().env;
    let severity = judged.severity;
    let accepted = judged.slot.accepted.and_then(|r| {
        let flow = ctx.flow.lock().expect("flow lock");
        flow.verdict()
            .policy
            .as_ref()
            .map(|p| p.accepts[r].reason.clone())
    });
    let mut out = std::io::stdout().lock();
    match ctx.args.output {
        Output::Jsonl => {
            let mut ev = serde_json::json!({
                "event": "finding",
                "container": name,
                "id": p.id,
                "severity": severity,
                "first": first,
                "count": count,
                "accepted": accepted,
                "time": time.map(|t| t.to_string()),
                "emitted_unix": now_unix(),
            });
            if first {
                ev["sample"] = serde_json::json!(sample);
                ev["title"] = serde_json::json!(p.title);
                ev["remediation"] = serde_json::json!(p.remediation.get(env).trim());
            }
            let _ = writeln!(out, "{ev}");
        }
        Output::Table if first => {
            let _ = writeln!(out, "[{name}] {} {} — {}", severity.as_str(), p.id, p.title);
            if let Some(s) = sample {
                let _ = writeln!(out, "    {s}");
            }
            if let Some(reason) = &accepted {
                let _ = writeln!(out, "    accepted by policy: {reason}");
            } else if severity > Severity::Info {
                let advice = p.remediation.get(env);
                let first_para = advice.trim().split("\n\n").next().unwrap_or("");
                let _ = writeln!(
                    out,
                    "    what to do ({}): {}",
                    env.as_str(),
                    first_para.trim()
                );
            }
        }
        _ => {}
    }
    let _ = out.flush();
}

fn say_unexplained(ctx: &Ctx, name: &str, level: &str, sample: &str) {
    let mut out = std::io::stdout().lock();
    match ctx.args.output {
        Output::Jsonl => {
            let ev = serde_json::json!({"event": "unclassified", "container": name, "severity": level,
                "sample": sample, "emitted_unix": now_unix()});
            let _ = writeln!(out, "{ev}");
        }
        Output::Table => {
            let _ = writeln!(out, "[{name}] unclassified {level}: {sample}");
        }
        _ => {}
    }
    let _ = out.flush();
}

/// A finding from the container's configuration or state.
fn context_finding(ctx: &Ctx, watch: &Watch, check: &str, evidence: &str) {
    let name = watch.name.as_str();
    let Some(pattern) = ctx.catalogue.by_check(check) else {
        return;
    };
    let mut flow = ctx.flow.lock().expect("flow lock");
    let live = flow.context(
        pattern,
        evidence,
        now_timestamp(),
        name,
        &watch.names(),
        &mut |o| {
            if let Ok(mut m) = ctx.metrics.lock() {
                m.observe(o);
            }
        },
    );
    let Live::Finding {
        judged,
        first,
        tally,
        time,
        ..
    } = live
    else {
        return;
    };
    let (count, sample) = (
        tally.reported_count(),
        tally.sample.as_ref().map(|s| s.line.clone()),
    );
    drop(flow);
    say_finding(ctx, name, pattern, judged, first, count, sample, time);
}

/// An OOM kill inside a running container: reported with the limit from inspect, and
/// tied to the log's `terminated by signal 9` when the victim was a backend.
async fn on_oom_event(ctx: &Ctx, watch: &mut Watch, id: &str) {
    let name = watch.name.as_str();
    if let Ok(mut m) = ctx.metrics.lock() {
        m.oom_kill(name);
    }
    let limit = ctx
        .docker
        .inspect_container(id, None)
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
    context_finding(ctx, watch, "oom-killed", &evidence);
    watch.oom_at = Some(Instant::now());
    watch.correlate();
}

/// Follows one container until told to stop or until it is gone.
async fn follow(
    ctx: Arc<Ctx>,
    target: Target,
    since: Option<i64>,
    mut events: mpsc::UnboundedReceiver<Lifecycle>,
    mut stop: watch::Receiver<bool>,
) -> (InputSummary, End) {
    let mut f = Follower::new(ctx.clone(), target.name.clone());
    let end = follow_loop(&ctx, &target, since, &mut events, &mut stop, &mut f).await;
    (f.summary(), end)
}

async fn follow_loop(
    ctx: &Arc<Ctx>,
    target: &Target,
    since: Option<i64>,
    events: &mut mpsc::UnboundedReceiver<Lifecycle>,
    stop: &mut watch::Receiver<bool>,
    f: &mut Follower,
) -> End {
    let name = target.name.as_str();
    let inspect = match ctx.docker.inspect_container(&target.id, None).await {
        Ok(c) => c,
        Err(e) => return End::Lost(format!("cannot inspect: {e}")),
    };
    f.watch.service = docker::compose_service(&inspect);
    for c in context::inspect(&inspect) {
        context_finding(ctx, &f.watch, c.check, &c.evidence);
    }
    let tty = inspect.config.as_ref().and_then(|c| c.tty).unwrap_or(false);
    // By default, the current run of the container: from its start, init phase included.
    let mut since_secs = since.unwrap_or_else(|| {
        inspect
            .state
            .as_ref()
            .and_then(|s| s.started_at.as_deref())
            .and_then(|t| timestamp::rfc3339_nanos(t.as_bytes()))
            .map_or(0, |ns| (ns / 1_000_000_000) as i64)
    });
    let mut run = Run::default();
    let mut backoff = Duration::from_millis(200);
    loop {
        let mut logs = ctx.docker.logs(
            &target.id,
            Some(LogsOptions {
                follow: !ctx.args.no_follow,
                stdout: true,
                stderr: true,
                timestamps: true,
                since: since_secs.clamp(0, i32::MAX as i64) as i32,
                ..Default::default()
            }),
        );
        let mut failed = None;
        let mut last_data = Instant::now();
        loop {
            tokio::select! {
                item = logs.next() => match item {
                    Some(Ok(out)) => {
                        last_data = Instant::now();
                        match out {
                            LogOutput::StdOut { message } => f.frame(0, &message),
                            LogOutput::StdErr { message } => f.frame(1, &message),
                            // A TTY merges both streams into one.
                            LogOutput::Console { message } => f.frame(usize::from(!tty), &message),
                            LogOutput::StdIn { .. } => {}
                        }
                    }
                    Some(Err(e)) => { failed = Some(e.to_string()); break; }
                    None => break,
                },
                _ = tokio::time::sleep(IDLE_FLUSH), if last_data.elapsed() < IDLE_FLUSH * 50 => f.flush(),
                _ = stop.changed() => { f.flush(); return End::Stopped; }
                Some(ev) = events.recv() => {
                    f.flush();
                    if let Some(end) = run.on_event(ctx, name, &target.id, ev, f).await {
                        return end;
                    }
                }
            }
        }
        f.flush();
        if ctx.args.no_follow && failed.is_none() {
            return End::Stopped;
        }
        // Re-attach from the earlier of the two streams' last lines; repeats are skipped.
        if let Some(ns) = f.last_ns.iter().flatten().min() {
            since_secs = (ns / 1_000_000_000) as i64;
        }
        // The stream ended: the container stopped, or the engine went away.
        let state = match ctx.docker.inspect_container(&target.id, None).await {
            Ok(c) => c,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => return End::Lost("the container was removed".into()),
            Err(e) => {
                let why = failed.unwrap_or_else(|| e.to_string());
                eprintln!("pgtriage: [{name}] lost the Docker daemon ({why}); reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return End::Stopped,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        if state
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false)
        {
            continue;
        }
        if state.state.as_ref().and_then(|s| s.oom_killed) == Some(true) && !run.oom_reported {
            run.oom_reported = true;
            if let Ok(mut m) = ctx.metrics.lock() {
                m.oom_kill(name);
            }
            context_finding(ctx, &f.watch, "oom-killed", &context::oom_evidence(&state));
        }
        let policy = state
            .host_config
            .as_ref()
            .and_then(|h| h.restart_policy.as_ref())
            .and_then(|p| p.name.map(|n| n.to_string()))
            .unwrap_or_default();
        let will_restart = matches!(policy.as_str(), "always" | "unless-stopped" | "on-failure");
        let grace = async {
            if will_restart {
                futures::future::pending::<()>().await
            } else {
                tokio::time::sleep(RESTART_GRACE).await
            }
        };
        tokio::pin!(grace);
        // Stopped: wait for it to start again (its Start event may already be queued).
        let restarts = run.restarts;
        while run.restarts == restarts {
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(ev) => {
                        if let Some(end) = run.on_event(ctx, name, &target.id, ev, f).await {
                            return end;
                        }
                    }
                    None => return End::Exited,
                },
                _ = &mut grace => return End::Exited,
                _ = stop.changed() => return End::Stopped,
            }
        }
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

impl Run {
    /// Handles one engine event; `Some` when following must end.
    async fn on_event(
        &mut self,
        ctx: &Ctx,
        name: &str,
        id: &str,
        ev: Lifecycle,
        f: &mut Follower,
    ) -> Option<End> {
        match ev {
            Lifecycle::Die(code) => self.last_exit = code,
            Lifecycle::Oom => {
                self.oom_seen = true;
                if !self.oom_reported {
                    self.oom_reported = true;
                    on_oom_event(ctx, &mut f.watch, id).await;
                }
            }
            Lifecycle::Start => {
                self.restarts += 1;
                if let Ok(mut m) = ctx.metrics.lock() {
                    m.restart(name);
                }
                let code = self
                    .last_exit
                    .map_or("unknown".to_string(), |c| c.to_string());
                let evidence = format!(
                    "restarted after exit code {code} (OOMKilled: {})",
                    self.oom_seen
                );
                context_finding(ctx, &f.watch, "restarted", &evidence);
                // A new run: the new server's lines are new, and so is its readiness.
                self.last_exit = None;
                self.oom_reported = false;
                self.oom_seen = false;
                f.watch.tcp_listening = [false; 2];
                f.watch.ready_sent = false;
            }
            Lifecycle::Destroy => return Some(End::Lost("the container was removed".into())),
        }
        None
    }
}
