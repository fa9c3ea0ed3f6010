//! The Compose model `lint` and `fix` read: the files `docker compose` would read,
//! parsed as YAML, variables substituted, `extends` resolved and `-f` files merged, with
//! each file's text kept so that findings and edits point at the user's own lines
//! (docs/adr/0014-compose-lint-and-fix.md).

pub mod include;
pub mod interpolate;
pub mod locate;
pub mod merge;
pub mod service;
pub mod units;
pub mod volume;

use interpolate::{interpolate, Vars};
use serde_yaml_ng::{Mapping, Value};
use std::path::{Path, PathBuf};

/// The names `docker compose` looks for, in its order of preference.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A file read, with its text as written.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// The merged Compose project.
#[derive(Debug)]
pub struct Project {
    /// The project directory: the first file's; relative paths resolve from it.
    pub dir: PathBuf,
    /// Every file read, in the order read: a file `extends` names comes right after the
    /// file naming it.
    pub files: Vec<SourceFile>,
    /// Services by name, merged and interpolated.
    pub services: Mapping,
    /// Top-level named volumes, merged and interpolated.
    pub volumes: Mapping,
    pub vars: Vars,
}

/// The Compose file of `dir` and its override file, as `docker compose` finds them.
pub fn default_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let Some(base) = DEFAULT_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
    else {
        return Err(format!(
            "no Compose file in {} ({}): name one",
            dir.display(),
            DEFAULT_FILES.join(", ")
        ));
    };
    let mut files = vec![base.clone()];
    let stem = base
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if let Some(over) = ["yaml", "yml"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.override.{ext}")))
        .find(|p| p.is_file())
    {
        files.push(over);
    }
    Ok(files)
}

/// `include:` nested deeper than this is taken for a loop.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Reads and merges the files, in order.
pub fn load(paths: &[PathBuf]) -> Result<Project, String> {
    let first = paths.first().ok_or("no Compose file given")?;
    let dir = first
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    load_in(paths, dir, 0)
}

/// Reads and merges the files of a project whose directory is `dir`, `depth` includes
/// below the first.
fn load_in(paths: &[PathBuf], dir: PathBuf, depth: usize) -> Result<Project, String> {
    let first = paths.first().ok_or("no Compose file given")?;
    let env_file = dir.join(".env");
    let vars = Vars {
        from_env_file: match std::fs::read_to_string(&env_file) {
            Ok(t) => interpolate::parse_env_file(&t),
            Err(_) => Default::default(),
        },
    };
    let mut project = Project {
        dir,
        files: Vec::new(),
        services: Mapping::new(),
        volumes: Mapping::new(),
        vars,
    };
    let mut merged = Mapping::new();
    for path in paths {
        let doc = project.read(path, depth)?;
        merge::merge_file(&mut merged, doc);
    }
    project.services = match merged.remove("services") {
        Some(Value::Mapping(m)) => m,
        None => Mapping::new(),
        Some(_) => return Err(format!("{}: services must be a mapping", first.display())),
    };
    project.volumes = match merged.remove("volumes") {
        Some(Value::Mapping(m)) => m,
        None | Some(Value::Null) => Mapping::new(),
        Some(_) => return Err(format!("{}: volumes must be a mapping", first.display())),
    };
    Ok(project)
}

impl Project {
    /// One file: parsed, checked, interpolated, its services' `extends` resolved, the
    /// projects it includes joined in.
    fn read(&mut self, path: &Path, depth: usize) -> Result<Mapping, String> {
        let mut doc = self.parse(path)?;
        if let Some(include) = doc.remove("include") {
            self.include(path, &mut doc, &include, depth)?;
        }
        if let Some(services) = doc.get_mut("services") {
            let Value::Mapping(services) = services else {
                return Err(format!("{}: services must be a mapping", path.display()));
            };
            let names: Vec<Value> = services.keys().cloned().collect();
            for name in names {
                let svc = self.service(path, &doc_services(services, &name), &name, 0)?;
                services.insert(name, Value::Mapping(svc));
            }
        }
        Ok(doc)
    }

