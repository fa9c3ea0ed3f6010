//! Minimal text edits on the user's files: a key's value replaced or a key inserted in a
//! Compose file, a variable removed, an option added to POSTGRES_INITDB_ARGS, a
//! postgresql.conf parameter set, a pg_hba.conf method replaced. Each works on the text
//! as written (found with compose::locate), so comments, order, quoting and indentation
//! of everything else stay as they are; nothing is re-serialised.

use super::flow_style;
use crate::compose::locate::{block_end, locate, locate_nearest, Span};

/// The text's lines and whether it ended with a newline, to put back as found.
struct Lines {
    lines: Vec<String>,
    newline_at_end: bool,
}

impl Lines {
    fn of(text: &str) -> Lines {
        Lines {
            lines: text.lines().map(str::to_string).collect(),
            newline_at_end: text.ends_with('\n') || text.is_empty(),
        }
    }

    fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        if self.newline_at_end {
            s.push('\n');
        }
        s
    }
}

/// A value and the comment after it (`value  # comment`), outside quotes.
fn split_comment(s: &str) -> (&str, &str) {
    let mut quote = None;
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev_space => return (s[..i].trim_end(), &s[i..]),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    (s.trim_end(), "")
}

/// The blanks before a comment after a value of `old` bytes replaced by one of `new`: the
/// comment keeps its column when the value fits, else it gets two.
fn comment_pad(gap: usize, old: usize, new: usize) -> usize {
    gap.checked_sub(new.saturating_sub(old))
        .filter(|p| *p >= 1)
        .unwrap_or(2)
}

/// The indentation one level below `span` in this text: its children's, else two more.
fn child_indent(lines: &[&str], span: &Span) -> usize {
    lines[span.line + 1..span.end]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(span.indent + 2, |l| l.len() - l.trim_start().len())
}

/// `key: value` lines at `indent`; a value of several lines becomes a block below the key.
fn key_lines(indent: usize, key: &str, value: &str) -> Vec<String> {
    let pad = " ".repeat(indent);
    if !value.contains('\n') {
        return vec![format!("{pad}{key}: {value}")];
    }
    let mut out = vec![format!("{pad}{key}:")];
    out.extend(
        value
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("{pad}  {l}")),
    );
    out
}

/// Sets `path` (keys below the top level) to `value`: replaces the value where the key is
/// written, else inserts the missing keys at the end of the deepest one that is.
pub fn set_key(text: &str, path: &[&str], value: &str) -> Result<String, String> {
    let mut buf = Lines::of(text);
    let view: Vec<&str> = text.lines().collect();
    let (span, depth) =
        locate_nearest(text, path).ok_or("the service is not written in this file")?;
    if depth < 2 {
        return Err("the service is not written in this file".into());
    }
    let line = view[span.line];
    let colon = line[span.indent..].find(':').map(|i| span.indent + i);
    let after = colon.map_or("", |c| &line[c + 1..]);
    let (inline, comment) = split_comment(after);
    if depth == path.len() {
        let key = path[depth - 1];
        let mut new = key_lines(span.indent, key, value);
        if !comment.is_empty() && new.len() == 1 {
            let old = inline.trim_start();
            let gap = after.len() - inline.len() - comment.len();
            let pad = comment_pad(gap, old.len(), value.len());
            new[0] = format!("{}{}{comment}", new[0], " ".repeat(pad));
        }
        buf.lines.splice(span.line..span.end, new);
        return Ok(buf.text());
    }
    if !inline.trim().is_empty() {
        let from = colon.map_or(line.len(), |c| c + 1);
        if !flow_style::starts_at(line, from) {
            return Err(format!("{} has a value here", path[depth - 1]));
        }
        buf.lines[span.line] =
            flow_style::set(line, from, &path[depth..], &flow_style::inline(value)?)
                .map_err(|e| format!("{}: {e}", path[depth - 1]))?;
        return Ok(buf.text());
    }
    let indent = child_indent(&view, &span);
    let mut new = Vec::new();
    for (i, key) in path[depth..].iter().enumerate() {
        let pad = indent + 2 * i;
        if depth + i + 1 == path.len() {
            new.extend(key_lines(pad, key, value));
        } else {
            new.push(format!("{}{key}:", " ".repeat(pad)));
        }
    }
    buf.lines.splice(span.end..span.end, new);
    Ok(buf.text())
}

