//! Connections and sessions (`log_connections`, `log_disconnections`): who connects to
//! which database from where and with which application, how long sessions last, and how
//! many were open at once.

use super::capped::{named, top, Capped, Named, Row};
use super::{key, uint, Ctx, Kind};
use crate::collect::{Collector, Observation};
use serde::Serialize;
use std::collections::BTreeMap;

/// Distinct databases, users, applications or clients kept per table.
pub const MAX_NAMES: usize = 1000;
/// Rows listed per table in the report.
pub const TOP_NAMES: usize = 20;
/// Upper bounds (ms) of the session-duration buckets, pgBadger's.
pub const DURATION_BOUNDS: [(u64, &str); 7] = [
    (500, "<500ms"),
    (1_000, "500ms-1s"),
    (30_000, "1s-30s"),
    (60_000, "30s-1min"),
    (1_800_000, "1min-30min"),
    (3_600_000, "30min-1h"),
    (28_800_000, "1h-8h"),
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    pub sessions: u64,
    pub total_ms: u64,
}

impl Row for SessionRow {
    fn fold(&mut self, o: Self) {
        self.sessions += o.sessions;
        self.total_ms += o.total_ms;
    }
}

#[derive(Debug, Clone)]
pub struct Sessions<'c> {
    ctx: Ctx<'c>,
    received: u64,
    connections: u64,
    replication_connections: u64,
    sessions: SessionRow,
    max_session_ms: u64,
    durations: [u64; DURATION_BOUNDS.len() + 1],
    by_database: Capped<u64>,
    by_user: Capped<u64>,
    by_application: Capped<u64>,
    by_client: Capped<u64>,
    /// Sessions (from their disconnection line) by database, user and client.
    sessions_by_database: Capped<SessionRow>,
    sessions_by_user: Capped<SessionRow>,
    sessions_by_client: Capped<SessionRow>,
    /// Per second (epoch): sessions opening minus sessions closed the second before. The
    /// running sum is the number of sessions open during that second.
    opened: BTreeMap<i64, i64>,
}

#[derive(Debug, Serialize)]
pub struct SessionStats {
    /// `connection received` lines (accepted sockets, logins or not).
    pub received: u64,
    /// `connection authorized` lines: completed logins.
    pub connections: u64,
    pub replication_connections: u64,
    /// `disconnection` lines: sessions that ended, with their durations.
    pub sessions: u64,
    pub total_ms: u64,
    pub mean_ms: u64,
    pub max_ms: u64,
    pub durations: serde_json::Map<String, serde_json::Value>,
    /// The most sessions open during one same second (from the disconnection lines).
    pub peak_concurrent: u64,
    pub peak_at: Option<String>,
    pub by_database: Vec<Named>,
    pub by_user: Vec<Named>,
    pub by_application: Vec<Named>,
    pub by_client: Vec<Named>,
    pub sessions_by_database: Vec<NamedSessions>,
    pub sessions_by_user: Vec<NamedSessions>,
    pub sessions_by_client: Vec<NamedSessions>,
    pub cap: usize,
}

#[derive(Debug, Serialize)]
pub struct NamedSessions {
    pub name: String,
    #[serde(flatten)]
    pub row: SessionRow,
}

impl<'c> Sessions<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Sessions {
            ctx,
            received: 0,
            connections: 0,
            replication_connections: 0,
            sessions: SessionRow::default(),
            max_session_ms: 0,
            durations: [0; DURATION_BOUNDS.len() + 1],
            by_database: Capped::new(MAX_NAMES),
            by_user: Capped::new(MAX_NAMES),
            by_application: Capped::new(MAX_NAMES),
            by_client: Capped::new(MAX_NAMES),
            sessions_by_database: Capped::new(MAX_NAMES),
            sessions_by_user: Capped::new(MAX_NAMES),
            sessions_by_client: Capped::new(MAX_NAMES),
            opened: BTreeMap::new(),
        }
    }

    fn disconnection(&mut self, ms: u64, end: Option<i64>, names: [&[u8]; 3]) {
        self.sessions.fold(SessionRow {
            sessions: 1,
            total_ms: ms,
        });
        self.max_session_ms = self.max_session_ms.max(ms);
        let bucket = DURATION_BOUNDS.iter().position(|(b, _)| ms < *b);
        self.durations[bucket.unwrap_or(DURATION_BOUNDS.len())] += 1;
        let row = || SessionRow {
            sessions: 1,
            total_ms: ms,
        };
        self.sessions_by_database.row(&key(names[0])).fold(row());
        self.sessions_by_user.row(&key(names[1])).fold(row());
        self.sessions_by_client.row(&key(names[2])).fold(row());
        if let Some(end) = end {
            let start = (end - ms as i64).div_euclid(1000);
            *self.opened.entry(start).or_default() += 1;
            *self.opened.entry(end.div_euclid(1000) + 1).or_default() -= 1;
        }
    }
}

