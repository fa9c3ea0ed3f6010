//! `--baseline FILE`: a JSON report (schema v1) from an earlier run, read as plain data.
//! Only what is new since then fails the gate; what grew by more than a factor is a
//! regression. Matching rows to it is the verdict's job (src/verdict.rs).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
struct Doc {
    schema_version: u32,
    findings: Vec<DocFinding>,
    #[serde(default)]
    unclassified: Vec<BaselineUnclassified>,
}

#[derive(Debug, Deserialize)]
struct DocFinding {
    id: String,
    count: u64,
    #[serde(default)]
    scope: Option<String>,
}

/// An unclassified group of the baseline. Reports before the `fingerprint` field carry
/// only the level and the sample, from which the verdict derives it.
#[derive(Debug, Deserialize)]
pub struct BaselineUnclassified {
    pub severity: String,
    pub count: u64,
    pub sample: String,
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// A report row compared with the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineDiff {
    /// The count in the baseline; `null` when it is new.
    pub count: Option<u64>,
    pub new: bool,
    /// Grew by more than the regression factor.
    pub regression: bool,
}

#[derive(Debug, Default)]
pub struct Baseline {
    findings: HashMap<String, u64>,
    unclassified: Vec<BaselineUnclassified>,
    /// A count above `factor` × the baseline's is a regression.
    factor: f64,
}

/// A finding's identity across runs: its id and, for narrowed rows, their scope.
pub fn finding_key(id: &str, scope: Option<&str>) -> String {
    match scope {
        Some(s) => format!("{id} [{s}]"),
        None => id.to_string(),
    }
}

impl Baseline {
    /// Reads a report written with schema version `schema_version`.
    pub fn load(path: &str, factor: f64, schema_version: u32) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--baseline {path}: {}", crate::error::io_reason(&e)))?;
        Baseline::parse(&text, factor, schema_version)
            .map_err(|e| format!("--baseline {path}: {e}"))
    }

    pub fn parse(text: &str, factor: f64, schema_version: u32) -> Result<Baseline, String> {
        let doc: Doc =
            serde_json::from_str(text).map_err(|e| format!("not a pgtriage JSON report: {e}"))?;
        if doc.schema_version != schema_version {
            return Err(format!(
                "schema_version {} (this pgtriage reads {schema_version})",
                doc.schema_version
            ));
        }
        let mut findings = HashMap::new();
        for f in doc.findings {
            *findings
                .entry(finding_key(&f.id, f.scope.as_deref()))
                .or_default() += f.count;
        }
        Ok(Baseline {
            findings,
            unclassified: doc.unclassified,
            factor,
        })
    }

    pub fn finding(&self, key: &str) -> Option<u64> {
        self.findings.get(key).copied()
    }

    pub fn unclassified(&self) -> &[BaselineUnclassified] {
        &self.unclassified
    }

    /// How a row with `now` occurrences compares with `before` in the baseline.
    pub fn diff(&self, before: Option<u64>, now: u64) -> BaselineDiff {
        BaselineDiff {
            count: before,
            new: before.is_none(),
            regression: before.is_some_and(|n| now as f64 > n as f64 * self.factor),
        }
    }
}