    /// The projects `include` names, read each in its own directory, joined into `doc`.
    fn include(
        &mut self,
        path: &Path,
        doc: &mut Mapping,
        include: &Value,
        depth: usize,
    ) -> Result<(), String> {
        let shown = path.display();
        if depth >= MAX_INCLUDE_DEPTH {
            return Err(format!("{shown}: include loops"));
        }
        let here = path.parent().unwrap_or(Path::new("."));
        for inc in include::entries(include, here).map_err(|e| format!("{shown}: {e}"))? {
            let sub = load_in(&inc.paths, inc.dir.clone(), depth + 1)?;
            let services = doc
                .entry(Value::from("services"))
                .or_insert_with(|| Value::Mapping(Mapping::new()))
                .as_mapping_mut()
                .ok_or_else(|| format!("{shown}: services must be a mapping"))?;
            for (name, mut svc) in sub.services {
                if services.contains_key(&name) {
                    return Err(format!(
                        "{shown}: service {} is defined here and in an included file",
                        name.as_str().unwrap_or("?")
                    ));
                }
                if let Value::Mapping(m) = &mut svc {
                    include::rebase(m, &inc.dir);
                }
                services.insert(name, svc);
            }
            let mut volumes = Mapping::new();
            volumes.insert("volumes".into(), Value::Mapping(sub.volumes));
            merge::merge_file(doc, volumes);
            for f in sub.files {
                if !self.files.iter().any(|g| g.path == f.path) {
                    self.files.push(f);
                }
            }
        }
        Ok(())
    }

    /// A file's top-level mapping, interpolated; its text is kept in `files`.
    fn parse(&mut self, path: &Path) -> Result<Mapping, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: {}", crate::error::io_reason(&e)))?;
        let mut value: Value =
            serde_yaml_ng::from_str(&text).map_err(|e| format!("{shown}: not valid YAML: {e}"))?;
        value.apply_merge().map_err(|e| format!("{shown}: {e}"))?;
        interpolate_all(&mut value, &self.vars).map_err(|e| format!("{shown}: {e}"))?;
        if !self.files.iter().any(|f| f.path == path) {
            self.files.push(SourceFile {
                path: path.to_path_buf(),
                text,
            });
        }
        match value {
            Value::Mapping(m) => Ok(m),
            Value::Null => Ok(Mapping::new()),
            _ => Err(format!(
                "{shown}: not a Compose file (the top level is not a mapping)"
            )),
        }
    }

    /// A service of `file`, normalised, with its `extends` chain merged under it.
    fn service(
        &mut self,
        file: &Path,
        svc: &Value,
        name: &Value,
        depth: usize,
    ) -> Result<Mapping, String> {
        let at = || {
            format!(
                "{}: services.{}",
                file.display(),
                name.as_str().unwrap_or("?")
            )
        };
        let Value::Mapping(svc) = svc else {
            return Err(format!("{}: a service must be a mapping", at()));
        };
        let mut svc = svc.clone();
        service::normalise(&mut svc).map_err(|e| format!("{}.{e}", at()))?;
        let Some(ext) = svc.remove("extends") else {
            return Ok(svc);
        };
        if depth > 8 {
            return Err(format!("{}: extends loops", at()));
        }
        let (base_name, base_file) = match &ext {
            Value::String(s) => (s.clone(), None),
            Value::Mapping(m) => (
                m.get("service")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{}.extends: no service", at()))?
                    .to_string(),
                m.get("file").and_then(Value::as_str).map(str::to_string),
            ),
            _ => {
                return Err(format!(
                    "{}.extends must be a service name or a mapping",
                    at()
                ))
            }
        };
        let base_path = match base_file {
            Some(f) => file.parent().unwrap_or(Path::new(".")).join(f),
            None => file.to_path_buf(),
        };
        let base_doc = self.parse(&base_path)?;
        let base_key = Value::String(base_name.clone());
        let base = base_doc
            .get("services")
            .and_then(|s| s.get(&base_key))
            .ok_or_else(|| {
                format!(
                    "{}.extends: no service {base_name} in {}",
                    at(),
                    base_path.display()
                )
            })?
            .clone();
        let mut merged = self.service(&base_path, &base, &base_key, depth + 1)?;
        merge::merge_service(&mut merged, svc);
        Ok(merged)
    }
}

fn doc_services(services: &Mapping, name: &Value) -> Value {
    services.get(name).cloned().unwrap_or(Value::Null)
}

/// Substitutes variables in every string value (not in keys), as Compose does.
fn interpolate_all(v: &mut Value, vars: &Vars) -> Result<(), String> {
    match v {
        Value::String(s) => *s = interpolate(s, vars)?,
        Value::Sequence(items) => {
            for i in items {
                interpolate_all(i, vars)?;
            }
        }
        Value::Mapping(m) => {
            for (_, v) in m.iter_mut() {
                interpolate_all(v, vars)?;
            }
        }
        Value::Tagged(t) => interpolate_all(&mut t.value, vars)?,
        _ => {}
    }
    Ok(())
}