/// Removes the variable `name` from the service's `environment` (and the key itself when
/// nothing is left in it).
pub fn remove_env(text: &str, service: &str, name: &str) -> Result<String, String> {
    let env_path = ["services", service, "environment"];
    let mut buf = Lines::of(text);
    let Some(span) = locate(text, &[&env_path[..], &[name]].concat()) else {
        let gone = flow_environment(text, &env_path)
            .and_then(|(at, from)| Some((at, flow_style::remove(&buf.lines[at], from, name)?)));
        let (at, line) = gone.ok_or_else(|| format!("{name} is not written in this file"))?;
        buf.lines[at] = line;
        return Ok(buf.text());
    };
    buf.lines.drain(span.line..span.end);
    let rest = buf.text();
    if let Some(env) = locate(&rest, &env_path) {
        let view: Vec<&str> = rest.lines().collect();
        let children = block_end(&view, env.line, env.indent) > env.line + 1;
        let (inline, _) = split_comment(view[env.line].split_once(':').map_or("", |(_, v)| v));
        if !children && inline.trim().is_empty() {
            buf.lines.remove(env.line);
        }
    }
    Ok(buf.text())
}

/// Adds `arg` to POSTGRES_INITDB_ARGS, inside its quotes. Where this file does not write
/// the variable, it is added with its `current` value (from another file) and `arg`, since
/// a variable set here replaces the one set there.
pub fn add_initdb_arg(
    text: &str,
    service: &str,
    arg: &str,
    current: &str,
) -> Result<String, String> {
    const VAR: &str = "POSTGRES_INITDB_ARGS";
    let env_path = ["services", service, "environment"];
    if let Some(span) = locate(text, &[&env_path[..], &[VAR]].concat()) {
        if span.end > span.line + 1 {
            return Err(format!(
                "{VAR} is written over several lines; edit it by hand"
            ));
        }
        let mut buf = Lines::of(text);
        let line = &buf.lines[span.line];
        let sep = line[span.indent..]
            .find([':', '='])
            .map_or(line.len(), |i| span.indent + i + 1);
        let (value, comment) = split_comment(&line[sep..]);
        let value_end = sep + value.len();
        let closing = value.trim_end().ends_with(['"', '\'']) && value.trim().len() > 1;
        let at = if closing { value_end - 1 } else { value_end };
        let glue = if line[sep..at].trim_matches(['"', '\'', ' ']).is_empty() {
            ""
        } else {
            " "
        };
        let mut new = format!("{}{glue}{arg}{}", &line[..at], &line[at..value_end]);
        if value.trim().is_empty() {
            new = format!("{} \"{arg}\"", line[..sep].trim_end());
        }
        if !comment.is_empty() {
            new = format!("{new}  {comment}");
        }
        buf.lines[span.line] = new;
        return Ok(buf.text());
    }
    let value = format!("{current} {arg}").trim().to_string();
    if let Some((at, from)) = flow_environment(text, &env_path) {
        let mut buf = Lines::of(text);
        // Written here: its value as edited so far (an earlier option added), and `arg`.
        let value = flow_style::var(&buf.lines[at], from, VAR)
            .map_or(value, |now| format!("{now} {arg}").trim().to_string());
        buf.lines[at] = flow_style::set_var(&buf.lines[at], from, VAR, &value)?;
        return Ok(buf.text());
    }
    let list = locate(text, &env_path).is_some_and(|env| {
        let view: Vec<&str> = text.lines().collect();
        view.get(env.line + 1)
            .is_some_and(|l| l.trim_start().starts_with("- "))
    });
    if list {
        let env = locate(text, &env_path).expect("located above");
        let view: Vec<&str> = text.lines().collect();
        let indent = child_indent(&view, &env);
        let mut buf = Lines::of(text);
        buf.lines
            .insert(env.end, format!("{}- {VAR}={value}", " ".repeat(indent)));
        return Ok(buf.text());
    }
    set_key(
        text,
        &[&env_path[..], &[VAR]].concat(),
        &format!("\"{value}\""),
    )
}

/// The line of a service's `environment` written in flow style, and where its value
/// starts.
fn flow_environment(text: &str, env_path: &[&str]) -> Option<(usize, usize)> {
    let env = locate(text, env_path)?;
    let line = text.lines().nth(env.line)?;
    let from = env.indent + line[env.indent..].find(':')? + 1;
    flow_style::starts_at(line, from).then_some((env.line, from))
}

/// Sets a postgresql.conf parameter where it is last set (keeping its comment), or
/// appends it.
pub fn set_conf(text: &str, name: &str, value: &str) -> String {
    let mut buf = Lines::of(text);
    let hit = buf.lines.iter().rposition(|l| {
        let t = l.trim_start();
        let end = t
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(t.len());
        !t.starts_with('#') && t[..end].eq_ignore_ascii_case(name)
    });
    match hit {
        Some(i) => {
            let line = buf.lines[i].clone();
            let start = line.len() - line.trim_start().len() + name.len();
            let rest = &line[start..];
            let value_at = start + rest.len() - rest.trim_start_matches([' ', '\t', '=']).len();
            let (old, comment) = split_comment(&line[value_at..]);
            let gap = line[value_at + old.len()..].len() - comment.len();
            let pad = comment_pad(gap, old.len(), value.len());
            let tail = if comment.is_empty() {
                String::new()
            } else {
                format!("{}{comment}", " ".repeat(pad))
            };
            buf.lines[i] = format!("{}{value}{tail}", &line[..value_at]);
        }
        None => {
            if !buf.newline_at_end {
                buf.newline_at_end = true;
            }
            buf.lines.push(format!("{name} = {value}"));
        }
    }
    buf.text()
}

