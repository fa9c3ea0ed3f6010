//! The static half of the configuration checks: a Compose project's PostgreSQL services
//! and the files they mount, checked before anything runs. Each finding is a catalogue
//! entry raised by a check (src/checks/) and points at the file and line that cause it.

use crate::catalogue::Catalogue;
use crate::checks::{container, room, server, CheckFinding, ConfigFile, Where};
use crate::compose::{self, locate, service, Project};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One finding, where it is written.
#[derive(Debug, Clone)]
pub struct LintFinding {
    pub service: String,
    pub check: &'static str,
    /// The catalogue entry the check raises.
    pub pattern: usize,
    pub evidence: String,
    pub at: Where,
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// The value the check computed for the fix, if any.
    pub suggested: Option<String>,
}

impl LintFinding {
    /// `file:line: service: evidence`, as the report's sample shows it.
    pub fn located(&self) -> String {
        format!(
            "{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.service,
            self.evidence
        )
    }
}

/// What lint read and found.
#[derive(Debug)]
pub struct Linted {
    pub project: Project,
    pub findings: Vec<LintFinding>,
    /// The configuration files each service mounts, on the host.
    pub mounted: HashMap<(String, ConfigFile), PathBuf>,
}

/// Lints the project made of `paths` (or the current directory's Compose files), only
/// `only` when given.
pub fn lint(catalogue: &Catalogue, paths: &[String], only: Option<&str>) -> Result<Linted, String> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        compose::default_files(Path::new("."))?
    } else {
        paths.iter().map(PathBuf::from).collect()
    };
    let project = compose::load(&paths)?;
    let mut names = Vec::new();
    for (name, svc) in &project.services {
        let name = name.as_str().ok_or("a service name must be a string")?;
        let svc = svc
            .as_mapping()
            .ok_or_else(|| format!("services.{name} must be a mapping"))?;
        if only.is_none_or(|o| o == name) && service::is_postgres(svc) {
            names.push((name.to_string(), svc.clone()));
        }
    }
    if let Some(o) = only.filter(|o| !names.iter().any(|(n, _)| n == o)) {
        return Err(match project.services.contains_key(o) {
            true => format!("service {o} does not run PostgreSQL (its image is not postgres, postgis, timescaledb or pgvector, and it sets no POSTGRES_* variable of the official image)"),
            false => format!("no service {o} in the Compose files"),
        });
    }
    if names.is_empty() {
        return Err("no service runs PostgreSQL (an image postgres, postgis, timescaledb or pgvector, or POSTGRES_PASSWORD* / POSTGRES_HOST_AUTH_METHOD / POSTGRES_INITDB_ARGS in its environment)".into());
    }
    let mut findings = Vec::new();
    let mut mounted = HashMap::new();
    for (name, svc) in &names {
        let spec =
            service::container_spec(svc, &project).map_err(|e| format!("services.{name}: {e}"))?;
        let (config, files) = service::server_config(svc, &spec, &project)
            .map_err(|e| format!("services.{name}: {e}"))?;
        let raised = container::checks(&spec)
            .into_iter()
            .chain(server::checks(&config))
            .chain(room::checks(&config));
        for c in raised {
            findings.push(place(catalogue, &project, name, &files, c)?);
        }
        for (role, path) in files {
            mounted.insert((name.clone(), role), path);
        }
    }
    Ok(Linted {
        project,
        findings,
        mounted,
    })
}

/// The finding with its entry and the file and line that cause it.
fn place(
    catalogue: &Catalogue,
    project: &Project,
    service: &str,
    files: &HashMap<ConfigFile, PathBuf>,
    c: CheckFinding,
) -> Result<LintFinding, String> {
    let pattern = catalogue
        .by_check(c.check)
        .ok_or_else(|| format!("internal: the catalogue has no entry for check {}", c.check))?;
    let (file, line) = match &c.at {
        Where::File(role, line) => (files.get(role).cloned().unwrap_or_default(), *line),
        Where::Key(path) => key_line(project, service, path),
    };
    Ok(LintFinding {
        service: service.to_string(),
        check: c.check,
        pattern,
        evidence: c.evidence,
        at: c.at,
        file: tidy(&file),
        line,
        suggested: c.suggested,
    })
}

/// The last file (overrides win) that writes the deepest part of `services.NAME.path`.
pub fn key_line(project: &Project, service: &str, path: &[String]) -> (PathBuf, usize) {
    let mut full = vec!["services", service];
    full.extend(path.iter().map(String::as_str));
    let mut best: Option<(usize, &compose::SourceFile, usize)> = None;
    for f in project.files.iter().rev() {
        if let Some((span, depth)) = locate::locate_nearest(&f.text, &full) {
            if best.is_none_or(|(d, _, _)| depth > d) {
                best = Some((depth, f, span.line + 1));
            }
        }
    }
    match best {
        Some((_, f, line)) => (f.path.clone(), line),
        None => (project.files[0].path.clone(), 1),
    }
}

/// The path without `.` components (`dir/./pg_hba.conf` → `dir/pg_hba.conf`).
pub fn tidy(p: &Path) -> PathBuf {
    let mut out: PathBuf = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        out = p.to_path_buf();
    }
    out
}
