//! From what the collectors kept to the report document. Every decision (severity,
//! acceptance, baseline, gating) is the verdict's; this file only lays the rows out.

use super::model::*;
use crate::catalogue::Catalogue;
use crate::collect::{Collected, Group, Tally};
use crate::policy::Policy;
use crate::verdict::Verdict;

/// The docs page of an entry, relative to the repository (and the docs site).
pub fn docs_path(id: &str) -> String {
    format!("docs/patterns/{id}.md")
}

pub fn build(
    catalogue: &Catalogue,
    verdict: &Verdict,
    collected: Collected,
    inputs: Vec<InputSummary>,
) -> Report {
    let mut findings = finding_rows(catalogue, verdict, &collected);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.id.cmp(&b.id))
    });
    let findings = causes_first(findings);
    let mut unclassified: Vec<UnclassifiedGroup> = collected
        .unclassified
        .iter()
        .map(|g| unclassified_row(verdict, g))
        .collect();
    unclassified.sort_by_key(|u| std::cmp::Reverse(u.count));
    let mut by_severity = BySeverity::default();
    for f in &findings {
        by_severity.add(f.severity, f.count);
    }
    for g in &collected.unclassified {
        by_severity.add(Verdict::unclassified_severity(g.level), g.count);
    }
    let totals = collected.totals;
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "pgtriage",
            version: env!("CARGO_PKG_VERSION"),
        },
        env: verdict.env,
        fail_on: verdict.fail_on,
        policy: verdict.policy.as_ref().map(|p| p.path.clone()),
        inputs,
        summary: Summary {
            records: totals.records,
            classified: totals.classified,
            unclassified: totals.records - totals.classified,
            accepted: findings
                .iter()
                .filter(|f| f.accepted.is_some())
                .map(|f| f.count)
                .sum(),
            by_severity,
            failed: findings.iter().any(|f| f.gating) || unclassified.iter().any(|u| u.gating),
        },
        findings,
        unclassified,
        stats: Stats {
            warning_or_worse_records: totals.warning_or_worse,
            warning_or_worse_classified: totals.warning_or_worse_classified,
            unclassified_overflow: collected.unclassified_overflow,
            activity: collected.activity,
        },
    }
}

/// One row per catalogue entry seen, and one per `[[accept]]` that covered occurrences.
fn finding_rows(catalogue: &Catalogue, verdict: &Verdict, c: &Collected) -> Vec<Finding> {
    let policy = verdict.policy.as_ref();
    let open = c
        .findings
        .open
        .iter()
        .enumerate()
        .map(|(p, t)| (p, None, t));
    let accepted = c.findings.accepted.iter().enumerate().map(|(r, t)| {
        let pattern = policy.map_or(0, |pol| pol.accepts[r].pattern);
        (pattern, Some(r), t)
    });
    open.chain(accepted)
        .filter(|(_, _, t)| t.reported_count() > 0)
        .map(|(pattern, rule, t)| {
            let mut f = finding_row(catalogue, verdict, pattern, rule, t);
            f.caused_by = c
                .causes
                .cause_of(pattern)
                .map(|cause| catalogue.patterns()[cause].id.clone());
            f
        })
        .collect()
}

/// Each cause followed by its consequences, so a report leads with what to fix; the rest
/// keep their order (severity, then count).
fn causes_first(sorted: Vec<Finding>) -> Vec<Finding> {
    let present: std::collections::HashSet<String> = sorted.iter().map(|f| f.id.clone()).collect();
    let (consequences, mut rest): (Vec<Finding>, Vec<Finding>) = sorted
        .into_iter()
        .partition(|f| f.caused_by.as_ref().is_some_and(|c| present.contains(c)));
    let mut out = Vec::with_capacity(rest.len() + consequences.len());
    let mut consequences: Vec<Option<Finding>> = consequences.into_iter().map(Some).collect();
    for f in rest.drain(..) {
        let id = f.id.clone();
        out.push(f);
        for c in consequences.iter_mut() {
            if c.as_ref().and_then(|c| c.caused_by.as_deref()) == Some(id.as_str()) {
                out.extend(c.take());
            }
        }
    }
    out.extend(consequences.into_iter().flatten());
    out
}

fn finding_row(
    catalogue: &Catalogue,
    verdict: &Verdict,
    pattern: usize,
    rule: Option<usize>,
    t: &Tally,
) -> Finding {
    let p = &catalogue.patterns()[pattern];
    let policy = verdict.policy.as_ref();
    let severity = verdict.severity(catalogue, pattern);
    let count = t.reported_count();
    let seen = t.reported_seen();
    let accepted = rule.and_then(|r| policy.map(|pol| acceptance(pol, r)));
    let scope = rule.and_then(|r| policy.and_then(|pol| pol.accepts[r].scope()));
    let baseline = verdict.finding_diff(&p.id, scope.as_deref(), count);
    let sample = t.sample.as_ref();
    Finding {
        id: p.id.clone(),
        title: p.title.clone(),
        category: p.category.clone(),
        severity,
        count,
        first_seen: seen.first.map(|t| t.to_string()),
        last_seen: seen.last.map(|t| t.to_string()),
        sample: sample.map(|s| s.line.clone()),
        detail: sample.and_then(|s| s.detail.clone()),
        statement: sample.and_then(|s| s.statement.clone()),
        scope,
        caused_by: None,
        gating: verdict.gates(severity, accepted.is_some(), baseline.as_ref()),
        accepted,
        acceptance_expired: t
            .expired_rule
            .and_then(|r| policy.map(|pol| acceptance(pol, r))),
        baseline,
        explain: p.explain.trim().to_string(),
        remediation: p.remediation.get(verdict.env).trim().to_string(),
        docs: docs_path(&p.id),
    }
}

fn acceptance(policy: &Policy, rule: usize) -> Acceptance {
    let a = &policy.accepts[rule];
    Acceptance {
        reason: a.reason.clone(),
        until: a.until.map(|d| d.to_string()),
        policy: format!("{}:{}", policy.path, a.line),
    }
}

fn unclassified_row(verdict: &Verdict, g: &Group) -> UnclassifiedGroup {
    let baseline = verdict.unclassified_diff(g.fingerprint, g.count);
    let severity = Verdict::unclassified_severity(g.level);
    UnclassifiedGroup {
        severity: g.level.as_str(),
        count: g.count,
        fingerprint: g.fingerprint,
        first_seen: g.seen.first.map(|t| t.to_string()),
        last_seen: g.seen.last.map(|t| t.to_string()),
        sample: g.sample.clone(),
        detail: g.detail.clone(),
        statement: g.statement.clone(),
        gating: verdict.gates(severity, false, baseline.as_ref()),
        baseline,
    }
}
