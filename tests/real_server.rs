//! A real PostgreSQL 15, driven into events by scripts/gen-sample-logs.sh (which says in
//! expected-counts.tsv how many of each it caused); pgtriage must find exactly those.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

/// `(file, id) → (count, at_least)` from the script's own plan: every
/// `expected-counts*.tsv` it wrote (one per area of scenarios).
fn expected(dir: &std::path::Path) -> BTreeMap<(String, String), (u64, bool)> {
    let mut tsv = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.starts_with("expected-counts") && name.ends_with(".tsv") {
            tsv.push_str(&std::fs::read_to_string(dir.join(&name)).unwrap());
        }
    }
    assert!(!tsv.is_empty(), "no expected-counts*.tsv");
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "bad line in expected-counts.tsv: {l}");
            let (at_least, n) = match cols[2].strip_prefix(">=") {
                Some(n) => (true, n),
                None => (false, cols[2]),
            };
            (
                (cols[0].to_string(), cols[1].to_string()),
                (n.parse().unwrap(), at_least),
            )
        })
        .collect()
}

#[test]
#[ignore = "slow: needs PostgreSQL 15 (Debian's postgresql-15; runuser as root) and runs every scenario for minutes"]
fn findings_on_a_real_server_match_what_the_scenarios_caused() {
    if !common::require_postgres() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(common::repo().join("scripts/gen-sample-logs.sh"))
        .arg("--out")
        .arg(out.path())
        .status()
        .expect("run scripts/gen-sample-logs.sh");
    assert!(status.success(), "gen-sample-logs.sh failed");

    let want = expected(out.path());
    let mut files: Vec<&String> = want.keys().map(|(f, _)| f).collect();
    files.sort();
    files.dedup();
    let mut ids_seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for file in files {
        let path = out.path().join(file);
        let args = ["analyze", "--output", "json", common::path_str(&path)];
        let run = common::pgtriage(&args);
        assert!(
            matches!(run.status.code(), Some(0 | 1)),
            "{file}: {:?}",
            run
        );
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let got = common::finding_counts(&report);
        for ((f, id), (n, at_least)) in &want {
            if f != file {
                continue;
            }
            let g = got.get(id).copied().unwrap_or(0);
            let ok = if *at_least { g >= *n } else { g == *n };
            if ok {
                ids_seen.insert(id.clone());
            } else {
                failures.push(format!(
                    "{file}: {id}: want {}{n}, got {g}",
                    if *at_least { ">=" } else { "" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        ids_seen.len() >= 12,
        "only {} ids triggered for real: {ids_seen:?}",
        ids_seen.len()
    );
}
