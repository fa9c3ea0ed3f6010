//! Where one container's records and container findings go: the shared tallies, the
//! metrics, the live output, and the judgements made from their order (readiness, OOM).

use super::live::FindingLine;
use super::readiness::{OomCorrelation, Readiness, Signal};
use super::tally::{Noted, Occurrence};
use super::{now_timestamp, Ctx};
use crate::catalogue::Catalogue;
use crate::docker::inspect::CHECKS;
use crate::error::Failure;
use crate::flow::container_names;
use crate::parse::record::Record;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The catalogue entries tail reacts to, looked up once at start: an entry missing from the
/// catalogue is a defect, not a feature that silently never fires.
#[derive(Debug)]
pub struct Ids {
    starting: usize,
    listening_tcp: usize,
    ready: usize,
    process_killed: usize,
    /// By container check (`docker::inspect::CHECKS`).
    checks: HashMap<&'static str, usize>,
}

impl Ids {
    pub fn resolve(catalogue: &Catalogue) -> Result<Ids, Failure> {
        let missing = |what: String| Failure::Internal(format!("the catalogue has no {what}"));
        let id = |id: &str| {
            catalogue
                .index_of(id)
                .ok_or_else(|| missing(format!("entry {id}")))
        };
        let checks = CHECKS
            .iter()
            .map(|&c| {
                Ok((
                    c,
                    catalogue
                        .by_check(c)
                        .ok_or_else(|| missing(format!("check {c}")))?,
                ))
            })
            .collect::<Result<_, Failure>>()?;
        Ok(Ids {
            starting: id("server.starting")?,
            listening_tcp: id("server.listening-tcp")?,
            ready: id("server.ready")?,
            process_killed: id("server.process-killed")?,
            checks,
        })
    }

    fn signal(&self, pattern: usize) -> Option<Signal> {
        match pattern {
            p if p == self.starting => Some(Signal::Starting),
            p if p == self.listening_tcp => Some(Signal::ListeningTcp),
            p if p == self.ready => Some(Signal::Ready),
            _ => None,
        }
    }

    /// The entry a container check raises; `check` is one of `CHECKS`.
    pub fn check(&self, check: &str) -> usize {
        self.checks[check]
    }
}

/// One followed container's view of the run.
pub struct Recorder {
    ctx: Arc<Ctx>,
    pub name: String,
    /// The compose service the container belongs to, for policies that name it.
    pub service: Option<String>,
    readiness: Readiness,
    oom: OomCorrelation,
}

impl Recorder {
    pub fn new(ctx: Arc<Ctx>, name: String) -> Recorder {
        Recorder {
            ctx,
            name,
            service: None,
            readiness: Readiness::default(),
            oom: OomCorrelation::default(),
        }
    }

    /// The names a policy's `container` may use: the container's, or its compose service.
    fn names(&self) -> [&str; 2] {
        container_names(
            &self.name,
            Some(self.service.as_deref().unwrap_or(&self.name)),
        )
    }

    /// One record from `stream` (0 stdout, 1 stderr): tally it, say it if it is new, and
    /// watch for the server becoming ready for real and for a backend's SIGKILL.
    pub fn record(&mut self, stream: usize, r: &Record<'_>) {
        let ctx = &*self.ctx;
        let o = match ctx.tallies.record(r, &self.name, &self.names()) {
            Noted::Finding(o) => o,
            Noted::NewUnclassified { level, sample } => {
                if let Some(live) = ctx.output.live() {
                    live.unclassified(&self.name, level, &sample);
                }
                return;
            }
            Noted::Nothing => return,
        };
        if let Some(signal) = ctx.ids.signal(o.pattern) {
            if self.readiness.observe(stream, signal) {
                let _ = ctx.ready.send(self.name.clone());
            }
        }
        self.say(&o);
        if o.pattern == ctx.ids.process_killed {
            let apart = self.oom.sigkill(Instant::now());
            self.say_oom_correlation(apart);
        }
    }

    /// A finding that `check` (one of `docker::inspect::CHECKS`) raised on the container's
    /// configuration or state.
    pub fn container_finding(&self, check: &str, evidence: &str) {
        let pattern = self.ctx.ids.check(check);
        let now = now_timestamp();
        if let Some(o) =
            self.ctx
                .tallies
                .container_finding(pattern, evidence, now, &self.name, &self.names())
        {
            self.say(&o);
        }
    }

    /// The engine reported an OOM kill in the running container.
    pub fn oom_event(&mut self, evidence: &str) {
        self.container_finding("oom-killed", evidence);
        let apart = self.oom.oom(Instant::now());
        self.say_oom_correlation(apart);
    }

    /// Lines read from the container's log, for the metrics.
    pub fn count_lines(&self, n: u64) {
        self.ctx.metrics(|m| m.lines(&self.name, n));
    }

    /// The container started again: a new server, to become ready anew.
    pub fn restarted(&mut self) {
        self.readiness.restarted();
    }

    fn say(&self, o: &Occurrence) {
        let ctx = &*self.ctx;
        if let Some(live) = ctx.output.live() {
            live.finding(&FindingLine {
                container: &self.name,
                pattern: &ctx.catalogue.patterns()[o.pattern],
                occurrence: o,
            });
        }
    }

    fn say_oom_correlation(&self, apart: Option<std::time::Duration>) {
        if let (Some(apart), Some(live)) = (apart, self.ctx.output.live()) {
            live.oom_correlation(&self.name, apart);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_has_every_entry_tail_reacts_to() {
        let ids = Ids::resolve(Catalogue::builtin().unwrap()).unwrap();
        assert_eq!(ids.checks.len(), CHECKS.len());
    }
}
