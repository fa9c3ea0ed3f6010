//! examples/compose/{dev,prod} checked against real components:
//!   - docker-compose 1.29 accepts every compose file, and so does the Compose
//!     Specification's JSON Schema (../shared/data/compose-spec);
//!   - promtool accepts the alert rules, and the rules fire on the series they are for;
//!   - both settings boot on the real Docker engine (the official image swapped for the
//!     local test image, everything else as shipped): pgtriage's gate passes, logins are
//!     refused or allowed as pg_hba.conf says, the healthcheck turns healthy only once the
//!     real server is up, Debian's postgres_exporter reads the server with the monitoring
//!     role, and the metric names the alert rules use exist.
//!
//! Tools come from scripts/install-example-tools.sh (run by scripts/test.sh). A missing tool
//! or daemon skips its part with a note, or fails under CI (tests/common/mod.rs).
//! Network traffic goes to 127.0.0.1 only: ports are published on loopback, and the
//! containers are reached through them or `docker exec`, never by their bridge address.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What the examples' `image: postgres:17-bookworm` becomes in the tests (no registry).
const TEST_IMAGE: &str = "pgtriage-test-pg:debian";
const READY: &str = "database system is ready to accept connections";
const ENVS: [&str; 2] = ["dev", "prod"];

fn examples() -> PathBuf {
    common::repo().join("examples/compose")
}

fn compose_file(env: &str) -> PathBuf {
    examples().join(env).join("docker-compose.yml")
}

// ---------------------------------------------------------------------------------------
// Tools (missing ones skip, or fail under CI: common::unavailable)
// ---------------------------------------------------------------------------------------

fn docker_compose() -> Option<PathBuf> {
    common::require_tool("docker-compose")
}

fn psql() -> Option<PathBuf> {
    common::require_tool("psql")
}

fn test_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new("bash")
            .arg(common::repo().join("scripts/build-test-image.sh"))
            .arg("debian")
            .stdin(Stdio::null())
            .status()
            .expect("run scripts/build-test-image.sh");
        assert!(status.success(), "building {TEST_IMAGE} failed");
    });
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    out
}

/// A free TCP port on 127.0.0.1 (bound, then released for the caller to use).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
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

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Static checks
// ---------------------------------------------------------------------------------------

