//! `pgtriage fix`: the lint's findings turned into a reviewable unified diff of the
//! user's files (the catalogue says what each entry's fix edits), written with `--apply`,
//! or a CI gate with `--check`.

use super::lint::Target;
use crate::catalogue::Catalogue;
use crate::error::Failure;
use crate::fix::report::Reported;
use crate::fix::{self, diff, Plan};
use crate::lint::Linted;
use crate::tail::TailOptions;
use crate::verdict::Verdict;

/// What `fix` is asked to do.
#[derive(Debug)]
pub struct Options {
    pub target: Target,
    /// Write the edits.
    pub apply: bool,
    /// Exit 1 when edits are pending.
    pub check: bool,
    /// `--report`: a saved JSON report whose findings are answered too.
    pub report: Option<String>,
    /// `--container`: running containers whose findings (log so far, inspect data) are
    /// answered too.
    pub containers: Vec<String>,
}

pub fn run(catalogue: &'static Catalogue, opts: Options) -> Result<u8, Failure> {
    let linted = opts.target.lint(catalogue)?;
    let verdict = &opts.target.verdict;
    let plan = fix::plan(catalogue, verdict, &linted).map_err(Failure::Usage)?;
    // Each source of findings besides the lint, named as the answers name it.
    let mut sources = Vec::new();
    if let Some(path) = &opts.report {
        sources.push((
            path.clone(),
            fix::report::read(path).map_err(Failure::Usage)?,
        ));
    }
    for name in &opts.containers {
        sources.push((
            format!("container {name}"),
            of_container(catalogue, verdict, name)?,
        ));
    }
    crate::error::write_stdout(&patch(&plan))?;
    eprint!("{}", summary(catalogue, verdict, &plan, opts.apply));
    for (source, reported) in &sources {
        eprint!("{}", answers(catalogue, verdict, source, reported, &linted));
    }
    if opts.apply && !plan.changes.is_empty() {
        fix::apply(&plan.changes).map_err(Failure::Usage)?;
    }
    Ok(u8::from(opts.check && !plan.changes.is_empty()))
}

/// What a running container shows now, as `tail --no-follow` would report it: its log so
/// far and its inspect data, judged by the same policy and environment as the lint.
fn of_container(
    catalogue: &'static Catalogue,
    verdict: &Verdict,
    name: &str,
) -> Result<Vec<Reported>, Failure> {
    let judge = Verdict::new(
        verdict.env,
        verdict.fail_on,
        verdict.policy.clone(),
        None,
        false,
    );
    let options = TailOptions::log_so_far(vec![name.to_string()], judge);
    let collected = crate::tail::collect_blocking(catalogue, options)?;
    Ok(fix::report::of(&collected.report))
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

/// What becomes of each finding of a saved report: the lint found its cause in the files
/// (and the diff above fixes it, or the list above says why not), or its cause is not in
/// them any more, or it comes from the log alone and is listed with its advice.
fn answers(
    catalogue: &Catalogue,
    verdict: &Verdict,
    source: &str,
    reported: &[Reported],
    linted: &Linted,
) -> String {
    let mut out = String::new();
    for r in reported {
        let found = linted
            .findings
            .iter()
            .any(|f| catalogue.patterns()[f.pattern].id == r.id);
        let line = match catalogue.get(&r.id) {
            _ if found => "the lint finds its cause in the files (see above)".to_string(),
            Some(p) if !p.checks.is_empty() => {
                "not caused by the Compose files as they are now (fixed already, or set outside them)".into()
            }
            Some(p) => {
                let mut s = format!(
                    "from the log ({}); no automatic fix:",
                    r.sample.as_deref().unwrap_or("no sample")
                );
                for l in p.remediation.get(verdict.env).lines() {
                    s.push_str(&format!("\n    {l}"));
                }
                s
            }
            None => "not in this pgtriage's catalogue".into(),
        };
        out.push_str(&format!("{source}: {}: {line}\n", r.id));
    }
    out
}
