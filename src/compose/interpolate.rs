//! Compose's variable substitution, applied to every string value after YAML parsing, as
//! Compose does: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
//! `${VAR?error}`, `${VAR:+other}`, `${VAR+other}`, and `$$` for a literal `$`. Values
//! come from the process environment first, then from the project's `.env`.

use std::collections::HashMap;

/// Where variables come from.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub from_env_file: HashMap<String, String>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.from_env_file.get(name).cloned())
    }
}

/// Reads a `.env`-style file: `NAME=value` lines, `#` comments, an optional `export `, and
/// values in single quotes (literal) or double quotes.
pub fn parse_env_file(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let Some((name, value)) = t.split_once('=') else {
            continue;
        };
        let v = value.trim();
        let v = match (v.chars().next(), v.chars().last()) {
            (Some(q @ ('\'' | '"')), Some(e)) if q == e && v.len() >= 2 => &v[1..v.len() - 1],
            _ => v.split(" #").next().unwrap_or(v).trim_end(),
        };
        out.insert(name.trim().to_string(), v.to_string());
    }
    out
}

/// The text with its variables substituted; an error names a required variable that is
/// missing, or a `${` that is never closed.
pub fn interpolate(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = closing_brace(r).ok_or_else(|| {
                format!("invalid interpolation format in {text:?}: no closing }}")
            })?;
            out.push_str(&braced(&r[..end], vars)?);
            rest = &r[end + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if n == 0 {
                out.push('$');
            } else {
                out.push_str(&vars.get(&after[..n]).unwrap_or_default());
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing a `${`, counting nested `${...}` in defaults.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The value of `NAME`, `NAME:-default`, `NAME?error` and the like.
fn braced(inner: &str, vars: &Vars) -> Result<String, String> {
    let n = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(n);
    if name.is_empty() {
        return Err(format!("invalid interpolation format: ${{{inner}}}"));
    }
    let value = vars.get(name);
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    // With a colon an empty value counts as unset.
    let set = value.as_deref().is_some_and(|v| !colon || !v.is_empty());
    let mut chars = op.chars();
    let arg = || interpolate(&op[1..], vars);
    match chars.next() {
        None if !colon => Ok(value.unwrap_or_default()),
        Some('-') => match set {
            true => Ok(value.unwrap_or_default()),
            false => arg(),
        },
        Some('+') => match set {
            true => arg(),
            false => Ok(String::new()),
        },
        Some('?') => match set {
            true => Ok(value.unwrap_or_default()),
            false => Err(format!(
                "required variable {name} is missing a value: {}",
                arg()?
            )),
        },
        _ => Err(format!("invalid interpolation format: ${{{inner}}}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_compose_knows() {
        let vars = Vars {
            from_env_file: HashMap::from([
                ("PGTRIAGE_T_SET".into(), "v".into()),
                ("PGTRIAGE_T_EMPTY".into(), String::new()),
            ]),
        };
        let i = |s: &str| interpolate(s, &vars);
        assert_eq!(i("a $PGTRIAGE_T_SET ${PGTRIAGE_T_SET}").unwrap(), "a v v");
        assert_eq!(
            i("${PGTRIAGE_T_EMPTY:-d}|${PGTRIAGE_T_EMPTY-d}").unwrap(),
            "d|"
        );
        assert_eq!(
            i("${PGTRIAGE_T_UNSET-d}|${PGTRIAGE_T_UNSET:-${PGTRIAGE_T_SET}}").unwrap(),
            "d|v"
        );
        assert_eq!(i("${PGTRIAGE_T_SET:+x}${PGTRIAGE_T_UNSET+x}").unwrap(), "x");
        assert_eq!(
            i("$${POSTGRES_USER:-postgres} $$1").unwrap(),
            "${POSTGRES_USER:-postgres} $1"
        );
        assert!(i("${PGTRIAGE_T_EMPTY:?needed}")
            .unwrap_err()
            .contains("needed"));
        assert_eq!(i("${PGTRIAGE_T_EMPTY?needed}").unwrap(), "");
        assert!(i("${PGTRIAGE_T_SET").is_err());
        assert_eq!(
            parse_env_file("# c\nexport A='x y'\nB=\"q\"\nC=plain # note\n")["C"],
            "plain"
        );
    }
}