#[test]
#[ignore = "slow: needs docker-compose 1.29 (scripts/install-example-tools.sh)"]
fn docker_compose_1_29_accepts_every_compose_file() {
    let Some(dc) = docker_compose() else { return };
    let version = run_ok(Command::new(&dc).arg("version").arg("--short"));
    eprintln!(
        "docker-compose {}",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    for env in ENVS {
        let file = compose_file(env);
        let out = run(Command::new(&dc)
            .arg("-f")
            .arg(&file)
            .args(["config", "-q"])
            .env_remove("PG_PORT")
            .env_remove("EXPORTER_PORT"));
        assert!(out.status.success(), "{}: {}", file.display(), text(&out));
        // No warnings either (an unset variable without a default, an ignored key ...).
        assert!(
            out.stderr.is_empty(),
            "{}: docker-compose warns:\n{}",
            file.display(),
            text(&out)
        );
    }
}

/// Why the examples leave healthcheck.start_interval out (docs/guides/healthchecks.md):
/// the Compose Specification has it, docker-compose 1.29 refuses the file.
#[test]
#[ignore = "slow: needs docker-compose 1.29 (scripts/install-example-tools.sh)"]
fn docker_compose_1_29_rejects_start_interval() {
    let Some(dc) = docker_compose() else { return };
    let version = run_ok(Command::new(&dc).args(["version", "--short"]));
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    if !version.starts_with("1.") {
        eprintln!("note: docker-compose {version} is not 1.x; nothing to show about 1.29");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(compose_file("prod")).unwrap();
    let with = original.replacen(
        "      start_period: 120s\n",
        "      start_period: 120s\n      start_interval: 2s\n",
        1,
    );
    assert_ne!(
        with, original,
        "start_period line not found in prod/docker-compose.yml"
    );
    let file = dir.path().join("docker-compose.yml");
    std::fs::write(&file, &with).unwrap();
    let out = run(Command::new(&dc)
        .arg("-f")
        .arg(&file)
        .args(["config", "-q"]));
    assert!(
        !out.status.success() && text(&out).contains("start_interval"),
        "docker-compose 1.29 was expected to reject start_interval:\n{}",
        text(&out)
    );
    // ... while the specification accepts it.
    if let Some(schema) = compose_spec() {
        let doc: Value = serde_yaml_ng::from_str(&with).unwrap();
        let errors = schema_errors(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

fn compose_spec() -> Option<Value> {
    let path = common::shared_file("compose-spec/compose-spec.json")?;
    let text = std::fs::read_to_string(&path).expect("read compose-spec.json");
    let mut schema: Value = serde_json::from_str(&text).expect("compose-spec.json is JSON");
    // Its `$schema` is draft-07 spelt without the trailing `#`, which the validator would
    // try to fetch over HTTP; the draft is chosen explicitly below instead.
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    Some(schema)
}

fn schema_errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("the Compose schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path))
        .collect()
}

#[test]
fn every_compose_file_matches_the_compose_specification() {
    let Some(schema) = compose_spec() else { return };
    for env in ENVS {
        let file = compose_file(env);
        let yaml = std::fs::read_to_string(&file).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&yaml)
            .unwrap_or_else(|e| panic!("{}: not YAML: {e}", file.display()));
        let errors = schema_errors(&schema, &doc);
        assert!(
            errors.is_empty(),
            "{} does not match the Compose Specification:\n{}",
            file.display(),
            errors.join("\n")
        );
    }
    // The validator does bite: a misspelt healthcheck key is refused.
    let yaml = std::fs::read_to_string(compose_file("prod"))
        .unwrap()
        .replacen("start_period:", "start_periode:", 1);
    let doc: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert!(!schema_errors(&schema, &doc).is_empty());
}

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

/// Every acceptance names a real catalogue entry and says why; pgtriage loads both files.
#[test]
fn every_acceptance_in_the_example_policies_has_a_reason() {
    for env in ENVS {
        let path = examples().join(env).join(".pgtriage.toml");
        let policy: toml::Table = std::fs::read_to_string(&path)
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(policy["env"].as_str(), Some(env), "{}", path.display());
        let accepts = policy
            .get("accept")
            .and_then(|a| a.as_array())
            .cloned()
            .unwrap_or_default();
        for a in &accepts {
            let id = a["id"].as_str().expect("id");
            let reason = a.get("reason").and_then(|r| r.as_str()).unwrap_or("");
            assert!(
                reason.trim().len() >= 40,
                "{}: [[accept]] {id} needs a real reason, not {reason:?}",
                path.display()
            );
            let out = common::pgtriage(&["explain", id]);
            assert!(out.status.success(), "{}: unknown id {id}", path.display());
        }
        // pgtriage itself loads the file (a bad one exits 2).
        let out = common::pgtriage(&[
            "analyze",
            "--policy",
            common::path_str(&path),
            "sample-logs/first-start-no-locale.log",
        ]);
        assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    }
}

/// The guides name only real catalogue ids, link only to files that exist, and cite
/// PostgreSQL's documentation.
#[test]
fn guides_name_real_ids_and_link_to_real_files() {
    let out = common::pgtriage(&["patterns", "--output", "json"]);
    assert!(out.status.success());
    let catalogue: Value = serde_json::from_slice(&out.stdout).unwrap();
    let known: BTreeSet<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    let categories: BTreeSet<&str> = known.iter().filter_map(|id| id.split('.').next()).collect();
    let dir = common::repo().join("docs/guides");
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        pages += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Every `category.name` in backticks whose category is a catalogue category.
        for (i, _) in text.match_indices('`') {
            let rest = &text[i + 1..];
            let Some(end) = rest.find('`') else { break };
            let word = &rest[..end];
            let Some((cat, tail)) = word.split_once('.') else {
                continue;
            };
            let id_like = !tail.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-');
            if id_like && categories.contains(cat) && !word.ends_with(".md") {
                assert!(
                    known.contains(word),
                    "{name}: `{word}` is not a catalogue id"
                );
            }
        }
        for id in text.split("pgtriage explain ").skip(1) {
            let id: String = id
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '.' || *c == '-')
                .collect();
            if !id.is_empty() && id != "id" {
                assert!(
                    known.contains(id.as_str()),
                    "{name}: pgtriage explain {id}: unknown id"
                );
            }
        }
        // Relative links resolve.
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap();
            // Links in the README section are relative to the repository root.
            let base = if file.starts_with("docs/") {
                common::repo()
            } else {
                dir.clone()
            };
            assert!(base.join(file).exists(), "{name}: broken link {target}");
        }
        if name != "README.md" {
            assert!(
                text.contains("https://www.postgresql.org/docs/"),
                "{name} cites no PostgreSQL documentation"
            );
            assert!(
                text.contains("**pgtriage ids:**"),
                "{name} names no pgtriage ids"
            );
        }
    }
    assert_eq!(pages, 6, "README.md and five guides");
}

// ---------------------------------------------------------------------------------------
// Booting the examples
// ---------------------------------------------------------------------------------------

/// A copy of one example directory, run as its own Compose project with an override that
/// only swaps the image (and adds what a test needs). `docker-compose down -v` on drop.
struct Project {
    dc: PathBuf,
    name: String,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(dc: PathBuf, example: &str, override_yaml: &str, env: &[(&str, String)]) -> Project {
        test_image();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&examples().join(example), dir.path());
        std::fs::write(dir.path().join("docker-compose.test.yml"), override_yaml).unwrap();
        // docker-compose 1.29 keeps [a-z0-9_-] of a project name.
        let name = format!("pgtex{}{example}", std::process::id());
        let p = Project {
            dc,
            name,
            dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        };
        p.down(); // a leftover of an earlier, killed run
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn compose(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.dc);
        cmd.current_dir(self.path())
            .args(["-p", &self.name])
            .args(["-f", "docker-compose.yml", "-f", "docker-compose.test.yml"])
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        run(&mut cmd)
    }

    fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert!(
            out.status.success(),
            "docker-compose {args:?} ({}):\n{}",
            self.name,
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The container id of a service.
    fn container(&self, service: &str) -> String {
        let id = self.compose_ok(&["ps", "-q", service]).trim().to_string();
        assert!(!id.is_empty(), "no container for service {service}");
        id
    }

    fn down(&self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "30"]);
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.down();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            // Secrets a developer made in the checkout are not the test's.
            if entry.file_name() != "secrets" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn docker_logs(id: &str) -> String {
    text(&run_ok(Command::new("docker").args(["logs", id])))
}

fn health(id: &str) -> Value {
    let out = run_ok(Command::new("docker").args(["inspect", "-f", "{{json .State.Health}}", id]));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Host addresses a container port is published on.
fn published_host_ips(id: &str) -> Vec<String> {
    let out = run_ok(Command::new("docker").args([
        "inspect",
        "-f",
        "{{json .HostConfig.PortBindings}}",
        id,
    ]));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    v.as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|b| b.as_array().cloned().unwrap_or_default())
        .map(|b| b["HostIp"].as_str().unwrap_or("").to_string())
        .collect()
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn at_least_warning(f: &Value) -> bool {
    matches!(
        f["severity"].as_str(),
        Some("warning" | "error" | "critical")
    )
}

/// psql over the loopback-published port: (succeeded, stdout+stderr).
fn psql_login(
    psql: &Path,
    port: u16,
    user: &str,
    password: Option<&str>,
    ssl: &str,
) -> (bool, String) {
    let conn = format!(
        "host=127.0.0.1 port={port} user={user} dbname=postgres sslmode={ssl} connect_timeout=10"
    );
    let mut cmd = Command::new(psql);
    cmd.args(["-X", "-w", "-A", "-t", "-c"])
        .arg(
            "select current_user, r.rolsuper, pg_has_role(current_user, 'pg_monitor', 'member'), \
             coalesce(s.ssl, false) from pg_roles r left join pg_stat_ssl s on s.pid = pg_backend_pid() \
             where r.rolname = current_user",
        )
        .arg(conn)
        // Nothing from the environment or a password file may log us in.
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .env("PGPASSFILE", "/nonexistent/pgpass")
        .env("PGCONNECT_TIMEOUT", "10");
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    let out = run(&mut cmd);
    (out.status.success(), text(&out).trim().to_string())
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

/// Polls the container until Docker calls it healthy. Checks on the way that it never is
/// before the real server's ready line is in the log (the init phase's temporary server
/// logs the first one). Returns whether a probe failed while init was still running.
fn wait_healthy_checking_init(id: &str, limit: Duration) -> bool {
    let start = Instant::now();
    let mut failed_during_init = false;
    loop {
        // Status first, then the log: a "healthy" read before a log without the real
        // ready line is a genuine violation, never a race of the two reads.
        let h = health(id);
        let status = h["Status"].as_str().unwrap_or("").to_string();
        let logs = docker_logs(id);
        let init_done = logs.contains("PostgreSQL init process complete");
        let real_ready = logs.matches(READY).count() >= 2;
        if status == "healthy" {
            assert!(
                real_ready && init_done,
                "healthy before the real server was ready:\n{}\n{logs}",
                pretty(&h)
            );
            return failed_during_init;
        }
        if !init_done {
            failed_during_init |= h["Log"].as_array().is_some_and(|l| {
                l.iter()
                    .any(|p| p["ExitCode"].as_i64().is_some_and(|c| c != 0))
            });
        }
        assert!(
            start.elapsed() < limit,
            "not healthy after {limit:?} (status {status:?}):\n{}\n{logs}",
            pretty(&h)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits for healthy without further checks (dev).
fn wait_healthy(id: &str, limit: Duration) {
    let start = Instant::now();
    while health(id)["Status"] != "healthy" {
        assert!(
            start.elapsed() < limit,
            "not healthy after {limit:?}:\n{}\n{}",
            pretty(&health(id)),
            docker_logs(id)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// One secret that make-secrets.sh wrote into DIR/secrets.
fn secret(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("secrets").join(name))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
#[ignore = "slow: needs Docker, docker-compose 1.29, the test image, psql and prometheus-postgres-exporter; boots the example for minutes"]
fn prod_example_boots_clean_refuses_bad_logins_and_is_monitored() {
    if !common::require_docker() {
        return;
    }
    let Some(dc) = docker_compose() else { return };
    // The image swapped for the local test image; a loopback-only port with a random
    // host side (prod publishes none); an init script that keeps the init phase busy
    // long enough for a healthcheck probe to run during it.
    let override_yaml = format!(
        "services:\n  db:\n    image: {TEST_IMAGE}\n    ports:\n      - \"127.0.0.1::5432\"\n    volumes:\n      - ./test-slow-init.sh:/docker-entrypoint-initdb.d/99-test-slow-init.sh:ro\n"
    );
    let p = Project::new(dc, "prod", &override_yaml, &[]);
    std::fs::write(
        p.path().join("test-slow-init.sh"),
        "echo 'test: init script sleeping 14s'\nsleep 14\n",
    )
    .unwrap();
    run_ok(Command::new("bash").arg(p.path().join("make-secrets.sh")));

    p.compose_ok(&["up", "-d", "db"]);
    let id = p.container("db");
    assert_eq!(published_host_ips(&id), vec!["127.0.0.1".to_string()]);

    // 1. The healthcheck: not healthy during init, healthy after the real ready line.
    let probe_failed_during_init = wait_healthy_checking_init(&id, Duration::from_secs(150));
    assert!(
        probe_failed_during_init,
        "no healthcheck probe failed while the init scripts ran:\n{}",
        pretty(&health(&id))
    );
    let probes = health(&id)["Log"].clone();
    assert!(
        probes
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["Output"].as_str().unwrap_or("").contains("no response")),
        "the failing probe should be pg_isready's 'no response' (TCP not listening yet): {}",
        pretty(&probes)
    );

    // 2. The gate, exactly as the example's policy says to run it.
    let policy = examples().join("prod/.pgtriage.toml");
    let policy = common::path_str(&policy);
    let gate = [
        id.as_str(),
        "--until-ready",
        "--env",
        "prod",
        "--policy",
        policy,
        "--fail-on",
        "warning",
        "--timeout",
        "60s",
    ];
    let mut table = vec!["tail"];
    table.extend_from_slice(&gate);
    let out = common::pgtriage(&table);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (code, report, stderr) = common::tail_json(&gate);
    assert_eq!(code, Some(0), "{stderr}\n{}", pretty(&report["findings"]));
    let ids: BTreeSet<String> = findings(&report)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        findings(&report).iter().all(|f| !at_least_warning(f)),
        "prod settings should raise nothing at warning or above: {}",
        pretty(&report["findings"])
    );
    assert!(
        report["unclassified"].as_array().unwrap().is_empty(),
        "{}",
        pretty(&report["unclassified"])
    );
    assert!(ids.contains("server.ready"), "{ids:?}");

    // 3. Logins over TCP through the loopback-published port.
    let port: u16 = p
        .compose_ok(&["port", "db", "5432"])
        .trim()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .expect("published port");
    let monitoring_pw = secret(p.path(), "monitoring_password");
    let superuser_pw = secret(p.path(), "postgres_password");
    if let Some(psql) = psql() {
        let (ok, out) = psql_login(&psql, port, "monitoring", None, "require");
        assert!(
            !ok && out.contains("no password supplied"),
            "password-less login: {out}"
        );
        let (ok, out) = psql_login(
            &psql,
            port,
            "monitoring",
            Some("not-the-password"),
            "require",
        );
        assert!(
            !ok && out.contains("password authentication failed for user \"monitoring\""),
            "wrong password: {out}"
        );
        let (ok, out) = psql_login(&psql, port, "postgres", Some(&superuser_pw), "require");
        assert!(
            !ok && out.contains("pg_hba.conf rejects connection"),
            "the superuser must not log in over the network, even with its password: {out}"
        );
        let (ok, out) = psql_login(&psql, port, "monitoring", Some(&monitoring_pw), "disable");
        assert!(
            !ok && out.contains("no pg_hba.conf entry"),
            "TCP without TLS: {out}"
        );
        let (ok, out) = psql_login(&psql, port, "monitoring", Some(&monitoring_pw), "require");
        assert!(ok, "the monitoring role over TLS: {out}");
        assert_eq!(
            out, "monitoring|f|t|t",
            "not superuser, member of pg_monitor, over TLS"
        );

        // pgtriage sees the refused logins in the log.
        let (code, report, stderr) = common::tail_json(&[
            &id,
            "--no-follow",
            "--env",
            "prod",
            "--policy",
            policy,
            "--fail-on",
            "warning",
        ]);
        assert_eq!(code, Some(1), "{stderr}");
        let ids: BTreeSet<String> = findings(&report)
            .iter()
            .filter(|f| f["gating"] == true)
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        for id in ["auth.password-failed", "auth.no-hba-entry"] {
            assert!(ids.contains(id), "{id} not reported: {}", pretty(&report));
        }
    }

    // 4. Debian's postgres_exporter on the host, as the monitoring role, over TLS.
    let rules = std::fs::read_to_string(examples().join("prod/alerts.yml")).unwrap();
    if let Some(exporter) = common::require_tool("prometheus-postgres-exporter") {
        let listen = free_port();
        let child = Command::new(exporter)
            .arg(format!("--web.listen-address=127.0.0.1:{listen}"))
            .env(
                "DATA_SOURCE_NAME",
                format!("postgresql://monitoring:{monitoring_pw}@127.0.0.1:{port}/postgres?sslmode=require"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus-postgres-exporter");
        let _exporter = Killed(child);
        let body = scrape_until(listen, Duration::from_secs(30), |b| {
            b.lines().any(|l| l == "pg_up 1")
        });
        // The exporter metrics the rules use exist (the postmaster collector is not in
        // Debian's 0.11; the example's v0.17.1 runs it, enabled by --collector.postmaster).
        let missing: Vec<String> = metric_names(&rules, "pg_")
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

    // 5. pgtriage's own metrics, with the names and labels the rules use.
    let listen = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_pgtriage"))
        .args(["tail", &id, "--env", "prod", "--output", "jsonl"])
        .arg("--metrics")
        .arg(format!("127.0.0.1:{listen}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pgtriage tail --metrics");
    let _tail = Killed(child);
    let body = scrape_until(listen, Duration::from_secs(30), |b| {
        b.contains("pgtriage_lines_total{container=") && b.contains("id=\"server.ready\"")
    });
    for m in metric_names(&rules, "pgtriage_") {
        assert!(
            body.contains(&format!("# TYPE {m} ")),
            "alerts.yml uses {m}, which pgtriage does not serve:\n{body}"
        );
    }
    if psql().is_some() {
        assert!(
            body.contains("id=\"auth.password-failed\",severity=\"error\""),
            "events carry the id and severity labels the rules select on:\n{body}"
        );
    }
}

#[test]
#[ignore = "slow: needs Docker, docker-compose 1.29, the test image and psql; boots the example"]
fn dev_example_boots_and_every_warning_is_accepted_with_a_reason() {
    if !common::require_docker() {
        return;
    }
    let Some(dc) = docker_compose() else { return };
    let port = free_port();
    let override_yaml = format!("services:\n  db:\n    image: {TEST_IMAGE}\n");
    let p = Project::new(dc, "dev", &override_yaml, &[("PG_PORT", port.to_string())]);
    p.compose_ok(&["up", "-d", "db"]);
    let id = p.container("db");
    assert_eq!(published_host_ips(&id), vec!["127.0.0.1".to_string()]);
    wait_healthy(&id, Duration::from_secs(120));

    let path = examples().join("dev/.pgtriage.toml");
    let policy = common::path_str(&path);
    let (code, report, stderr) = common::tail_json(&[
        &id,
        "--until-ready",
        "--env",
        "dev",
        "--policy",
        policy,
        "--fail-on",
        "warning",
        "--timeout",
        "60s",
    ]);
    assert_eq!(code, Some(0), "{stderr}\n{}", pretty(&report["findings"]));
    for f in findings(&report).iter().filter(|f| at_least_warning(f)) {
        let reason = f["accepted"]["reason"].as_str().unwrap_or("");
        assert!(
            !reason.is_empty(),
            "warning-or-worse finding without an accepted reason: {}",
            pretty(f)
        );
    }
    assert!(
        report["unclassified"].as_array().unwrap().is_empty(),
        "{}",
        pretty(&report["unclassified"])
    );

    // Each acceptance in the dev policy is used: the dev settings do produce that
    // finding (a stale acceptance would hide nothing and document nothing).
    let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    for a in table["accept"].as_array().unwrap() {
        let accepted_id = a["id"].as_str().unwrap();
        let f = findings(&report)
            .into_iter()
            .find(|f| f["id"] == accepted_id)
            .unwrap_or_else(|| {
                panic!("{accepted_id} is accepted but the dev settings do not produce it")
            });
        assert_eq!(
            f["accepted"]["reason"].as_str(),
            a["reason"].as_str(),
            "{}",
            pretty(&f)
        );
    }

    // The same settings judged as production fail, for exactly the accepted reasons.
    let (code, report, _) = common::tail_json(&[
        &id,
        "--no-follow",
        "--env",
        "prod",
        "--no-policy",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code, Some(1));
    let gating: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gating"] == true)
        .filter_map(|f| f["id"].as_str())
        .collect();
    let accepted: BTreeSet<&str> = table["accept"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(
        gating.is_superset(&accepted),
        "every dev acceptance must be something prod refuses: {}",
        pretty(&report["findings"])
    );

    // TCP logins ask for the password in dev too.
    if let Some(psql) = psql() {
        let (ok, out) = psql_login(
            &psql,
            port,
            "postgres",
            Some("dev-only-password"),
            "disable",
        );
        assert!(ok, "dev superuser over the loopback port: {out}");
        let (ok, out) = psql_login(&psql, port, "postgres", Some("wrong"), "disable");
        assert!(
            !ok && out.contains("password authentication failed"),
            "{out}"
        );
    }
}
