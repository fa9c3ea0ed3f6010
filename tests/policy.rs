//! "Resolved or documented": policy acceptances, expiry, mistakes in the file, and
//! baselines, on the shipped real logs.

mod common;

use common::{analyze_json, baseline_of, finding_counts, gating_ids, pgtriage, policy_file};

const FIRST_START: &str = "sample-logs/first-start-no-locale.log";
const AUTH: &str = "sample-logs/auth-and-connections.log";
const OOM: &str = "sample-logs/out-of-memory.log";

fn finding<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

/// Accepts every finding above info of the first-start log.
const ACCEPT_ALL: &str = r#"
[[accept]]
id = "locale.no-system-locales"
reason = "Alpine image; databases use the ICU provider."
until = "2099-12-31"

[[accept]]
id = "auth.trust-local"
reason = "Local socket only reachable from inside the container in this test."

[[accept]]
id = "locale.sql-ascii-encoding"
reason = "Throwaway cluster of this test."
"#;

#[test]
fn accepted_findings_stay_visible_and_do_not_fail() {
    let p = policy_file(ACCEPT_ALL);
    let args = [
        "--env",
        "prod",
        "--fail-on",
        "warning",
        "--policy",
        common::path_str(p.path()),
        FIRST_START,
    ];
    let r = analyze_json(&args, 0);
    let locale = finding(&r, "locale.no-system-locales");
    assert_eq!(locale["count"], 1);
    assert_eq!(locale["gating"], false);
    assert_eq!(
        locale["accepted"]["reason"],
        "Alpine image; databases use the ICU provider."
    );
    assert_eq!(locale["accepted"]["until"], "2099-12-31");
    assert!(locale["accepted"]["policy"]
        .as_str()
        .unwrap()
        .ends_with(":3"));
    assert_eq!(r["summary"]["accepted"], 3);
    // Without the policy the same log fails.
    analyze_json(
        &[
            "--env",
            "prod",
            "--fail-on",
            "warning",
            "--no-policy",
            FIRST_START,
        ],
        1,
    );
}

#[test]
fn an_expired_acceptance_counts_again_and_says_so() {
    let p = policy_file(&ACCEPT_ALL.replace("2099-12-31", "2020-01-31"));
    let r = analyze_json(
        &[
            "--fail-on",
            "warning",
            "--policy",
            common::path_str(p.path()),
            FIRST_START,
        ],
        1,
    );
    let locale = finding(&r, "locale.no-system-locales");
    assert!(locale["accepted"].is_null());
    assert_eq!(locale["gating"], true);
    assert_eq!(locale["acceptance_expired"]["until"], "2020-01-31");
    let table = pgtriage(&[
        "analyze",
        "--fail-on",
        "warning",
        "--policy",
        common::path_str(p.path()),
        FIRST_START,
    ]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("acceptance expired on 2020-01-31"));
}

#[test]
fn mistakes_in_the_policy_exit_2_naming_the_line() {
    for (text, want) in [
        (
            "\n[[accept]]\nid = \"locale.no-system-locale\"\nreason = \"x\"\n",
            ":3: unknown id \"locale.no-system-locale\"",
        ),
        (
            "[[accept]]\nid = \"auth.trust-local\"\n",
            ":2: [[accept]] of \"auth.trust-local\" needs a reason",
        ),
        (
            "[[accept]]\nid = \"auth.trust-local\"\nreason = \"x\"\nuntil = \"soon\"\n",
            ":4: until must be a date",
        ),
        (
            "[severity]\n\"checkpoint.too-often\" = \"error\"\n",
            ":2: unknown id",
        ),
    ] {
        let p = policy_file(text);
        let out = pgtriage(&[
            "analyze",
            "--policy",
            common::path_str(p.path()),
            FIRST_START,
        ]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}{want}", common::path_str(p.path()))),
            "{err}"
        );
    }
}

#[test]
fn narrowing_accepts_one_role_and_not_another() {
    // The healthcheck scenario's failed logins are all as role "root".
    let p = policy_file("[[accept]]\nid = \"connection.role-missing\"\nreason = \"healthcheck\"\nmatch = { role = \"app\" }\n");
    let path = common::path_str(p.path());
    let r = analyze_json(
        &[
            "--fail-on",
            "warning",
            "--policy",
            path,
            "sample-logs/healthcheck-misconfig.log",
        ],
        1,
    );
    assert!(finding(&r, "connection.role-missing")["accepted"].is_null());
    let p = policy_file("[[accept]]\nid = \"connection.role-missing\"\nreason = \"healthcheck\"\nmatch = { role = \"root\" }\n");
    let r = analyze_json(
        &[
            "--fail-on",
            "error",
            "--policy",
            common::path_str(p.path()),
            "sample-logs/healthcheck-misconfig.log",
        ],
        0,
    );
    let f = finding(&r, "connection.role-missing");
    assert_eq!(f["accepted"]["reason"], "healthcheck");
    assert_eq!(f["scope"], "role=root");
    assert_eq!(f["count"], 5);
}

