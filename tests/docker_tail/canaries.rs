//! The canary suite's live half: secrets planted in a real container's log (statement
//! text, ALTER ROLE ... PASSWORD, a row value, COPY data, application_name) appear in no
//! live tail line, no report format and no Prometheus label.

use super::common::docker::{spawn_tail, stop};
use super::{common, docker, Container, DEBIAN};

const CANARIES: [&str; 5] = [
    "canary-tail-pw-1a2b",
    "canary-tail-stmt-3c4d",
    "canary-tail-row-5e6f",
    "canary-tail-copy-7a8b",
    "canary-tail-app-9c0d",
];

/// Plants each canary where the server logs it (log_statement = 'all', log_connections).
fn plant(c: &Container) {
    let [pw, stmt, row, copy, app] = CANARIES;
    for sql in [
        format!("ALTER ROLE postgres PASSWORD '{pw}'"),
        format!("SELECT '{stmt}' AS note"),
        "CREATE TABLE people (email text UNIQUE)".to_string(),
        format!("INSERT INTO people VALUES ('{row}')"),
        format!("INSERT INTO people VALUES ('{row}')"),
        "CREATE TABLE nums (n int)".to_string(),
    ] {
        let env = format!("PGAPPNAME={app}");
        let _ = std::process::Command::new("docker")
            .args([
                "exec", "-e", &env, &c.0, "psql", "-U", "postgres", "-c", &sql,
            ])
            .output();
    }
    let copy_sql = format!("COPY nums FROM PROGRAM 'echo {copy}'");
    let _ = std::process::Command::new("docker")
        .args(["exec", &c.0, "psql", "-U", "postgres", "-c", &copy_sql])
        .output();
}

fn port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
#[ignore = "slow: needs a Docker daemon and the test images (scripts/build-test-image.sh: root, debootstrap)"]
fn planted_secrets_appear_in_no_live_line_report_or_metric_label() {
    if !common::require_docker() {
        return;
    }
    let args = ["-e", "POSTGRES_PASSWORD=secret", DEBIAN, "postgres"];
    let settings = ["-c", "log_statement=all", "-c", "log_connections=on"];
    let c = Container::run("canaries", &[&args[..], &settings[..]].concat());
    c.wait_for("database system is ready to accept connections", 2);
    plant(&c);
    let logs = c.logs();
    for canary in CANARIES {
        assert!(
            logs.contains(canary),
            "the server log holds {canary}:\n{logs}"
        );
    }
    for format in [
        "table", "jsonl", "json", "markdown", "github", "junit", "html",
    ] {
        let addr = format!("127.0.0.1:{}", port());
        let tail_args = [
            "--output",
            format,
            "--fail-on",
            "info",
            "--metrics",
            &addr,
            &c.0,
        ];
        let tail = spawn_tail(&tail_args);
        std::thread::sleep(std::time::Duration::from_secs(3));
        let metrics = super::follow::scrape(&addr);
        let out = stop(tail);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.trim().is_empty(), "{format}: no output");
        assert!(metrics.contains("pgtriage_events_total"), "{metrics}");
        for canary in CANARIES {
            assert!(!text.contains(canary), "{format} shows {canary}:\n{text}");
            assert!(
                !metrics.contains(canary),
                "metrics show {canary}:\n{metrics}"
            );
        }
    }
    let _ = docker(&["logs", &c.0]);
}
