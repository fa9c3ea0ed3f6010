//! The proof per fixable kind on the real engine (issue #16): for each catalogue entry
//! with a fix, a copy of tests/compose/clean broken in that one way is booted with
//! docker-compose, `tail --until-ready` reports the finding (or, for a kind tail cannot see
//! at boot, the server shows the problem in effect), `fix --apply` patches it, the patched
//! files pass docker-compose and the Compose Specification, and a fresh boot reports it no
//! more (and shows the fix in effect). Kinds run in parallel Compose projects on one image;
//! tests/fix_boot.rs is every kind at once.

mod common;

use common::booted::{self, ids, Booted};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How a kind shows on the running server.
enum Seen {
    /// `tail --until-ready` reports this entry (from `docker inspect` or the log).
    Tail(&'static str),
    /// Static-only: tail cannot see it at boot. This query's answer shows the problem,
    /// then the fix, in effect.
    Query(&'static str, &'static str, &'static str),
    /// Static-only: /dev/shm's size in MiB (`docker inspect`), broken and fixed.
    ShmMib(i64, i64),
}

struct Kind {
    id: &'static str,
    /// The break: in the file, the text replaced.
    edits: &'static [(&'static str, &'static str, &'static str)],
    seen: Seen,
}

const COMPOSE: &str = "docker-compose.yml";
const INITDB_AUTH: &str = "--auth-local=scram-sha-256 --auth-host=scram-sha-256 ";
const HEALTHCHECK: &str = "    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres -h 127.0.0.1\"]\n      interval: 30s\n";
const TRUST_RULES: &str = "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'";

const KINDS: &[Kind] = &[
    Kind {
        id: "container.env-trust",
        edits: &[(
            COMPOSE,
            "      POSTGRES_USER: postgres\n",
            "      POSTGRES_USER: postgres\n      POSTGRES_HOST_AUTH_METHOD: trust\n",
        )],
        seen: Seen::Tail("container.env-trust"),
    },
    Kind {
        id: "container.no-healthcheck",
        edits: &[(COMPOSE, HEALTHCHECK, "")],
        seen: Seen::Tail("container.no-healthcheck"),
    },
    Kind {
        id: "container.healthcheck-no-user",
        edits: &[(COMPOSE, "pg_isready -U postgres -h", "pg_isready -h")],
        seen: Seen::Tail("container.healthcheck-no-user"),
    },
    Kind {
        id: "container.healthcheck-socket-only",
        edits: &[(COMPOSE, "-U postgres -h 127.0.0.1\"", "-U postgres\"")],
        seen: Seen::Tail("container.healthcheck-socket-only"),
    },
    Kind {
        id: "container.shm-default",
        edits: &[(COMPOSE, "    shm_size: 256mb\n", "")],
        seen: Seen::Tail("container.shm-default"),
    },
    Kind {
        id: "container.stop-timeout-short",
        edits: &[(COMPOSE, "stop_grace_period: 90s", "stop_grace_period: 10s")],
        seen: Seen::Tail("container.stop-timeout-short"),
    },
    Kind {
        id: "container.initdb-auth-trust",
        edits: &[(COMPOSE, INITDB_AUTH, "")],
        // initdb's own warning, in the log.
        seen: Seen::Tail("auth.trust-local"),
    },
    Kind {
        id: "container.initdb-no-checksums",
        edits: &[(COMPOSE, " --data-checksums", "")],
        seen: Seen::Query("SHOW data_checksums", "off", "on"),
    },
    Kind {
        id: "container.initdb-locale-libc",
        edits: &[(COMPOSE, " --locale-provider=icu --icu-locale=en-US", "")],
        seen: Seen::Query(
            "SELECT datlocprovider FROM pg_database WHERE datname = 'postgres'",
            "c",
            "i",
        ),
    },
    Kind {
        id: "config.hba-trust-local",
        edits: &[(
            "pg_hba.conf",
            "all            scram-sha-256",
            "all            trust",
        )],
        seen: Seen::Query(TRUST_RULES, "1", "0"),
    },
    Kind {
        id: "config.hba-trust-network",
        edits: &[("pg_hba.conf", "all      scram-sha-256", "all      trust")],
        seen: Seen::Query(TRUST_RULES, "1", "0"),
    },
    Kind {
        id: "config.log-prefix-incomplete",
        edits: &[("postgresql.conf", "'%m [%p] '", "'%u@%d '")],
        // psql's answer, trimmed.
        seen: Seen::Query("SHOW log_line_prefix", "%u@%d", "%m [%p] %q%u@%d %h"),
    },
    Kind {
        id: "config.shm-under-parallel",
        // (8 workers + 4 leaders) × 64 MiB × hash_mem_multiplier 2.
        edits: &[(
            "postgresql.conf",
            "shared_buffers",
            "work_mem = 64MB\nshared_buffers",
        )],
        seen: Seen::ShmMib(256, 1536),
    },
    Kind {
        id: "config.wal-size-over-volume",
        edits: &[
            (COMPOSE, "      - pgdata:/var/lib/postgresql/data\n", ""),
            (
                COMPOSE,
                "    shm_size: 256mb\n",
                "    shm_size: 256mb\n    tmpfs:\n      - /var/lib/postgresql/data:size=512m\n",
            ),
        ],
        seen: Seen::Query("SHOW max_wal_size", "1GB", "128MB"),
    },
];

