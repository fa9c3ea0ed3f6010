//! Edits inside a one-line flow collection (`environment: {POSTGRES_PASSWORD: x}`,
//! `environment: [A=1, B=2]`, `healthcheck: {test: [...], interval: 5s}`): the entries
//! are found in the text and only the one edited is rewritten; the other entries, the
//! spacing inside the brackets and the comment after them stay as written. A flow
//! collection over several lines is left to the user.

/// A flow collection on one line: where its brackets are and its entries' text ranges.
struct Collection {
    open: usize,
    close: usize,
    mapping: bool,
    entries: Vec<(usize, usize)>,
}

/// The flow collection that starts at the first non-blank after `from`, closed on the
/// same line; `None` when there is none.
fn parse(line: &str, from: usize) -> Option<Collection> {
    let rest = &line[from..];
    let open = from + rest.len() - rest.trim_start().len();
    let mapping = match line[open..].chars().next()? {
        '{' => true,
        '[' => false,
        _ => return None,
    };
    let (mut depth, mut quote, mut start) = (0usize, None, open + 1);
    let mut entries = Vec::new();
    for (i, c) in line[open..].char_indices().map(|(i, c)| (open + i, c)) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') | (None, ',') if depth == 1 => {
                let text = line[start..i].trim();
                if !text.is_empty() {
                    let lead = line[start..i].len() - line[start..i].trim_start().len();
                    entries.push((start + lead, start + lead + text.len()));
                }
                start = i + 1;
                if c != ',' {
                    return Some(Collection {
                        open,
                        close: i,
                        mapping,
                        entries,
                    });
                }
            }
            (None, '}' | ']') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// An entry's key: before `:` in a mapping, before `=` in a sequence (`NAME=value`).
fn key_of(entry: &str, mapping: bool) -> &str {
    let sep = if mapping { ':' } else { '=' };
    entry
        .split(sep)
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(['"', '\''])
}

/// Where the value of a mapping entry starts.
fn value_at(line: &str, entry: (usize, usize)) -> usize {
    let colon = line[entry.0..entry.1]
        .find(':')
        .map_or(entry.1, |i| entry.0 + i + 1);
    colon + line[colon..entry.1].len() - line[colon..entry.1].trim_start().len()
}

/// The line with the collection's entries replaced by `entries`, keeping the spacing
/// inside the brackets.
fn rebuild(line: &str, c: &Collection, entries: &[String]) -> String {
    let inner = &line[c.open + 1..c.close];
    let pad = if inner.starts_with(' ') { " " } else { "" };
    let body = entries.join(", ");
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{pad}{body}{pad}")
    };
    format!("{}{body}{}", &line[..=c.open], &line[c.close..])
}

fn texts(line: &str, c: &Collection) -> Vec<String> {
    c.entries
        .iter()
        .map(|&(s, e)| line[s..e].to_string())
        .collect()
}

/// A value for a flow context: one-line YAML as written; a block (several lines) as the
/// JSON it means, which is flow YAML.
pub fn inline(value: &str) -> Result<String, String> {
    if !value.trim().contains('\n') {
        return Ok(value.trim().to_string());
    }
    let v: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(value).map_err(|e| format!("internal: a fix value: {e}"))?;
    serde_json::to_string(&v).map_err(|e| format!("internal: a fix value: {e}"))
}

/// Sets `path` inside the flow mapping at `from` on `line` to `value` (one-line YAML).
pub fn set(line: &str, from: usize, path: &[&str], value: &str) -> Result<String, String> {
    let c = parse(line, from).filter(|c| c.mapping).ok_or(MULTI_LINE)?;
    let (first, rest) = path.split_first().ok_or("internal: an empty key path")?;
    let mut entries = texts(line, &c);
    let hit = c
        .entries
        .iter()
        .position(|&(s, e)| key_of(&line[s..e], true) == *first);
    match (hit, rest.is_empty()) {
        (Some(i), true) => {
            let at = value_at(line, c.entries[i]);
            entries[i] = format!("{}{value}", &line[c.entries[i].0..at]);
        }
        (Some(i), false) => {
            let (s, e) = c.entries[i];
            let at = value_at(line, c.entries[i]);
            let inner = set(&line[..e], at, rest, value)?;
            entries[i] = inner[s..].to_string();
        }
        (None, _) => {
            let nested = rest
                .iter()
                .rev()
                .fold(value.to_string(), |v, k| format!("{{{k}: {v}}}"));
            entries.push(format!("{first}: {nested}"));
        }
    }
    Ok(rebuild(line, &c, &entries))
}

