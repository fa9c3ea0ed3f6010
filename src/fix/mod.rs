//! `fix`'s plan: for each lint finding, the edits its catalogue entry's `fix` data call
//! for in the current environment, applied as minimal text edits (edit.rs) to the Compose
//! file or the mounted configuration file; and the findings without a safe fix, with
//! their advice. Writing is all or nothing per file: temp file, then rename.

pub mod diff;
pub mod edit;
pub mod flow_style;
pub mod report;

use crate::catalogue::fix::{EditKind, FixDef};
use crate::catalogue::Catalogue;
use crate::checks::{ConfigFile, Where};
use crate::lint::{key_line, tidy, LintFinding, Linted};
use crate::verdict::Verdict;
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// In a fix's value, the value the check computed for the finding.
const SUGGESTED: &str = "{suggested}";

/// One file's text before and after its edits.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    /// What the reader of the diff must know: edits that act only on an empty data
    /// directory, and what to do on an existing one.
    pub notes: Vec<String>,
}

/// A finding left as it is, and why.
#[derive(Debug, Clone)]
pub struct Unfixed {
    pub finding: LintFinding,
    pub why: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    pub unfixed: Vec<Unfixed>,
}

/// The edits for every finding the policy does not accept.
pub fn plan(catalogue: &Catalogue, verdict: &Verdict, linted: &Linted) -> Result<Plan, String> {
    let mut files: BTreeMap<PathBuf, FileChange> = BTreeMap::new();
    let mut unfixed = Vec::new();
    for f in &linted.findings {
        let names = [f.service.as_str(), f.service.as_str()];
        if verdict
            .judge(catalogue, f.pattern, &names, |_| None)
            .slot
            .accepted
            .is_some()
        {
            continue;
        }
        let p = &catalogue.patterns()[f.pattern];
        let fixes: Vec<&FixDef> = p.fix.iter().filter(|x| x.applies_in(verdict.env)).collect();
        if fixes.is_empty() {
            unfixed.push(Unfixed {
                finding: f.clone(),
                why: "no safe automatic fix".into(),
            });
        }
        for fx in fixes {
            if let Err(why) = one(linted, f, fx, &mut files) {
                unfixed.push(Unfixed {
                    finding: f.clone(),
                    why,
                });
            } else if fx.empty_data_dir_only {
                let note = format!(
                    "{} ({}): acts only when the data directory is empty (the first start); on an existing volume: {}",
                    p.id,
                    f.service,
                    fx.in_place.as_deref().unwrap_or("see `pgtriage explain` for the entry"),
                );
                let target = target_file(linted, f, fx)?;
                let change = files.get_mut(&target).expect("edited above");
                if !change.notes.contains(&note) {
                    change.notes.push(note);
                }
            }
        }
    }
    let changes = files
        .into_values()
        .filter(|c| c.before != c.after)
        .collect();
    Ok(Plan { changes, unfixed })
}

/// The file an edit goes to.
fn target_file(linted: &Linted, f: &LintFinding, fx: &FixDef) -> Result<PathBuf, String> {
    let project = &linted.project;
    let svc_key = |path: Vec<String>| tidy(&key_line(project, &f.service, &path).0);
    let mounted = |role| {
        linted
            .mounted
            .get(&(f.service.clone(), role))
            .map(|p| tidy(p))
            .ok_or_else(|| "the configuration file is not mounted from the host".to_string())
    };
    Ok(match fx.edit {
        EditKind::ServiceSet => svc_key(fx.key.split('.').map(str::to_string).collect()),
        EditKind::EnvRemove => svc_key(vec!["environment".into(), fx.key.clone()]),
        EditKind::InitdbArg => svc_key(vec!["environment".into(), "POSTGRES_INITDB_ARGS".into()]),
        EditKind::ConfSet => mounted(ConfigFile::PostgresqlConf)?,
        EditKind::HbaMethod => mounted(ConfigFile::PgHba)?,
    })
}

