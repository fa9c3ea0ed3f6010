//! The counts scripts/gen-sample-logs.sh planned for each (log, id) and checked against
//! what the server printed, and pgtriage's findings compared with them.

use super::{finding_counts, par_map, path_str, pgtriage};
use std::collections::BTreeMap;
use std::path::Path;

/// A planned count: exactly `n`, at least `n` (`>=N`, a retry loop on the server's own
/// clock) or at most `n` (`<=N`, a race between two real outcomes of one event).
#[derive(Clone, Copy, Debug)]
pub struct Planned {
    n: u64,
    op: &'static str,
}

impl Planned {
    fn parse(s: &str) -> Planned {
        let (op, n) = [">=", "<="]
            .into_iter()
            .find_map(|op| s.strip_prefix(op).map(|n| (op, n)))
            .unwrap_or(("", s));
        let n = n.parse().unwrap_or_else(|_| panic!("bad count {s:?}"));
        Planned { n, op }
    }

    /// Whether the plan says the event happened at all (an "at most" may be none).
    pub fn certain(self) -> bool {
        self.op != "<=" && self.n > 0
    }

    fn holds(self, got: u64) -> bool {
        match self.op {
            ">=" => got >= self.n,
            "<=" => got <= self.n,
            _ => got == self.n,
        }
    }
}

impl std::fmt::Display for Planned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.op, self.n)
    }
}

/// `(file, id) → count`: what scripts/gen-sample-logs.sh planned and checked against the
/// server's output, from every `expected-counts*.tsv` in `dir` (one per area of scenarios).
pub fn expected_counts(dir: &Path) -> BTreeMap<(String, String), Planned> {
    let mut tsv = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.starts_with("expected-counts") && name.ends_with(".tsv") {
            tsv.push_str(&std::fs::read_to_string(dir.join(&name)).unwrap());
        }
    }
    assert!(
        !tsv.is_empty(),
        "no expected-counts*.tsv in {}",
        dir.display()
    );
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "bad line in expected-counts.tsv: {l}");
            (
                (cols[0].to_string(), cols[1].to_string()),
                Planned::parse(cols[2]),
            )
        })
        .collect()
}

/// Analyzes every log `want` names in `dir` and compares pgtriage's count of each of its
/// ids with the planned one; the mismatches, one line each (`file: id: want N, got M`).
pub fn count_mismatches(dir: &Path, want: &BTreeMap<(String, String), Planned>) -> Vec<String> {
    let files: Vec<&String> = want
        .keys()
        .map(|(f, _)| f)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    par_map(&files, |file| {
        let path = dir.join(file);
        let run = pgtriage(&["analyze", "--output", "json", path_str(&path)]);
        assert!(
            matches!(run.status.code(), Some(0 | 1)),
            "{file}: {:?}",
            run
        );
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let got = finding_counts(&report);
        let mut failures = Vec::new();
        for ((f, id), planned) in want.range(((*file).clone(), String::new())..) {
            if f != *file {
                break;
            }
            let g = got.get(id).copied().unwrap_or(0);
            if !planned.holds(g) {
                failures.push(format!("{file}: {id}: want {planned}, got {g}"));
            }
        }
        failures
    })
    .into_iter()
    .flatten()
    .collect()
}
