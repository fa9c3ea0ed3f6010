//! The alert rules: promtool checks them, and the metrics they use are served on a booted
//! example by the exporter and by pgtriage.

use super::{common, examples, psql, run_ok, text, ENVS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "slow: needs promtool (scripts/install-example-tools.sh)"]
fn promtool_accepts_the_alert_rules_and_their_unit_tests_pass() {
    let Some(promtool) = common::require_tool("promtool") else {
        return;
    };
    let mut check = Command::new(&promtool);
    check.args(["check", "rules"]);
    for env in ENVS {
        check.arg(examples().join(env).join("alerts.yml"));
    }
    let out = run_ok(&mut check);
    eprint!("{}", text(&out));
    let prod = examples().join("prod");
    run_ok(
        Command::new(&promtool)
            .args(["test", "rules", "alerts.test.yml"])
            .current_dir(&prod),
    );
    run_ok(
        Command::new(&promtool)
            .args(["check", "config", "prometheus.yml"])
            .current_dir(&prod),
    );
}

/// Debian's postgres_exporter on the host, as the monitoring role, over TLS, serves the
/// exporter metrics the rules use.
pub fn exporter_serves_what_the_rules_use(
    exporter: &Path,
    port: u16,
    monitoring_pw: &str,
    rules: &str,
) {
    let listen = common::free_port();
    let _exporter = Killed::spawn(
        Command::new(exporter)
            .arg(format!("--web.listen-address=127.0.0.1:{listen}"))
            .env(
                "DATA_SOURCE_NAME",
                format!(
                    "postgresql://monitoring:{monitoring_pw}@127.0.0.1:{port}/postgres?sslmode=require"
                ),
            ),
        "start prometheus-postgres-exporter",
    );
    let body = scrape_until(listen, Duration::from_secs(30), |b| {
        b.lines().any(|l| l == "pg_up 1")
    });
    // The exporter metrics the rules use exist (the postmaster collector is not in
    // Debian's 0.11; the example's v0.17.1 runs it, enabled by --collector.postmaster).
    let missing: Vec<String> = metric_names(rules, "pg_")
        .into_iter()
        .filter(|m| m != "pg_postmaster_start_time_seconds")
        .filter(|m| {
            !body
                .lines()
                .any(|l| l.starts_with(&format!("{m}{{")) || l.starts_with(&format!("{m} ")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "alerts.yml uses metrics the exporter does not serve: {missing:?}"
    );
}

/// pgtriage's own metrics, with the names and labels the rules use.
pub fn pgtriage_serves_what_the_rules_use(id: &str, rules: &str) {
    let listen = common::free_port();
    let _tail = Killed::spawn(
        Command::new(env!("CARGO_BIN_EXE_pgtriage"))
            .args(["tail", id, "--env", "prod", "--output", "jsonl"])
            .arg("--metrics")
            .arg(format!("127.0.0.1:{listen}")),
        "start pgtriage tail --metrics",
    );
    let body = scrape_until(listen, Duration::from_secs(30), |b| {
        b.contains("pgtriage_lines_total{container=") && b.contains("id=\"server.ready\"")
    });
    for m in metric_names(rules, "pgtriage_") {
        assert!(
            body.contains(&format!("# TYPE {m} ")),
            "alerts.yml uses {m}, which pgtriage does not serve:\n{body}"
        );
    }
    // The refused logins of the prod test are in the log when psql made them.
    if psql().is_some() {
        assert!(
            body.contains("id=\"auth.password-failed\",severity=\"error\""),
            "events carry the id and severity labels the rules select on:\n{body}"
        );
    }
}

/// Metric names starting with `prefix` in the `expr` of every rule of a rules file.
fn metric_names(rules_yaml: &str, prefix: &str) -> BTreeSet<String> {
    let rules: Value = serde_yaml_ng::from_str(rules_yaml).expect("alert rules are YAML");
    let mut names = BTreeSet::new();
    for group in rules["groups"].as_array().expect("groups") {
        for rule in group["rules"].as_array().expect("rules") {
            let expr = rule["expr"].as_str().expect("expr");
            let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
            for (start, _) in expr.match_indices(prefix) {
                if expr[..start].chars().next_back().is_some_and(is_name) {
                    continue; // inside a longer identifier
                }
                let end = expr[start..]
                    .find(|c: char| !is_name(c))
                    .map_or(expr.len(), |e| start + e);
                names.insert(expr[start..end].to_string());
            }
        }
    }
    names
}

/// `GET /metrics` on 127.0.0.1:port; `None` while nothing answers.
fn scrape(port: u16) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

/// Scrapes until `want` holds for the body, for at most `limit`.
fn scrape_until(port: u16, limit: Duration, want: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        if let Some(body) = scrape(port) {
            if want(&body) {
                return body;
            }
            last = body;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("127.0.0.1:{port}/metrics never satisfied the check; last body:\n{last}");
}

/// A process killed when the test ends, however it ends.
struct Killed(Child);

impl Killed {
    /// Starts `cmd` with no input and its output discarded; `what` names it in a failure.
    fn spawn(cmd: &mut Command, what: &str) -> Killed {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(what);
        Killed(child)
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
