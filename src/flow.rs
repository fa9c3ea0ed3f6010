//! The chain both drivers run: record → classify → verdict → collectors. `analyze` feeds
//! it records from files, `tail` from the Docker Engine and engine events; they differ
//! only in their source and in what they do with the live answer.

use crate::catalogue::{Catalogue, CONTEXT_RECORDS};
use crate::collect::stats::{Ctx, Stats};
use crate::collect::{Collected, Collector, Collectors, Event, Group, Observation, Tally};
use crate::parse::record::Record;
use crate::timestamp::Timestamp;
use crate::verdict::{fingerprint, Judgement, Verdict};
use std::cell::Cell;

pub struct Flow<'c> {
    catalogue: &'c Catalogue,
    verdict: &'c Verdict,
    collectors: Collectors,
    /// What the server did (`analyze` without `--no-stats`).
    stats: Option<Stats<'c>>,
    next_seq: u64,
    /// Per input or container: the entries of its latest classified records, the context
    /// that templates with `after` read.
    recent: Recents,
    last_time: LastTime,
}

/// The last record time read, as logged and as parsed: a busy server logs many lines in
/// one second (`%t`) or millisecond, and a compare costs less than a parse.
#[derive(Debug, Default)]
struct LastTime {
    text: Vec<u8>,
    epoch: bool,
    time: Option<Timestamp>,
}

impl LastTime {
    fn of(&mut self, r: &Record<'_>) -> Option<Timestamp> {
        let text = r.time?;
        if !crate::bytes::eq(text, &self.text) || r.epoch != self.epoch {
            self.text.clear();
            self.text.extend_from_slice(text);
            self.epoch = r.epoch;
            self.time = record_time(r);
        }
        self.time
    }
}

/// The last `CONTEXT_RECORDS` entries seen, in no particular order.
#[derive(Debug, Default, Clone)]
struct Recent {
    entries: [usize; CONTEXT_RECORDS],
    len: usize,
    next: usize,
}

impl Recent {
    fn push(&mut self, pattern: usize) {
        self.entries[self.next] = pattern;
        self.next = (self.next + 1) % CONTEXT_RECORDS;
        self.len = (self.len + 1).min(CONTEXT_RECORDS);
    }

    fn entries(&self) -> &[usize] {
        &self.entries[..self.len]
    }
}

/// Each source's `Recent`. A flow reads a source's records in runs (a file, a chunk, a
/// container's stream between others'), so the source asked for last is compared first:
/// a map hashed the source's name twice for every record.
#[derive(Debug, Default)]
struct Recents {
    sources: Vec<(String, Recent)>,
    last: Cell<usize>,
}

impl Recents {
    fn find(&self, source: &str) -> Option<usize> {
        let is = |(s, _): &(String, Recent)| crate::bytes::eq(s.as_bytes(), source.as_bytes());
        let last = self.last.get();
        if self.sources.get(last).is_some_and(is) {
            return Some(last);
        }
        let i = self.sources.iter().position(is)?;
        self.last.set(i);
        Some(i)
    }

    fn get(&self, source: &str) -> Option<&Recent> {
        self.find(source).map(|i| &self.sources[i].1)
    }

    /// Where `source`'s `Recent` is kept, made empty if it has none yet: a record reads
    /// it and then adds to it, one lookup for both.
    fn slot(&mut self, source: &str) -> usize {
        self.find(source).unwrap_or_else(|| {
            self.sources.push((source.to_string(), Recent::default()));
            self.last.set(self.sources.len() - 1);
            self.sources.len() - 1
        })
    }

    fn at(&mut self, slot: usize) -> &mut Recent {
        &mut self.sources[slot].1
    }
}

/// What a flow carries from one record of a source to the next (see `Flow::context`).
#[derive(Debug, Clone)]
pub struct Context {
    recent: Recent,
    episode: Option<usize>,
}

/// What one occurrence did, for live output.
#[derive(Debug)]
pub enum Live<'f> {
    Finding {
        pattern: usize,
        judged: Judgement,
        /// The first occurrence in its slot.
        first: bool,
        tally: &'f Tally,
        time: Option<Timestamp>,
    },
    Unclassified {
        group: &'f Group,
        first: bool,
    },
    /// Nothing a person watching needs to see.
    Nothing,
}

/// The names a policy's `container` may use for an occurrence: the container's, and its
/// compose service — from the engine's label when known, else from the compose name
/// (`db-1`, `db_1` → `db`).
pub fn container_names<'a>(name: &'a str, service: Option<&'a str>) -> [&'a str; 2] {
    let service = service.unwrap_or_else(|| {
        let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit());
        if trimmed.len() < name.len() {
            trimmed.trim_end_matches(['-', '_'])
        } else {
            name
        }
    });
    [name, service]
}

impl<'c> Flow<'c> {
    /// `first_seq`: where this flow's sequence numbers start (`collect::seq_base`).
    pub fn new(catalogue: &'c Catalogue, verdict: &'c Verdict, first_seq: u64) -> Self {
        let accepts = verdict.policy.as_ref().map_or(0, |p| p.accepts.len());
        Flow {
            catalogue,
            verdict,
            collectors: Collectors::new(catalogue, accepts, verdict.show_sensitive),
            stats: None,
            next_seq: first_seq,
            recent: Recents::default(),
            last_time: LastTime::default(),
        }
    }

    /// Also collects the statistics of what the server did.
    pub fn with_stats(mut self) -> Self {
        let ctx = Ctx::new(self.catalogue, self.verdict.show_sensitive);
        self.stats = Some(Stats::new(&ctx));
        self
    }

