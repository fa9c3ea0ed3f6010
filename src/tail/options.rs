//! What a tail run is asked to do, resolved: times parsed, the prefix compiled, the policy
//! and baseline loaded. The command line is read here and only here, so other commands
//! (`policy init --container`) drive a tail without inventing command-line arguments.

use crate::catalogue::Catalogue;
use crate::cli::{Gate, TailArgs, TailOutput};
use crate::error::Failure;
use crate::parse::prefix::Prefix;
use crate::timestamp;
use std::time::Duration;

/// How long `--until-ready` waits when no `--timeout` is given.
const UNTIL_READY_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug)]
pub struct TailOptions {
    /// Containers named by name or id.
    pub containers: Vec<String>,
    /// Every running container that looks like PostgreSQL.
    pub all: bool,
    pub compose_project: Option<String>,
    /// With `compose_project`: only this service.
    pub service: Option<String>,
    /// Read from this Unix second; by default from the container's last start.
    pub since: Option<i64>,
    /// Stop once every container's server is ready for real.
    pub until_ready: bool,
    pub timeout: Option<Duration>,
    /// Serve Prometheus metrics on this address.
    pub metrics: Option<String>,
    pub output: TailOutput,
    /// The server's log_line_prefix; detected per stream when absent.
    pub prefix: Option<Prefix>,
    /// Read what is logged so far, then stop.
    pub no_follow: bool,
    pub gate: Gate,
}

impl TailOptions {
    /// Resolves `pgtriage tail`'s arguments; a value that does not parse is a usage error.
    pub fn from_args(args: &TailArgs, catalogue: &Catalogue) -> Result<TailOptions, Failure> {
        let since = args
            .since
            .as_deref()
            .map(parse_since)
            .transpose()
            .map_err(Failure::Usage)?;
        let timeout = match args.timeout.as_deref() {
            Some(t) => Some(parse_duration(t).ok_or_else(|| {
                Failure::Usage(format!("--timeout {t:?}: expected a duration such as 120s"))
            })?),
            None if args.until_ready => Some(UNTIL_READY_TIMEOUT),
            None => None,
        };
        let prefix = args
            .prefix
            .as_deref()
            .map(Prefix::compile)
            .transpose()
            .map_err(Failure::Usage)?;
        Ok(TailOptions {
            containers: args.containers.clone(),
            all: args.all,
            compose_project: args.compose_project.clone(),
            service: args.service.clone(),
            since,
            until_ready: args.until_ready,
            timeout,
            metrics: args.metrics.clone(),
            output: args.output,
            prefix,
            no_follow: args.no_follow,
            gate: args.gate.resolve(catalogue)?,
        })
    }

    /// What named containers have logged so far and what their configuration says,
    /// without live output, judged by `gate`.
    pub fn log_so_far(containers: Vec<String>, gate: Gate) -> TailOptions {
        TailOptions {
            containers,
            all: false,
            compose_project: None,
            service: None,
            since: None,
            until_ready: false,
            timeout: None,
            metrics: None,
            output: TailOutput::Json,
            prefix: None,
            no_follow: true,
            gate,
        }
    }
}

/// `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`), an RFC 3339 time, or
/// Unix seconds. Returns Unix seconds.
pub fn parse_since(s: &str) -> Result<i64, String> {
    if let Some(ns) = timestamp::rfc3339_nanos(s.as_bytes()) {
        return Ok((ns / 1_000_000_000) as i64);
    }
    if let Some(d) = parse_duration(s) {
        return Ok(super::now_unix() as i64 - d.as_secs() as i64);
    }
    s.parse::<i64>().map_err(|_| {
        format!("--since {s:?}: expected a duration (30s, 10m, 2h, 1d), an RFC 3339 time or Unix seconds")
    })
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
