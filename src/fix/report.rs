//! The findings `fix` answers besides the lint's own: those of a saved `analyze` or `tail
//! --output json` report (schema v1, `--report FILE`), or those a running container shows
//! now (`--container NAME`: its log so far and its inspect data, as `tail` makes them), so
//! that what the log or the container showed is answered too: fixed by the lint's edits
//! when the files still cause it, else listed with its advice.

use crate::severity::Severity;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Doc {
    findings: Vec<Saved>,
}

#[derive(Debug, Deserialize)]
struct Saved {
    id: String,
    severity: Severity,
    #[serde(default)]
    sample: Option<String>,
    #[serde(default)]
    accepted: Option<serde::de::IgnoredAny>,
}

/// One finding of a report that is worth acting on.
#[derive(Debug, Clone)]
pub struct Reported {
    pub id: String,
    pub sample: Option<String>,
}

/// Worth acting on: at warning or above, and no policy accepted it.
fn worth(severity: Severity, accepted: bool) -> bool {
    !accepted && severity >= Severity::Warning
}

/// The saved report's findings worth acting on.
pub fn read(path: &str) -> Result<Vec<Reported>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--report {path}: {}", crate::error::io_reason(&e)))?;
    let doc: Doc = serde_json::from_str(&text)
        .map_err(|e| format!("--report {path}: not a pgtriage JSON report: {e}"))?;
    Ok(doc
        .findings
        .into_iter()
        .filter(|f| worth(f.severity, f.accepted.is_some()))
        .map(|f| Reported {
            id: f.id,
            sample: f.sample,
        })
        .collect())
}

/// The findings worth acting on of a report made in this run (`--container`).
pub fn of(report: &crate::report::Report) -> Vec<Reported> {
    report
        .findings
        .iter()
        .filter(|f| worth(f.severity, f.accepted.is_some()))
        .map(|f| Reported {
            id: f.id.clone(),
            sample: f.sample.clone(),
        })
        .collect()
}