    /// The collectors, then the statistics, see one observation.
    fn observe(&mut self, o: &Observation<'_>) {
        self.collectors.observe(o);
        if let Some(stats) = &mut self.stats {
            stats.observe(o);
        }
    }

    pub fn catalogue(&self) -> &'c Catalogue {
        self.catalogue
    }

    pub fn verdict(&self) -> &'c Verdict {
        self.verdict
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// One record from `source`; `containers` are the names the policy may narrow by.
    /// `tap` sees the observation after the collectors (metrics, say).
    pub fn record(
        &mut self,
        record: &Record<'_>,
        source: &str,
        containers: &[&str],
        tap: &mut dyn FnMut(&Observation<'_>),
    ) -> Live<'_> {
        let seq = self.seq();
        let catalogue = self.catalogue;
        let slot = self.recent.slot(source);
        let recent = self.recent.at(slot).entries();
        let found = catalogue.classify_after(record, recent);
        let Some(m) = found.as_ref() else {
            return self.unclassified(record, seq, source, tap);
        };
        self.recent.at(slot).push(m.pattern);
        let message = record.message;
        let judged = self
            .verdict
            .judge(catalogue, m.pattern, containers, |name| {
                catalogue.capture(m, name, message)
            });
        let time = self.last_time.of(record);
        let o = Observation {
            seq,
            time,
            source,
            event: Event::Finding {
                record,
                matched: m,
                id: &catalogue.patterns()[m.pattern].id,
                judged,
            },
        };
        self.finding(&o, m.pattern, judged, tap)
    }

    /// A finding from a container's configuration or state.
    pub fn context(
        &mut self,
        pattern: usize,
        evidence: &str,
        time: Option<Timestamp>,
        source: &str,
        containers: &[&str],
        tap: &mut dyn FnMut(&Observation<'_>),
    ) -> Live<'_> {
        let seq = self.seq();
        let judged = self
            .verdict
            .judge(self.catalogue, pattern, containers, |_| None);
        let o = Observation {
            seq,
            time,
            source,
            event: Event::Context {
                evidence,
                id: &self.catalogue.patterns()[pattern].id,
                judged,
            },
        };
        self.finding(&o, pattern, judged, tap)
    }

    fn finding(
        &mut self,
        o: &Observation<'_>,
        pattern: usize,
        judged: Judgement,
        tap: &mut dyn FnMut(&Observation<'_>),
    ) -> Live<'_> {
        self.observe(o);
        tap(o);
        let tally = self.collectors.findings.tallies().slot(judged.slot);
        Live::Finding {
            pattern,
            judged,
            first: tally.count + tally.folded == 1,
            tally,
            time: o.time,
        }
    }

    fn unclassified(
        &mut self,
        record: &Record<'_>,
        seq: u64,
        source: &str,
        tap: &mut dyn FnMut(&Observation<'_>),
    ) -> Live<'_> {
        let warning_or_worse = record.level.filter(|l| l.is_warning_or_worse());
        let event = match warning_or_worse {
            Some(level) => Event::Unclassified {
                record,
                level,
                fingerprint: fingerprint(level, record.message),
            },
            None => Event::Record { record },
        };
        let time = warning_or_worse.and_then(|_| record_time(record));
        let o = Observation {
            seq,
            time,
            source,
            event,
        };
        self.observe(&o);
        tap(&o);
        let Event::Unclassified { fingerprint, .. } = o.event else {
            return Live::Nothing;
        };
        match self.collectors.unclassified.group(fingerprint) {
            Some(group) => Live::Unclassified {
                first: group.count == 1,
                group,
            },
            None => Live::Nothing,
        }
    }

    /// What this flow saw of `source` that could change how its next records are
    /// classified or grouped: a context entry among its recent records, or an open crash
    /// episode. `None` when there is none: a chunk of a split input that ends there
    /// leaves the next one nothing to take over (ADR split-input).
    pub fn carried(&self, source: &str) -> Option<Context> {
        let recent = self.recent.get(source);
        let entries = recent.map_or(&[][..], Recent::entries);
        let episode = self.collectors.episodes.open_cause(source);
        let reads = entries.iter().any(|p| self.catalogue.is_context(*p));
        (reads || episode.is_some()).then(|| Context {
            recent: recent.cloned().unwrap_or_default(),
            episode,
        })
    }

    /// Starts `source` where another flow left it (`carried`): the next chunk of a split
    /// input, read again with what the chunk before ended with.
    pub fn resume(&mut self, source: &str, context: Context) {
        let slot = self.recent.slot(source);
        *self.recent.at(slot) = context.recent;
        if let Some(cause) = context.episode {
            self.collectors.episodes.reopen(source, cause);
        }
    }

    /// Folds in a flow over other inputs (see `Collector::merge`).
    pub fn merge(&mut self, other: Flow<'c>) {
        self.collectors.merge(other.collectors);
        match (&mut self.stats, other.stats) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
    }

    pub fn finish(self) -> Collected {
        Collected {
            activity: self.stats.map(Stats::finish),
            ..self.collectors.finish()
        }
    }
}

/// The record's time: from the prefix (`%n` as epoch seconds), else the runtime's.
pub fn record_time(r: &Record<'_>) -> Option<Timestamp> {
    let t = r.time?;
    if r.epoch {
        Timestamp::parse_epoch(t)
    } else {
        Timestamp::parse(t)
    }
}
