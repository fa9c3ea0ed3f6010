//! `pgtriage fix`: the lint's findings turned into a reviewable unified diff of the
//! user's files (the catalogue says what each entry's fix edits), written with `--apply`,
//! or a CI gate with `--check`.

use super::lint::Target;
use crate::catalogue::Catalogue;
use crate::error::Failure;
use crate::fix::{self, diff, Plan};
use crate::verdict::Verdict;

/// What `fix` is asked to do.
#[derive(Debug)]
pub struct Options {
    pub target: Target,
    /// Write the edits.
    pub apply: bool,
    /// Exit 1 when edits are pending.
    pub check: bool,
}

pub fn run(catalogue: &Catalogue, opts: Options) -> Result<u8, Failure> {
    let linted = opts.target.lint(catalogue)?;
    let verdict = &opts.target.verdict;
    let plan = fix::plan(catalogue, verdict, &linted).map_err(Failure::Usage)?;
    crate::error::write_stdout(&patch(&plan))?;
    eprint!("{}", summary(catalogue, verdict, &plan, opts.apply));
    if opts.apply && !plan.changes.is_empty() {
        fix::apply(&plan.changes).map_err(Failure::Usage)?;
    }
    Ok(u8::from(opts.check && !plan.changes.is_empty()))
}

/// The diff of every changed file, each preceded by its notes as `#` lines (which
/// `patch` and `git apply` skip).
pub fn patch(plan: &Plan) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        for n in &c.notes {
            out.push_str(&format!("# {n}\n"));
        }
        out.push_str(&diff::unified(
            &c.path.display().to_string(),
            &c.before,
            &c.after,
        ));
    }
    out
}

/// What was (or would be) edited, the notes, and the findings left with their advice.
fn summary(catalogue: &Catalogue, verdict: &Verdict, plan: &Plan, applied: bool) -> String {
    let mut out = String::new();
    let verb = if applied { "edited" } else { "to edit" };
    out.push_str(&format!(
        "pgtriage fix: {} file(s) {verb}\n",
        plan.changes.len()
    ));
    for c in &plan.changes {
        for n in &c.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
    }
    for u in &plan.unfixed {
        let p = &catalogue.patterns()[u.finding.pattern];
        out.push_str(&format!(
            "not fixed: {} at {}:{} ({}): {}\n",
            p.id,
            u.finding.file.display(),
            u.finding.line,
            u.finding.service,
            u.why
        ));
        for l in p.remediation.get(verdict.env).lines() {
            out.push_str(&format!("    {l}\n"));
        }
    }
    out
}
