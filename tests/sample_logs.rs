//! The shipped sample logs (printed by a real PostgreSQL 15, framed by the real Docker
//! engine, and the other majors' in sample-logs/pgNN/) give the findings the README
//! promises and the counts their scenarios planned.

mod common;

use common::{analyze_json, finding_counts, pgtriage};

const FIRST_START: &str = "sample-logs/first-start-no-locale.log";

#[test]
fn first_start_fails_in_prod_and_passes_in_dev() {
    let prod = analyze_json(&["--env", "prod", FIRST_START], 1);
    let ids = finding_counts(&prod);
    assert_eq!(ids.get("locale.no-system-locales"), Some(&1), "{ids:?}");
    assert_eq!(ids.get("auth.trust-local"), Some(&1), "{ids:?}");
    assert_eq!(prod["summary"]["failed"], true);
    let trust = prod["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "auth.trust-local")
        .unwrap();
    assert_eq!(trust["severity"], "error");
    assert!(trust["remediation"]
        .as_str()
        .unwrap()
        .contains("--auth-local"));

    let dev = analyze_json(&["--env", "dev", FIRST_START], 0);
    assert_eq!(finding_counts(&dev), ids, "same findings, other severities");
    assert_eq!(dev["summary"]["failed"], false);
    for f in dev["findings"].as_array().unwrap() {
        if f["id"] == "locale.no-system-locales" || f["id"] == "auth.trust-local" {
            assert_eq!(f["severity"], "info");
        }
    }
}

#[test]
fn the_table_shows_remediation_for_the_chosen_env() {
    let out = pgtriage(&["analyze", "--env", "prod", FIRST_START]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("What to do (prod)"), "{text}");
    assert!(text.contains("auth.trust-local"));
    assert!(text.contains("locale.no-system-locales"));
    assert!(
        text.contains("prefix '%m [%p] '"),
        "the detected prefix is shown: {text}"
    );
}

/// The same container output as `docker logs`, `docker logs --timestamps`,
/// `docker compose logs` and the json-file driver's file gives the same findings.
#[test]
fn every_container_framing_gives_the_same_findings() {
    let dir = common::repo().join("sample-logs/framed");
    let mut bases: Vec<String> = std::fs::read_dir(&dir)
        .expect("sample-logs/framed (scripts/frame-with-docker.sh)")
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".docker.log").map(str::to_string)
        })
        .collect();
    bases.sort();
    assert!(!bases.is_empty());
    for base in bases {
        let original = common::repo()
            .join("sample-logs")
            .join(format!("{base}.log"));
        let want = finding_counts(&analyze_json(&[common::path_str(&original)], 1));
        assert!(!want.is_empty());
        for (suffix, framing) in [
            ("docker.log", "none"),
            ("docker-ts.log", "docker-timestamps"),
            ("compose.log", "compose"),
            ("json-file.log", "docker-json-file"),
        ] {
            let path = dir.join(format!("{base}.{suffix}"));
            let r = analyze_json(&[common::path_str(&path)], 1);
            assert_eq!(finding_counts(&r), want, "{}", path.display());
            assert_eq!(r["inputs"][0]["framing"], framing, "{}", path.display());
            assert_eq!(r["inputs"][0]["truncated_lines"], 0);
        }
    }
}

/// Every major's committed set, as scripts/gen-sample-logs.sh wrote it.
const MAJOR_SETS: [(u32, &str); 5] = [
    (14, "sample-logs/pg14"),
    (15, "sample-logs"),
    (16, "sample-logs/pg16"),
    (17, "sample-logs/pg17"),
    (18, "sample-logs/pg18"),
];

/// The committed logs of every major give exactly the counts in their expected-counts TSVs
/// (what the scenarios planned and checked against the server when they were written),
/// but for the catalogue's known gaps (`common::CATALOGUE_GAPS`).
#[test]
fn every_majors_committed_logs_give_their_planned_counts() {
    let mut failures = Vec::new();
    for (major, set) in MAJOR_SETS {
        let dir = common::repo().join(set);
        let mismatches =
            common::planned::count_mismatches(&dir, &common::planned::expected_counts(&dir));
        failures.extend(
            common::beyond_catalogue_gaps(major, mismatches)
                .into_iter()
                .map(|m| format!("{set}: {m}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
