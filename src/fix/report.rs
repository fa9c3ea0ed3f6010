//! `fix --report FILE`: the findings of a saved `analyze` or `tail --output json` report
//! (schema v1), so that what the log or the running container showed is answered too:
//! fixed by the lint's edits when the files still cause it, else listed with its advice.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Doc {
    findings: Vec<Reported>,
}

/// One finding of the report that is worth acting on.
#[derive(Debug, Deserialize)]
pub struct Reported {
    pub id: String,
    pub severity: crate::severity::Severity,
    #[serde(default)]
    pub sample: Option<String>,
    #[serde(default)]
    accepted: Option<serde::de::IgnoredAny>,
}

/// The report's findings at warning or above that no policy accepted.
pub fn read(path: &str) -> Result<Vec<Reported>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--report {path}: {}", crate::error::io_reason(&e)))?;
    let doc: Doc = serde_json::from_str(&text)
        .map_err(|e| format!("--report {path}: not a pgtriage JSON report: {e}"))?;
    Ok(doc
        .findings
        .into_iter()
        .filter(|f| f.accepted.is_none() && f.severity >= crate::severity::Severity::Warning)
        .collect())
}
