//! JSON Lines: one event per line, the shape `tail --output jsonl` streams, so a consumer
//! reads a saved log's report and a live container's the same way.

use super::Report;
use serde_json::json;
use std::fmt::Write;

/// Every finding and unclassified group as an event, then the summary.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let ev = json!({"event": "finding", "id": f.id, "severity": f.severity, "count": f.count,
            "first_seen": f.first_seen, "last_seen": f.last_seen, "accepted": f.accepted.as_ref().map(|a| &a.reason),
            "gating": f.gating, "sample": f.sample, "title": f.title, "remediation": f.remediation});
        let _ = writeln!(out, "{ev}");
    }
    for u in &r.unclassified {
        let ev = json!({"event": "unclassified", "severity": u.severity, "count": u.count,
            "fingerprint": u.fingerprint, "gating": u.gating, "sample": u.sample});
        let _ = writeln!(out, "{ev}");
    }
    out.push_str(&summary(r));
    out
}

/// The closing line of a jsonl stream.
pub fn summary(r: &Report) -> String {
    format!(
        "{}\n",
        json!({"event": "summary", "summary": r.summary, "inputs": r.inputs})
    )
}