/// Removes the entry `name` (a mapping key, or a sequence's `NAME=value` item) from the
/// flow collection at `from`; `None` when it is not there.
pub fn remove(line: &str, from: usize, name: &str) -> Option<String> {
    let c = parse(line, from)?;
    let keep: Vec<String> = c
        .entries
        .iter()
        .filter(|&&(s, e)| key_of(&line[s..e], c.mapping) != name)
        .map(|&(s, e)| line[s..e].to_string())
        .collect();
    (keep.len() < c.entries.len()).then(|| rebuild(line, &c, &keep))
}

/// Sets the variable `name` to `value` in the flow `environment` at `from` (a mapping's
/// `NAME: "value"`, a sequence's `"NAME=value"`), replacing its entry or adding one.
pub fn set_var(line: &str, from: usize, name: &str, value: &str) -> Result<String, String> {
    let c = parse(line, from).ok_or(MULTI_LINE)?;
    let entry = if c.mapping {
        format!("{name}: {}", quoted(value))
    } else {
        quoted(&format!("{name}={value}"))
    };
    let mut entries = texts(line, &c);
    match c
        .entries
        .iter()
        .position(|&(s, e)| key_of(&line[s..e], c.mapping) == name)
    {
        Some(i) => entries[i] = entry,
        None => entries.push(entry),
    }
    Ok(rebuild(line, &c, &entries))
}

/// The value of the variable `name` in the flow `environment` at `from`, unquoted.
pub fn var(line: &str, from: usize, name: &str) -> Option<String> {
    let c = parse(line, from)?;
    let &(s, e) = c
        .entries
        .iter()
        .find(|&&(s, e)| key_of(&line[s..e], c.mapping) == name)?;
    let value = if c.mapping {
        &line[value_at(line, (s, e))..e]
    } else {
        let item = unquote(&line[s..e]);
        return item.split_once('=').map(|(_, v)| v.to_string());
    };
    Some(unquote(value))
}

/// A scalar without its quotes (`''` and `\"` read back).
fn unquote(s: &str) -> String {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return inner.replace("\\\"", "\"").replace("\\\\", "\\");
    }
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return inner.replace("''", "'");
    }
    s.to_string()
}

/// A double-quoted YAML scalar.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether the value after `from` is a flow collection.
pub fn starts_at(line: &str, from: usize) -> bool {
    line[from..].trim_start().starts_with(['{', '['])
}

const MULTI_LINE: &str = "it is written in flow style over several lines; edit it by hand";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_entries_are_edited_one_by_one() {
        let l = "    environment: {POSTGRES_PASSWORD: x, POSTGRES_HOST_AUTH_METHOD: trust}  # dev";
        let from = l.find(':').unwrap() + 1;
        assert_eq!(
            remove(l, from, "POSTGRES_HOST_AUTH_METHOD").unwrap(),
            "    environment: {POSTGRES_PASSWORD: x}  # dev"
        );
        assert_eq!(remove(l, from, "PGDATA"), None);
        assert_eq!(var(l, from, "POSTGRES_PASSWORD").as_deref(), Some("x"));
        assert_eq!(
            set_var(l, from, "POSTGRES_INITDB_ARGS", "-k").unwrap(),
            "    environment: {POSTGRES_PASSWORD: x, POSTGRES_HOST_AUTH_METHOD: trust, POSTGRES_INITDB_ARGS: \"-k\"}  # dev"
        );
        let seq = "    environment: [ A=1, \"B=2, 3\" ]";
        let from = seq.find(':').unwrap() + 1;
        assert_eq!(
            remove(seq, from, "A").unwrap(),
            "    environment: [ \"B=2, 3\" ]"
        );
        assert_eq!(var(seq, from, "B").as_deref(), Some("2, 3"));
        assert_eq!(
            set_var(seq, from, "B", "4").unwrap(),
            "    environment: [ A=1, \"B=4\" ]"
        );
        let hc = "    healthcheck: {test: [CMD, pg_isready], interval: 5s}";
        let from = hc.find(':').unwrap() + 1;
        assert_eq!(
            set(hc, from, &["test"], "[\"CMD-SHELL\", \"pg_isready -U x\"]").unwrap(),
            "    healthcheck: {test: [\"CMD-SHELL\", \"pg_isready -U x\"], interval: 5s}"
        );
        let svc = "  db: {image: postgres, healthcheck: {interval: 5s}}";
        let from = svc.find(':').unwrap() + 1;
        assert_eq!(
            set(svc, from, &["healthcheck", "test"], "[CMD]").unwrap(),
            "  db: {image: postgres, healthcheck: {interval: 5s, test: [CMD]}}"
        );
        assert_eq!(
            set(svc, from, &["shm_size"], "256mb").unwrap(),
            "  db: {image: postgres, healthcheck: {interval: 5s}, shm_size: 256mb}"
        );
        assert!(set("    environment: {A: 1,", 16, &["B"], "2").is_err());
        assert_eq!(
            inline("test: x\ninterval: 5s\n").unwrap(),
            "{\"test\":\"x\",\"interval\":\"5s\"}"
        );
    }
}