#[test]
fn severity_overrides_and_policy_env_apply() {
    let p = policy_file("env = \"dev\"\n[severity]\n\"server.ready\" = \"error\"\n");
    let r = analyze_json(&["--policy", common::path_str(p.path()), FIRST_START], 1);
    assert_eq!(r["env"], "dev");
    assert_eq!(finding(&r, "server.ready")["severity"], "error");
    assert_eq!(finding(&r, "auth.trust-local")["severity"], "info");
}

#[test]
fn a_baseline_fails_only_on_what_is_new() {
    let (base, code) = baseline_of(AUTH);
    assert_eq!(code, Some(1), "the log fails on its own");
    let b = common::path_str(base.path());

    let r = analyze_json(&["--baseline", b, AUTH], 0);
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["baseline"]["new"] == false));

    // The out-of-memory log adds one new class of event at error level.
    let r = analyze_json(&["--baseline", b, AUTH, OOM], 1);
    assert_eq!(gating_ids(&r), vec!["memory.out-of-memory"]);
    assert_eq!(finding_counts(&r)["memory.out-of-memory"], 1);
}

#[test]
fn a_count_that_grows_past_the_factor_is_a_regression() {
    let (base, _) = baseline_of("sample-logs/healthcheck-misconfig.log");
    let b = common::path_str(base.path());
    let log = "sample-logs/healthcheck-misconfig.log";
    // The same log three times: every count triples.
    let r = analyze_json(&["--baseline", b, log, log, log], 0);
    let f = finding(&r, "connection.role-missing");
    assert_eq!(f["count"], 15);
    assert_eq!(f["baseline"]["count"], 5);
    assert_eq!(f["baseline"]["regression"], true);
    let r = analyze_json(
        &["--baseline", b, "--regression-factor", "4", log, log, log],
        0,
    );
    assert_eq!(
        finding(&r, "connection.role-missing")["baseline"]["regression"],
        false
    );
}

#[test]
fn policy_init_writes_a_stub_per_finding_that_parses_once_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".pgtriage.toml");
    let f = common::path_str(&file);
    let out = pgtriage(&["policy", "init", "--file", f, FIRST_START]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    for id in [
        "auth.trust-local",
        "locale.no-system-locales",
        "locale.sql-ascii-encoding",
    ] {
        assert!(text.contains(&format!("# id = \"{id}\"")), "{text}");
    }
    assert_eq!(
        text.matches("# [[accept]]").count(),
        3,
        "one stub per finding above info"
    );
    // Refuses to overwrite.
    assert_eq!(
        pgtriage(&["policy", "init", "--file", f, FIRST_START])
            .status
            .code(),
        Some(2)
    );
    // Uncomment the locale stub and give it a reason: a valid policy that accepts it.
    let filled = text.replacen(
        "# [[accept]]\n# id = \"locale.no-system-locales\"\n# reason = \"\"\n# until",
        "[[accept]]\nid = \"locale.no-system-locales\"\nreason = \"ICU provider\"\nuntil",
        1,
    );
    assert_ne!(filled, text);
    std::fs::write(&file, filled).unwrap();
    let r = analyze_json(&["--policy", f, FIRST_START], 1);
    assert_eq!(
        finding(&r, "locale.no-system-locales")["accepted"]["reason"],
        "ICU provider"
    );
}

#[test]
fn container_narrowing_matches_the_compose_service() {
    // `docker-compose logs` (1.29) prefixes lines with `db_1  | `: the service is `db`.
    let log = "sample-logs/framed/first-start-no-locale.compose.log";
    for (container, accepted) in [("db", true), ("db_1", true), ("cache", false)] {
        let p = policy_file(&format!(
            "[[accept]]\nid = \"locale.no-system-locales\"\nreason = \"r\"\ncontainer = \"{container}\"\n"
        ));
        let r = analyze_json(
            &[
                "--fail-on",
                "critical",
                "--policy",
                common::path_str(p.path()),
                log,
            ],
            0,
        );
        let f = finding(&r, "locale.no-system-locales");
        assert_eq!(
            f["accepted"].is_object(),
            accepted,
            "container = {container}"
        );
    }
}
