//! A Compose file's top-level `include:` (Compose 2.20+): other Compose projects whose
//! services join this one. Each is read as its own project (its own directory, its own
//! `.env`), its services' relative host paths made absolute from that directory, as
//! Compose resolves them, and a service both define is an error, as in Compose.

use serde_yaml_ng::{Mapping, Value};
use std::path::{Path, PathBuf};

/// One `include:` entry: its files, and the directory their relative paths start from.
pub struct Included {
    pub paths: Vec<PathBuf>,
    pub dir: PathBuf,
}

/// The entries of `include:` in a file of directory `dir`: `- path`, or `- path: [...]`
/// with an optional `project_directory`.
pub fn entries(include: &Value, dir: &Path) -> Result<Vec<Included>, String> {
    let items = include
        .as_sequence()
        .ok_or("include must be a list of paths or mappings")?;
    items
        .iter()
        .map(|item| {
            let (paths, project_dir) = match item {
                Value::String(p) => (vec![p.clone()], None),
                Value::Mapping(m) => {
                    let paths = match m.get("path") {
                        Some(Value::String(p)) => vec![p.clone()],
                        Some(Value::Sequence(ps)) => ps
                            .iter()
                            .map(|p| p.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or("include: each path must be a string")?,
                        _ => return Err("include: an entry needs a path".to_string()),
                    };
                    let pd = m.get("project_directory").and_then(Value::as_str);
                    (paths, pd.map(|d| dir.join(d)))
                }
                _ => return Err("include: an entry must be a path or a mapping".into()),
            };
            let paths: Vec<PathBuf> = paths.iter().map(|p| dir.join(p)).collect();
            let dir = project_dir.unwrap_or_else(|| {
                paths[0]
                    .parent()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf)
            });
            Ok(Included { paths, dir })
        })
        .collect()
}

/// Makes a service's relative host paths (bind mount sources, `env_file`) absolute from
/// `dir`, its project's directory.
pub fn rebase(svc: &mut Mapping, dir: &Path) {
    let abs = |p: &str| match p.starts_with('.') {
        true => dir.join(p).display().to_string(),
        false => p.to_string(),
    };
    if let Some(Value::Sequence(vols)) = svc.get_mut("volumes") {
        for v in vols {
            match v {
                Value::String(s) if s.starts_with('.') => {
                    *s = match s.split_once(':') {
                        Some((source, rest)) => format!("{}:{rest}", abs(source)),
                        None => abs(s),
                    };
                }
                Value::Mapping(m) => {
                    if let Some(Value::String(source)) = m.get_mut("source") {
                        *source = abs(source);
                    }
                }
                _ => {}
            }
        }
    }
    match svc.get_mut("env_file") {
        Some(Value::String(s)) => *s = abs(s),
        Some(Value::Sequence(items)) => {
            for i in items {
                match i {
                    Value::String(s) => *s = abs(s),
                    Value::Mapping(m) => {
                        if let Some(Value::String(p)) = m.get_mut("path") {
                            *p = abs(p);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_rebased_paths() {
        let inc: Value = serde_yaml_ng::from_str(
            "- db/compose.yaml\n- path: [a/x.yaml, a/y.yaml]\n  project_directory: b\n",
        )
        .unwrap();
        let got = entries(&inc, Path::new("/p")).unwrap();
        assert_eq!(got[0].paths, [PathBuf::from("/p/db/compose.yaml")]);
        assert_eq!(got[0].dir, PathBuf::from("/p/db"));
        assert_eq!(got[1].paths.len(), 2);
        assert_eq!(got[1].dir, PathBuf::from("/p/b"));
        let mut svc: Mapping = serde_yaml_ng::from_str(
            "volumes: ['./pg_hba.conf:/etc/pg_hba.conf:ro', 'data:/var/lib/postgresql/data', {type: bind, source: ./c, target: /c}]\nenv_file: .env.db\n",
        )
        .unwrap();
        rebase(&mut svc, Path::new("/p/db"));
        let want: Mapping = serde_yaml_ng::from_str(
            "volumes: ['/p/db/./pg_hba.conf:/etc/pg_hba.conf:ro', 'data:/var/lib/postgresql/data', {type: bind, source: /p/db/./c, target: /c}]\nenv_file: /p/db/.env.db\n",
        )
        .unwrap();
        assert_eq!(svc, want);
        assert!(entries(&Value::from("x"), Path::new("/p")).is_err());
    }
}
