//! Checkpoints and restartpoints (`log_checkpoints`): how many, why they started (timed by
//! checkpoint_timeout, or requested: max_wal_size, a CHECKPOINT command, shutdown), and the
//! accounting of their `complete` lines: buffers, WAL files, write/sync/total time, distance.

use super::{number_after, thousandths, uint, Ctx, Kind};
use crate::collect::{Collector, Observation};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Checkpoints<'c> {
    ctx: Ctx<'c>,
    stats: CheckpointStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckpointStats {
    /// `checkpoint complete` lines.
    pub count: u64,
    /// `checkpoint starting: time`.
    pub timed: u64,
    /// Started for another reason: `wal` (max_wal_size), `immediate force` (a CHECKPOINT
    /// command), `shutdown`, `end-of-recovery`.
    pub requested: u64,
    /// Of the requested ones, those `wal` (PostgreSQL 9 wrote `xlog`) forced.
    pub requested_wal: u64,
    pub buffers_written: u64,
    pub wal_added: u64,
    pub wal_removed: u64,
    pub wal_recycled: u64,
    pub write_ms: u64,
    pub sync_ms: u64,
    pub total_ms: u64,
    pub max_total_ms: u64,
    /// Sum and maximum of `distance=` and `estimate=` (kB).
    pub distance_kb: u64,
    pub max_distance_kb: u64,
    pub max_estimate_kb: u64,
    pub restartpoints: Restartpoints,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Restartpoints {
    pub count: u64,
    pub timed: u64,
    pub requested: u64,
    pub buffers_written: u64,
    pub total_ms: u64,
}

impl<'c> Checkpoints<'c> {
    pub fn new(ctx: Ctx<'c>) -> Self {
        Checkpoints {
            ctx,
            stats: CheckpointStats::default(),
        }
    }
}

/// Whether the `starting:` flags name checkpoint_timeout as the reason.
fn is_timed(flags: &[u8]) -> bool {
    flags.split(|b| *b == b' ').any(|w| w == b"time")
}

fn forced_by_wal(flags: &[u8]) -> bool {
    flags
        .split(|b| *b == b' ')
        .any(|w| w == b"wal" || w == b"xlog")
}

impl Collector for Checkpoints<'_> {
    type Output = CheckpointStats;

    fn observe(&mut self, o: &Observation<'_>) {
        let Some((record, m, kind)) = self.ctx.event(o) else {
            return;
        };
        let s = &mut self.stats;
        let cap = |name| {
            self.ctx
                .capture(m, name, record)
                .and_then(uint)
                .unwrap_or(0)
        };
        match kind {
            Kind::CheckpointStarting | Kind::RestartpointStarting => {
                let flags = self.ctx.capture(m, "flags", record).unwrap_or_default();
                let timed = is_timed(flags);
                if kind == Kind::CheckpointStarting {
                    s.timed += u64::from(timed);
                    s.requested += u64::from(!timed);
                    s.requested_wal += u64::from(forced_by_wal(flags));
                } else {
                    s.restartpoints.timed += u64::from(timed);
                    s.restartpoints.requested += u64::from(!timed);
                }
            }
            Kind::Checkpoint => {
                s.count += 1;
                s.buffers_written += cap("buffers");
                s.wal_added += cap("wal_added");
                s.wal_removed += cap("wal_removed");
                s.wal_recycled += cap("wal_recycled");
                let timings = self.ctx.capture(m, "timings", record).unwrap_or_default();
                let secs = |k: &[u8]| number_after(timings, k).and_then(thousandths).unwrap_or(0);
                let kb = |k: &[u8]| number_after(timings, k).and_then(uint).unwrap_or(0);
                s.write_ms += secs(b"write=");
                s.sync_ms += secs(b"sync=");
                let total = secs(b"total=");
                s.total_ms += total;
                s.max_total_ms = s.max_total_ms.max(total);
                let distance = kb(b"distance=");
                s.distance_kb += distance;
                s.max_distance_kb = s.max_distance_kb.max(distance);
                s.max_estimate_kb = s.max_estimate_kb.max(kb(b"estimate="));
            }
            Kind::Restartpoint => {
                let timings = self.ctx.capture(m, "timings", record).unwrap_or_default();
                let r = &mut s.restartpoints;
                r.count += 1;
                r.buffers_written += cap("buffers");
                r.total_ms += number_after(timings, b"total=")
                    .and_then(thousandths)
                    .unwrap_or(0);
            }
            _ => {}
        }
    }

    fn merge(&mut self, other: Self) {
        let (s, o) = (&mut self.stats, other.stats);
        s.count += o.count;
        s.timed += o.timed;
        s.requested += o.requested;
        s.requested_wal += o.requested_wal;
        s.buffers_written += o.buffers_written;
        s.wal_added += o.wal_added;
        s.wal_removed += o.wal_removed;
        s.wal_recycled += o.wal_recycled;
        s.write_ms += o.write_ms;
        s.sync_ms += o.sync_ms;
        s.total_ms += o.total_ms;
        s.max_total_ms = s.max_total_ms.max(o.max_total_ms);
        s.distance_kb += o.distance_kb;
        s.max_distance_kb = s.max_distance_kb.max(o.max_distance_kb);
        s.max_estimate_kb = s.max_estimate_kb.max(o.max_estimate_kb);
        let (r, q) = (&mut s.restartpoints, o.restartpoints);
        r.count += q.count;
        r.timed += q.timed;
        r.requested += q.requested;
        r.buffers_written += q.buffers_written;
        r.total_ms += q.total_ms;
    }

    fn finish(self) -> CheckpointStats {
        self.stats
    }
}
