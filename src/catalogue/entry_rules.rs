//! What every catalogue entry must satisfy before the catalogue loads: a well-formed id
//! in the file its first word names, the texts people read, and something to match.

use super::Pattern;

/// What every entry must have: a well-formed id in the file its first word names, the
/// texts people read, references, and a template or a container check.
pub(super) fn check_entry(p: &Pattern) -> Result<(), String> {
    if !valid_id(&p.id) {
        return Err("id must be dotted lowercase words, e.g. auth.trust-local".into());
    }
    if p.id.split('.').next() != Some(p.category.as_str()) {
        return Err(format!(
            "is in patterns/{}.toml; an id's first word names its file",
            p.category
        ));
    }
    for (what, text) in [
        ("title", &p.title),
        ("explain", &p.explain),
        ("remediation.dev", &p.remediation.dev),
        ("remediation.prod", &p.remediation.prod),
    ] {
        if text.trim().is_empty() {
            return Err(format!("{what} is empty"));
        }
    }
    if p.references.is_empty() {
        return Err("has no references".into());
    }
    if p.template.is_empty() && p.checks.is_empty() && p.catch_all.is_empty() {
        return Err("has neither a template, a check nor catch_all levels".into());
    }
    super::fix::validate(&p.fix, !p.checks.is_empty())?;
    Ok(())
}

/// `patterns/lock.toml` → `lock`.
pub(super) fn category_of(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name)
}

fn valid_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