/// Replaces the authentication method `from` with `to` in the record that starts on line
/// `line` (1-based): on its last line that names it, the record's lines being those joined
/// by a trailing backslash.
pub fn hba_method(text: &str, line: usize, from: &str, to: &str) -> Result<String, String> {
    let mut buf = Lines::of(text);
    let first = line.wrapping_sub(1);
    buf.lines.get(first).ok_or("the line is gone")?;
    let mut last = first;
    while buf.lines[last].trim_end().ends_with('\\') && last + 1 < buf.lines.len() {
        last += 1;
    }
    let (i, at) = (first..=last)
        .rev()
        .find_map(|i| word_at(&buf.lines[i], from).map(|at| (i, at)))
        .ok_or_else(|| format!("no {from} in the record of line {line}"))?;
    let l = &buf.lines[i];
    buf.lines[i] = format!("{}{to}{}", &l[..at], &l[at + from.len()..]);
    Ok(buf.text())
}

/// Where `word` last stands alone (between blanks) before the line's comment.
fn word_at(line: &str, word: &str) -> Option<usize> {
    let (content, _) = split_comment(line);
    content
        .match_indices(word)
        .filter(|(i, _)| {
            let before = content[..*i].chars().last().is_none_or(char::is_whitespace);
            let after = content[i + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '\\');
            before && after
        })
        .last()
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = "services:\n  db:\n    image: postgres:17  # pinned later\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n      POSTGRES_INITDB_ARGS: \"--auth-host=scram-sha-256\"\n    stop_grace_period: 10s # short\n\n  web:\n    image: nginx\n";

    #[test]
    fn compose_edits_touch_only_their_lines() {
        let t = set_key(COMPOSE, &["services", "db", "stop_grace_period"], "90s").unwrap();
        assert!(t.contains("    stop_grace_period: 90s # short\n"), "{t}");
        let t = set_key(
            COMPOSE,
            &["services", "db", "healthcheck", "test"],
            "[\"CMD\"]",
        )
        .unwrap();
        assert!(
            t.contains("# short\n    healthcheck:\n      test: [\"CMD\"]\n\n  web:"),
            "{t}"
        );
        let t = set_key(
            COMPOSE,
            &["services", "db", "healthcheck"],
            "test: x\ninterval: 5s\n",
        )
        .unwrap();
        assert!(
            t.contains("    healthcheck:\n      test: x\n      interval: 5s\n"),
            "{t}"
        );
        let t = remove_env(COMPOSE, "db", "POSTGRES_HOST_AUTH_METHOD").unwrap();
        assert!(
            !t.contains("trust") && t.contains("    environment:\n      POSTGRES_INITDB_ARGS"),
            "{t}"
        );
        let t = add_initdb_arg(COMPOSE, "db", "--data-checksums", "").unwrap();
        assert!(
            t.contains("POSTGRES_INITDB_ARGS: \"--auth-host=scram-sha-256 --data-checksums\"\n"),
            "{t}"
        );
        let list = "services:\n  db:\n    environment:\n      - A=1\n";
        // Set in another file: written here whole, since this file's value replaces it.
        let t = add_initdb_arg(list, "db", "-k", "--auth-local=md5").unwrap();
        assert!(
            t.ends_with("      - A=1\n      - POSTGRES_INITDB_ARGS=--auth-local=md5 -k\n"),
            "{t}"
        );
    }

    #[test]
    fn config_file_edits_keep_comments() {
        let conf = "# top\nlog_line_prefix = '%u '   # who\nwork_mem = 4MB\n";
        let t = set_conf(conf, "log_line_prefix", "'%m [%p] '");
        assert_eq!(
            t,
            "# top\nlog_line_prefix = '%m [%p] '  # who\nwork_mem = 4MB\n"
        );
        assert!(set_conf(conf, "shared_buffers", "1GB")
            .ends_with("work_mem = 4MB\nshared_buffers = 1GB\n"));
        let hba = "local all all trust\nhost  all all all   trust  # open\n";
        let t = hba_method(hba, 2, "trust", "scram-sha-256").unwrap();
        assert_eq!(
            t,
            "local all all trust\nhost  all all all   scram-sha-256  # open\n"
        );
        let continued = "host all all \\\n    0.0.0.0/0 trust\nlocal all all trust\n";
        let t = hba_method(continued, 1, "trust", "scram-sha-256").unwrap();
        assert_eq!(
            t,
            "host all all \\\n    0.0.0.0/0 scram-sha-256\nlocal all all trust\n"
        );
    }
}
