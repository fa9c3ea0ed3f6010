//! A real server's records through a real syslog daemon: PostgreSQL 15 logging to stderr
//! and syslog at once, and Debian's rsyslogd writing them as RFC 3164 and RFC 5424 files
//! (scripts/gen-translated-logs.sh syslog, sample-logs/translated/syslog/). Syslog cuts a
//! long message into `[N-2]`, `[N-3]` parts and writes a TAB as `#011`; read back, each
//! framing must tell what PostgreSQL's own stderr tells.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

fn committed() -> PathBuf {
    common::repo().join("sample-logs/translated/syslog")
}

fn report(dir: &Path, name: &str) -> Value {
    let path = dir.join(name);
    let out = common::pgtriage(&["analyze", "--output", "json", common::path_str(&path)]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name}: not JSON ({e})"))
}

/// Each finding's id, count, first and last seen, and its sample; and the totals.
fn told(r: &Value) -> (Vec<Value>, Value) {
    let findings = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            serde_json::json!([
                f["id"],
                f["count"],
                f["first_seen"],
                f["last_seen"],
                f["sample"]
            ])
        })
        .collect();
    let s = &r["summary"];
    (
        findings,
        serde_json::json!([s["records"], s["classified"], s["by_severity"]]),
    )
}

#[test]
fn both_syslog_framings_tell_what_stderr_tells() {
    compare(&committed());
}

/// Heroku's prefix has neither time nor pid: the frame's are the records'. RFC 3164's
/// time has no year and no zone, RFC 5424's has both; they name the same second.
#[test]
fn without_time_in_the_prefix_the_frames_time_is_taken() {
    let dir = common::repo().join("sample-logs/translated/syslog@heroku");
    let stderr = report(&dir, "stderr.log");
    let (want, totals) = told(&stderr);
    let untimed = |f: &Value| serde_json::json!([f[0], f[1], f[4]]);
    let mut seconds = Vec::new();
    for name in ["rfc3164.log", "rfc5424.log"] {
        let r = report(&dir, name);
        let input = &r["inputs"][0];
        assert_eq!(input["prefix"], "sql_error_code = %e ", "{name}: {input}");
        assert_eq!(input["orphan_lines"], 0, "{name}: {input}");
        let (got, got_totals) = told(&r);
        assert_eq!(got_totals, totals, "{name}");
        assert_eq!(
            got.iter().map(untimed).collect::<Vec<_>>(),
            want.iter().map(untimed).collect::<Vec<_>>(),
            "{name}"
        );
        // Month, day and clock to the second; the year of RFC 3164 is a guess.
        let second = |f: &Value| f[2].as_str().map(|t| t[5..19].to_string());
        seconds.push(got.iter().map(second).collect::<Vec<_>>());
    }
    assert!(seconds[0].iter().all(Option::is_some), "{seconds:?}");
    assert_eq!(seconds[0], seconds[1]);
}

/// A fresh run: PostgreSQL 15 and a private rsyslogd, which must own /dev/log (root).
#[test]
#[ignore = "slow: needs postgresql-15, rsyslog, root and a free /dev/log"]
fn a_real_rsyslogd_writes_what_stderr_tells() {
    let Some(_) = common::require_tool("rsyslogd") else {
        return;
    };
    if !common::require_postgres() {
        return;
    }
    let out = common::gen_translated(None, &["syslog"]);
    compare(&out.path().join("syslog"));
}

fn compare(dir: &Path) {
    let stderr = report(dir, "stderr.log");
    let want = told(&stderr);
    assert!(want.0.len() >= 15, "too few findings: {:?}", want.0);
    // The chunks are really there: a message cut in parts, and a TAB line escaped.
    let rfc3164 = std::fs::read_to_string(dir.join("rfc3164.log")).unwrap();
    assert!(
        rfc3164.contains("-3] "),
        "no third chunk of a split message"
    );
    assert!(rfc3164.contains("#011"), "no escaped TAB");
    for name in ["rfc3164.log", "rfc5424.log"] {
        let r = report(dir, name);
        let input = &r["inputs"][0];
        assert_eq!(input["framing"], "syslog", "{name}: {input}");
        assert_eq!(input["prefix"], "%m [%p] ", "{name}: {input}");
        assert_eq!(input["prefix_mismatches"], 0, "{name}: {input}");
        assert_eq!(input["orphan_lines"], 0, "{name}: {input}");
        // Same records (every chunk joined its record), same samples, and the times of
        // PostgreSQL's own prefix (milliseconds), not the frame's.
        assert_eq!(told(&r), want, "{name}");
    }
}