/// Applies one fix of finding `f` to the file it edits.
fn one(
    linted: &Linted,
    f: &LintFinding,
    fx: &FixDef,
    files: &mut BTreeMap<PathBuf, FileChange>,
) -> Result<(), String> {
    let env = linted
        .project
        .services
        .get(f.service.as_str())
        .and_then(|s| s.get("environment"))
        .and_then(Value::as_mapping);
    if !fx.requires_env.is_empty()
        && !fx
            .requires_env
            .iter()
            .any(|v| env.is_some_and(|e| e.contains_key(v.as_str())))
    {
        return Err(format!("needs {} set first", fx.requires_env.join(" or ")));
    }
    // A `-c` option of the command wins over postgresql.conf: editing the file would not do.
    if fx.edit == EditKind::ConfSet && f.at == crate::checks::key(&["command"]) {
        return Err("the setting is made outside postgresql.conf (the command's -c)".into());
    }
    let path = target_file(linted, f, fx)?;
    let change = match files.get_mut(&path) {
        Some(c) => c,
        None => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {}", path.display(), crate::error::io_reason(&e)))?;
            files.entry(path.clone()).or_insert(FileChange {
                path: path.clone(),
                before: text.clone(),
                after: text,
                notes: Vec::new(),
            })
        }
    };
    let text = &change.after;
    let value = fx.value.as_deref().unwrap_or_default();
    let value = match (&f.suggested, value.contains(SUGGESTED)) {
        (_, false) => value.to_string(),
        (Some(v), true) => value.replace(SUGGESTED, v),
        (None, true) => return Err("no value fits the declared sizes".into()),
    };
    let value = value.as_str();
    let svc = f.service.as_str();
    let edited = match fx.edit {
        EditKind::ServiceSet => {
            let mut path = vec!["services", svc];
            path.extend(fx.key.split('.'));
            edit::set_key(text, &path, value)?
        }
        EditKind::EnvRemove => edit::remove_env(text, svc, &fx.key)?,
        EditKind::InitdbArg => {
            let set = env
                .and_then(|e| e.get("POSTGRES_INITDB_ARGS"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            // Only the options not given yet: an option already there is the user's choice.
            let name = |w: &str| w.split('=').next().unwrap_or_default().to_string();
            let given: Vec<String> = set.split_whitespace().map(name).collect();
            let missing: Vec<&str> = fx
                .key
                .split_whitespace()
                .filter(|w| !given.contains(&name(w)))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            edit::add_initdb_arg(text, svc, &missing.join(" "), set)?
        }
        EditKind::ConfSet => edit::set_conf(text, &fx.key, value),
        EditKind::HbaMethod => match f.at {
            Where::File(ConfigFile::PgHba, line) => edit::hba_method(text, line, &fx.key, value)?,
            _ => return Err("not a pg_hba.conf line".into()),
        },
    };
    if is_compose(&path, &linted.project.files) {
        serde_yaml_ng::from_str::<Value>(&edited).map_err(|e| {
            format!(
                "the edit would leave {} invalid YAML ({e}); edit it by hand",
                path.display()
            )
        })?;
    }
    change.after = edited;
    Ok(())
}

fn is_compose(path: &Path, files: &[crate::compose::SourceFile]) -> bool {
    files.iter().any(|f| tidy(&f.path) == path)
}

/// Writes every change, after checking that no file changed since it was read: each file
/// is written to a temporary file beside it and renamed over it, so it is never half
/// written.
pub fn apply(changes: &[FileChange]) -> Result<(), String> {
    for c in changes {
        let now = std::fs::read_to_string(&c.path)
            .map_err(|e| format!("{}: {}", c.path.display(), crate::error::io_reason(&e)))?;
        if now != c.before {
            return Err(format!(
                "{} changed since pgtriage read it; nothing was written (run fix again)",
                c.path.display()
            ));
        }
    }
    for c in changes {
        let name = c
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        let tmp = c.path.with_file_name(format!(".{name}.pgtriage-fix"));
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, &c.after)?;
            let perms = std::fs::metadata(&c.path)?.permissions();
            std::fs::set_permissions(&tmp, perms)?;
            std::fs::rename(&tmp, &c.path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!(
                "{}: {}",
                c.path.display(),
                crate::error::io_reason(&e)
            ));
        }
    }
    Ok(())
}