/// What shows the kind's problem (or its fix) in effect on the booted server.
fn in_effect(project: &Booted, seen: &Seen, broken: bool) {
    match *seen {
        Seen::Tail(_) => {}
        Seen::Query(sql, off, on) => {
            assert_eq!(project.psql(sql), if broken { off } else { on }, "{sql}")
        }
        Seen::ShmMib(off, on) => {
            let out = common::succeed(
                "docker",
                &[
                    "inspect",
                    "-f",
                    "{{.HostConfig.ShmSize}}",
                    &project.container(),
                ],
            );
            let bytes: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            assert_eq!(bytes >> 20, if broken { off } else { on });
        }
    }
}

/// One kind: broken, booted, seen; fixed, valid; booted again, gone.
fn prove(dc: &std::path::Path, n: usize, kind: &Kind) {
    let project = Booted::copy(dc, "clean", format!("pgtk{}x{n}", std::process::id()));
    for (file, from, to) in kind.edits {
        let path = project.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{}: {from:?} not in {file}", kind.id);
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let lint = project.lint();
    assert_eq!(lint, [kind.id.to_string()].into(), "{}: lint", kind.id);
    let (code, first) = project.boot_and_tail();
    match kind.seen {
        Seen::Tail(id) => assert!(
            code == Some(1) && ids(&first, true).contains(id),
            "{}: tail: {:?}",
            kind.id,
            ids(&first, false)
        ),
        // Nothing for tail to see at boot: the server shows it instead.
        _ => assert_eq!(code, Some(0), "{}: tail: {:?}", kind.id, ids(&first, true)),
    }
    in_effect(&project, &kind.seen, true);
    let apply = ["fix", "--env", "prod", "--no-policy", "--apply"];
    let (code, diff, notes) = project.pgtriage(&apply);
    assert_eq!(code, Some(0), "{}: {notes}", kind.id);
    assert!(!diff.is_empty(), "{}: no diff: {notes}", kind.id);
    project.assert_valid();
    assert!(project.lint().is_empty(), "{}: lint after fix", kind.id);
    let (code, second) = project.boot_and_tail();
    assert!(
        code == Some(0) && ids(&second, true).is_empty(),
        "{}: tail after fix: {:?}",
        kind.id,
        ids(&second, true)
    );
    in_effect(&project, &kind.seen, false);
}

/// Kinds booted at once: each is two boots of a few seconds, mostly initdb.
fn parallel() -> usize {
    std::env::var("PGTRIAGE_FIX_KINDS_PARALLEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

#[test]
#[ignore = "slow: needs a Docker daemon, docker-compose and the test image (scripts/build-test-image.sh debian)"]
fn each_fixable_kind_is_seen_on_a_real_boot_fixed_and_gone_on_the_next() {
    let Some(dc) = booted::prepare() else {
        return;
    };
    let cat = pgtriage::catalogue::Catalogue::builtin().unwrap();
    let fixable: BTreeSet<&str> = cat
        .patterns()
        .iter()
        .filter(|p| !p.fix.is_empty())
        .map(|p| p.id.as_str())
        .collect();
    let proven: BTreeSet<&str> = KINDS.iter().map(|k| k.id).collect();
    assert_eq!(proven, fixable, "one proof per entry with a fix");
    let next = AtomicUsize::new(0);
    let times = Mutex::new(Vec::<(&str, Duration)>::new());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..parallel())
            .map(|_| {
                s.spawn(|| {
                    while let Some(kind) = KINDS.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let start = Instant::now();
                        let n = KINDS.iter().position(|k| k.id == kind.id).unwrap();
                        prove(&dc, n, kind);
                        times.lock().unwrap().push((kind.id, start.elapsed()));
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
    for (id, t) in times.into_inner().unwrap() {
        eprintln!("{id}: {:.1} s", t.as_secs_f64());
    }
}
