//! What the server's settings need from the room the container gives it: /dev/shm for
//! parallel queries' shared memory, and the data volume for WAL between checkpoints. Both
//! compare settings with sizes the Compose file declares; neither shows at boot (it takes
//! parallel queries or a write burst), which is why they are checked before it.

use super::server::{memory_setting, ServerConfig};
use super::{finding, key, CheckFinding};

const MIB: i64 = 1 << 20;
/// WAL may pass max_wal_size (a soft limit) and the data needs room too: above this share
/// of the volume, a write burst can fill it (`could not write to file "pg_wal/..."`).
const WAL_MAX_PERCENT: i64 = 50;
/// The share of the volume the fix gives max_wal_size.
const WAL_SUGGESTED_PERCENT: i64 = 25;
/// max_wal_size below two 16 MB segments stops the server at start.
const WAL_MIN: i64 = 32 * MIB;

pub fn checks(c: &ServerConfig) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    parallel_shm(c, &mut out);
    wal_size(c, &mut out);
    out
}

/// An integer setting, or its default.
fn int(c: &ServerConfig, name: &str, default: i64) -> i64 {
    c.setting(name)
        .and_then(|s| s.value.trim().parse().ok())
        .unwrap_or(default)
}

/// With dynamic_shared_memory_type = posix (the default on Linux) every parallel query's
/// shared memory is a file in /dev/shm; a parallel hash join's table takes up to work_mem ×
/// hash_mem_multiplier per participant, workers and leader. At most max_parallel_workers
/// workers run at once, each group of max_parallel_workers_per_gather with its leader: the
/// sum is what /dev/shm must hold when every worker hashes. Checked against an explicit
/// `shm_size` only: without one, container.shm-default speaks.
fn parallel_shm(c: &ServerConfig, out: &mut Vec<CheckFinding>) {
    let Some(shm) = c.shm_size else { return };
    if c.setting("dynamic_shared_memory_type")
        .is_some_and(|s| !s.value.eq_ignore_ascii_case("posix"))
    {
        return;
    }
    let workers = int(c, "max_parallel_workers", 8).min(int(c, "max_worker_processes", 8));
    let per_gather = int(c, "max_parallel_workers_per_gather", 2).min(workers);
    if workers <= 0 || per_gather <= 0 {
        return;
    }
    let leaders = (workers + per_gather - 1) / per_gather;
    let work_mem = c
        .setting("work_mem")
        .and_then(|s| memory_setting(&s.value, 1024))
        .unwrap_or(4 * MIB);
    // 2.0 since PostgreSQL 15, 1.0 before.
    let default_multiplier = if c.major.is_some_and(|m| m < 15) {
        1.0
    } else {
        2.0
    };
    let multiplier = c
        .setting("hash_mem_multiplier")
        .and_then(|s| s.value.trim().parse::<f64>().ok())
        .unwrap_or(default_multiplier);
    let need = ((workers + leaders) as f64 * work_mem as f64 * multiplier) as i64;
    if need <= shm {
        return;
    }
    // Rounded up to 64 MiB, written as Compose sizes are.
    let suggested = (need + 64 * MIB - 1) / (64 * MIB) * 64;
    let evidence = format!(
        "max_parallel_workers = {workers} ({per_gather} per gather) with work_mem = {} MiB × hash_mem_multiplier {multiplier} may need {} MiB of /dev/shm; shm_size is {} MiB",
        work_mem / MIB,
        need / MIB,
        shm / MIB
    );
    out.push(
        finding("shm-under-parallel", evidence, key(&["shm_size"]))
            .suggesting(Some(format!("{suggested}mb"))),
    );
}

/// max_wal_size against a data volume of declared size (a tmpfs, or a volume whose driver
/// options give a size). A volume without a declared size (a named volume on the host's
/// disk, a bind mount) is not checkable before it runs: the free space is the host's.
fn wal_size(c: &ServerConfig, out: &mut Vec<CheckFinding>) {
    let Some(v) = &c.data_volume else { return };
    let (bytes, shown, at) = match c.setting("max_wal_size") {
        Some(s) => match memory_setting(&s.value, MIB) {
            Some(b) => (b, s.value.clone(), s.at.clone()),
            None => return,
        },
        None => (1 << 30, "1GB (the default)".to_string(), v.at.clone()),
    };
    let percent = bytes * 100 / v.size.max(1);
    if percent <= WAL_MAX_PERCENT {
        return;
    }
    let fits = v.size * WAL_SUGGESTED_PERCENT / 100 / MIB * MIB;
    let evidence = format!(
        "max_wal_size = {shown} is {percent}% of the {} MiB of {} that holds the data directory",
        v.size / MIB,
        v.what
    );
    out.push(
        finding("wal-size-over-volume", evidence, at)
            .suggesting((fits >= WAL_MIN).then(|| format!("{}MB", fits / MIB))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::server::{parse_conf, DataVolume};

    fn config(conf: &str, shm: Option<i64>, volume: Option<i64>) -> ServerConfig {
        ServerConfig {
            settings: parse_conf(conf),
            shm_size: shm,
            data_volume: volume.map(|size| DataVolume {
                size,
                what: "the tmpfs at /var/lib/postgresql/data".into(),
                at: key(&["tmpfs"]),
            }),
            ..Default::default()
        }
    }

    fn raised(c: &ServerConfig) -> Vec<(&'static str, Option<String>)> {
        checks(c)
            .into_iter()
            .map(|f| (f.check, f.suggested))
            .collect()
    }

    #[test]
    fn parallel_shared_memory_against_an_explicit_shm_size() {
        // Defaults: (8 workers + 4 leaders) × 4 MiB × 2 = 96 MiB.
        assert_eq!(raised(&config("", Some(256 * MIB), None)), []);
        assert_eq!(
            raised(&config("", Some(64 * MIB), None)),
            [("shm-under-parallel", Some("128mb".into()))]
        );
        assert_eq!(raised(&config("", None, None)), []);
        let big = "work_mem = 64MB\nmax_parallel_workers = 4\n";
        assert_eq!(
            raised(&config(big, Some(256 * MIB), None)),
            [("shm-under-parallel", Some("768mb".into()))]
        );
        let off = "work_mem = 64MB\nmax_parallel_workers_per_gather = 0\n";
        assert_eq!(raised(&config(off, Some(64 * MIB), None)), []);
        let sysv = "work_mem = 64MB\ndynamic_shared_memory_type = sysv\n";
        assert_eq!(raised(&config(sysv, Some(64 * MIB), None)), []);
    }

    #[test]
    fn max_wal_size_against_a_sized_data_volume() {
        assert_eq!(
            raised(&config("", None, Some(512 * MIB))),
            [("wal-size-over-volume", Some("128MB".into()))]
        );
        assert_eq!(
            raised(&config("max_wal_size = 256MB", None, Some(512 * MIB))),
            []
        );
        assert_eq!(raised(&config("", None, Some(4 << 30))), []);
        assert_eq!(raised(&config("", None, None)), []);
        // Too small for any max_wal_size the server accepts: no value to suggest.
        assert_eq!(
            raised(&config("max_wal_size = 64", None, Some(64 * MIB))),
            [("wal-size-over-volume", None)]
        );
    }
}
