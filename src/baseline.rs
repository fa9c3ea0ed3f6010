//! `--baseline FILE`: a JSON report (schema v1) from an earlier run. Only what is new since
//! then fails the gate; what grew by more than a factor is reported as a regression.

use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
struct Doc {
    schema_version: u32,
    findings: Vec<DocFinding>,
    #[serde(default)]
    unclassified: Vec<DocUnclassified>,
}

#[derive(Debug, Deserialize)]
struct DocFinding {
    id: String,
    count: u64,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DocUnclassified {
    severity: String,
    count: u64,
    sample: String,
}

#[derive(Debug, Default)]
pub struct Baseline {
    findings: HashMap<String, u64>,
    unclassified: HashMap<String, u64>,
    /// A count above `factor` × the baseline's is a regression.
    pub factor: f64,
}

/// A finding's identity across runs: its id and, for narrowed rows, their scope.
pub fn finding_key(id: &str, scope: Option<&str>) -> String {
    match scope {
        Some(s) => format!("{id} [{s}]"),
        None => id.to_string(),
    }
}

/// An unclassified group's identity: its level and its sample without numbers (times,
/// pids and sizes differ from run to run).
pub fn unclassified_key(severity: &str, sample: &str) -> String {
    let mut key = String::from(severity);
    key.push(' ');
    let mut in_digits = false;
    for c in sample.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                key.push('#');
            }
            in_digits = true;
        } else {
            key.push(c);
            in_digits = false;
        }
    }
    key
}

impl Baseline {
    pub fn load(path: &str, factor: f64) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--baseline {path}: {}", crate::error::io_reason(&e)))?;
        let doc: Doc = serde_json::from_str(&text)
            .map_err(|e| format!("--baseline {path}: not a pgtriage JSON report: {e}"))?;
        if doc.schema_version != crate::report::SCHEMA_VERSION {
            return Err(format!(
                "--baseline {path}: schema_version {} (this pgtriage reads {})",
                doc.schema_version,
                crate::report::SCHEMA_VERSION
            ));
        }
        let mut b = Baseline {
            factor,
            ..Default::default()
        };
        for f in doc.findings {
            *b.findings
                .entry(finding_key(&f.id, f.scope.as_deref()))
                .or_default() += f.count;
        }
        for u in doc.unclassified {
            *b.unclassified
                .entry(unclassified_key(&u.severity, &u.sample))
                .or_default() += u.count;
        }
        Ok(b)
    }

    pub fn finding(&self, key: &str) -> Option<u64> {
        self.findings.get(key).copied()
    }

    pub fn unclassified(&self, key: &str) -> Option<u64> {
        self.unclassified.get(key).copied()
    }

    pub fn is_regression(&self, before: u64, now: u64) -> bool {
        now as f64 > before as f64 * self.factor
    }
}