/// The first word of a capture: `database=x SSL enabled (...)` leaves `x`.
fn word(s: &[u8]) -> &[u8] {
    s.split(|b| *b == b' ').next().unwrap_or(s)
}

impl Collector for Sessions<'_> {
    type Output = SessionStats;

    fn observe(&mut self, o: &Observation<'_>) {
        let Some((record, m, kind)) = self.ctx.event(o) else {
            return;
        };
        let cap = |name| self.ctx.capture(m, name, record).map(word);
        match kind {
            Kind::ConnectionReceived => {
                self.received += 1;
                *self.by_client.row(&key(cap("host").unwrap_or_default())) += 1;
            }
            Kind::Authorized if cap("database").is_none() => self.replication_connections += 1,
            Kind::Authorized => {
                self.connections += 1;
                *self
                    .by_database
                    .row(&key(cap("database").unwrap_or_default())) += 1;
                *self.by_user.row(&key(cap("user").unwrap_or_default())) += 1;
                let app = cap("application")
                    .or(record.application)
                    .unwrap_or_default();
                let app = match self.ctx.show_sensitive {
                    true => key(app),
                    false => crate::redact::pseudonym("app", app).into(),
                };
                *self.by_application.row(&app) += 1;
            }
            Kind::Disconnection => {
                let n = |name| cap(name).and_then(uint).unwrap_or(0);
                let ms = ((n("hours") * 60 + n("minutes")) * 60 + n("seconds")) * 1000
                    + n("milliseconds");
                let names = ["database", "user", "host"].map(|c| cap(c).unwrap_or_default());
                self.disconnection(ms, o.time.map(|t| t.unix_millis()), names);
            }
            _ => {}
        }
    }

    fn merge(&mut self, o: Self) {
        self.received += o.received;
        self.connections += o.connections;
        self.replication_connections += o.replication_connections;
        self.sessions.fold(o.sessions);
        self.max_session_ms = self.max_session_ms.max(o.max_session_ms);
        for (a, b) in self.durations.iter_mut().zip(o.durations) {
            *a += b;
        }
        self.by_database.merge(o.by_database);
        self.by_user.merge(o.by_user);
        self.by_application.merge(o.by_application);
        self.by_client.merge(o.by_client);
        self.sessions_by_database.merge(o.sessions_by_database);
        self.sessions_by_user.merge(o.sessions_by_user);
        self.sessions_by_client.merge(o.sessions_by_client);
        for (second, delta) in o.opened {
            *self.opened.entry(second).or_default() += delta;
        }
    }

    fn finish(self) -> SessionStats {
        let (mut open, mut peak, mut peak_second) = (0i64, 0i64, None);
        for (second, delta) in &self.opened {
            open += delta;
            if open > peak {
                (peak, peak_second) = (open, Some(*second));
            }
        }
        let labels = DURATION_BOUNDS.iter().map(|(_, l)| *l).chain(["8h+"]);
        SessionStats {
            received: self.received,
            connections: self.connections,
            replication_connections: self.replication_connections,
            sessions: self.sessions.sessions,
            total_ms: self.sessions.total_ms,
            mean_ms: self
                .sessions
                .total_ms
                .checked_div(self.sessions.sessions)
                .unwrap_or(0),
            max_ms: self.max_session_ms,
            durations: labels
                .zip(self.durations)
                .map(|(l, n)| (l.to_string(), n.into()))
                .collect(),
            peak_concurrent: peak as u64,
            peak_at: peak_second
                .map(|s| crate::timestamp::Timestamp::from_unix_millis(s * 1000).to_string()),
            by_database: named(self.by_database, TOP_NAMES),
            by_user: named(self.by_user, TOP_NAMES),
            by_application: named(self.by_application, TOP_NAMES),
            by_client: named(self.by_client, TOP_NAMES),
            sessions_by_database: named_sessions(self.sessions_by_database),
            sessions_by_user: named_sessions(self.sessions_by_user),
            sessions_by_client: named_sessions(self.sessions_by_client),
            cap: MAX_NAMES,
        }
    }
}

fn named_sessions(t: Capped<SessionRow>) -> Vec<NamedSessions> {
    let (rows, other) = t.into_rows();
    top(rows, TOP_NAMES, |r| r.sessions)
        .into_iter()
        .chain(other.map(|r| ("other".to_string(), r)))
        .map(|(name, row)| NamedSessions { name, row })
        .collect()
}
