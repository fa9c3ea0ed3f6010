//! Where one container's records and container findings go: the shared tallies, the
//! metrics, the live output, and the judgements made from their order (readiness, OOM).

use super::live::FindingLine;
use super::readiness::{OomCorrelation, Readiness, Signal};
use super::tally::{Noted, Occurrence};
use super::{now_timestamp, Ctx};
use crate::catalogue::Catalogue;
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
    /// By container check (`checks::all()`).
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
        let checks = crate::checks::all()
            .map(|c| {
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

    /// The entry a container check raises; `check` is one of `checks::all()`.
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
        let ready = ctx
            .ids
            .signal(o.pattern)
            .is_some_and(|signal| self.readiness.observe(stream, signal));
        self.say(&o);
        if ready {
            if let Some(live) = ctx.output.live() {
                live.ready(&self.name, o.time.as_ref());
            }
            let _ = ctx.ready.send(self.name.clone());
        }
        if o.pattern == ctx.ids.process_killed {
            let apart = self.oom.sigkill(Instant::now());
            self.say_oom_correlation(apart);
        }
    }

    /// A finding that `check` (one of `checks::all()`) raised on the container's
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
    use crate::source::framing::Framed;

    #[test]
    fn the_builtin_catalogue_has_every_entry_tail_reacts_to() {
        let ids = Ids::resolve(Catalogue::builtin().unwrap()).unwrap();
        assert_eq!(ids.checks.len(), crate::checks::all().count());
    }

    /// Feeds a committed sample log, as one stream, through the catalogue and readiness;
    /// the main line of the record that made the server ready, if one did.
    fn ready_line(log: &str) -> Option<String> {
        let catalogue = Catalogue::builtin().unwrap();
        let ids = Ids::resolve(catalogue).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(log);
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{log}: {e}"));
        let mut parser = crate::parse::parser(None, None);
        let mut readiness = Readiness::default();
        let mut ready = None;
        let mut sink = |r: &Record<'_>| {
            let signal = catalogue.classify(r).and_then(|m| ids.signal(m.pattern));
            if signal.is_some_and(|s| readiness.observe(1, s)) {
                ready.get_or_insert_with(|| String::from_utf8_lossy(r.line).into_owned());
            }
        };
        for line in text.split(|&b| b == b'\n') {
            parser.push(&Framed::plain(line), &mut sink);
        }
        parser.finish(&mut sink);
        ready
    }

    /// `tail --until-ready` on every major the scenarios ran: the real listening and ready
    /// lines each one printed (scripts/gen-sample-logs.sh, sample-logs/ for 15 and
    /// sample-logs/pgNN/ for the others), a primary's and a hot standby's (`read-only`).
    #[test]
    fn every_majors_real_ready_lines_make_the_server_ready() {
        let dirs = [
            "sample-logs/pg14",
            "sample-logs",
            "sample-logs/pg16",
            "sample-logs/pg17",
            "sample-logs/pg18",
        ];
        for dir in dirs {
            let primary = ready_line(&format!("{dir}/healthcheck-misconfig.log"));
            assert!(
                primary.as_deref().is_some_and(
                    |l| l.ends_with("LOG:  database system is ready to accept connections")
                ),
                "{dir}: {primary:?}"
            );
            let standby = ready_line(&format!("{dir}/maintenance-standby.log"));
            assert!(
                standby.as_deref().is_some_and(|l| l
                    .ends_with("LOG:  database system is ready to accept read-only connections")),
                "{dir}: {standby:?}"
            );
        }
    }
}
