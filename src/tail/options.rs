//! What a tail run is asked to do, resolved: times parsed, the prefix compiled, the policy
//! and baseline loaded into the verdict. `cli` builds it from the arguments; other commands
//! (`policy init --container`) build it directly, without inventing arguments.

use crate::parse::prefix::Prefix;
use crate::report::term::Look;
use crate::report::Output;
use crate::timestamp;
use crate::verdict::Verdict;
use std::time::Duration;

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
    pub output: Output,
    /// Width, colour and `--all` of the table output's lines and report.
    pub look: Look,
    /// The server's log_line_prefix; detected per stream when absent.
    pub prefix: Option<Prefix>,
    /// Read what is logged so far, then stop.
    pub no_follow: bool,
    pub verdict: Verdict,
}

impl TailOptions {
    /// What named containers have logged so far and what their configuration says,
    /// without live output, judged by `verdict`.
    pub fn log_so_far(containers: Vec<String>, verdict: Verdict) -> TailOptions {
        TailOptions {
            containers,
            all: false,
            compose_project: None,
            service: None,
            since: None,
            until_ready: false,
            timeout: None,
            metrics: None,
            output: Output::Json,
            look: Look::default(),
            prefix: None,
            no_follow: true,
            verdict,
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
        return Ok(crate::metrics::now_unix() as i64 - d.as_secs() as i64);
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
