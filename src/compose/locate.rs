//! Where a key is written in a YAML file's text: the line of `services: db: environment:
//! POSTGRES_PASSWORD`, found by indentation in block-style YAML (what Compose files are
//! written in). Findings point there, and `fix` edits there, so the user's comments,
//! quoting and layout stay as they are.

/// One located key: its line and the lines its value takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// 0-based line of the key (or of the `- NAME=value` item).
    pub line: usize,
    /// The column the key starts at.
    pub indent: usize,
    /// One past the last line of its value (the key line itself for a one-line value).
    pub end: usize,
    /// Whether it is a sequence item (`- NAME=value`), not a `key:`.
    pub item: bool,
}

/// One line's shape: its indentation and the key it starts, if any.
struct Shape<'a> {
    indent: usize,
    key: Option<&'a str>,
    item: bool,
}

fn shape(line: &str) -> Option<Shape<'_>> {
    let content = line.trim_start();
    if content.is_empty() || content.starts_with('#') {
        return None;
    }
    let indent = line.len() - content.len();
    let (item, body) = match content.strip_prefix('-') {
        Some(b) if b.is_empty() || b.starts_with(' ') => (true, b.trim_start()),
        _ => (false, content),
    };
    let body = body.trim_start_matches(['"', '\'']);
    let key = if item {
        body.find(['=', ':']).map(|i| &body[..i])
    } else {
        body.find(':').map(|i| &body[..i])
    };
    let key = key.map(|k| k.trim_end().trim_end_matches(['"', '\'']));
    Some(Shape { indent, key, item })
}

/// One past the last line of the block that starts below `line` (indented deeper, or a
/// sequence at the same indentation).
pub fn block_end(lines: &[&str], line: usize, indent: usize) -> usize {
    let mut end = line + 1;
    for (i, l) in lines.iter().enumerate().skip(line + 1) {
        let Some(s) = shape(l) else {
            continue;
        };
        if s.indent < indent || (s.indent == indent && !s.item) {
            break;
        }
        end = i + 1;
    }
    end
}

/// The key at `path` (mapping keys, or `NAME` of a `- NAME=value` item), if written.
pub fn locate(text: &str, path: &[&str]) -> Option<Span> {
    let lines: Vec<&str> = text.lines().collect();
    let (mut start, mut end) = (0, lines.len());
    let mut found = None;
    for comp in path {
        // The block's children sit at the indentation of its first content line.
        let child = (start..end).find_map(|i| shape(lines[i]).map(|s| s.indent))?;
        let hit = (start..end).find(|&i| {
            shape(lines[i]).is_some_and(|s| s.indent == child && s.key == Some(*comp))
        })?;
        let s = shape(lines[hit])?;
        let block = block_end(&lines, hit, s.indent);
        let block = if s.item { block.min(hit + 1) } else { block };
        found = Some(Span {
            line: hit,
            indent: s.indent,
            end: block,
            item: s.item,
        });
        start = hit + 1;
        end = block;
    }
    found
}

/// The deepest key of `path` that is written: the span of the longest written prefix,
/// with its length.
pub fn locate_nearest(text: &str, path: &[&str]) -> Option<(Span, usize)> {
    (1..=path.len())
        .rev()
        .find_map(|n| locate(text, &path[..n]).map(|s| (s, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "services:\n  # c\n  db:\n    image: postgres\n    environment:\n    - A=1\n    - \"B=2\"\n    healthcheck:\n      test: [\"CMD\"]\n\n      interval: 5s\n  other:\n    environment:\n      B: 3\n";

    #[test]
    fn keys_items_and_blocks() {
        let at = |p: &[&str]| locate(TEXT, p).map(|s| (s.line, s.end));
        assert_eq!(at(&["services", "db", "image"]), Some((3, 4)));
        assert_eq!(at(&["services", "db", "environment", "B"]), Some((6, 7)));
        assert_eq!(at(&["services", "db", "environment"]), Some((4, 7)));
        assert_eq!(at(&["services", "db", "healthcheck"]), Some((7, 11)));
        assert_eq!(
            at(&["services", "other", "environment", "B"]),
            Some((13, 14))
        );
        assert_eq!(at(&["services", "db", "shm_size"]), None);
        assert_eq!(
            locate_nearest(TEXT, &["services", "db", "shm_size"]).map(|(s, n)| (s.line, n)),
            Some((2, 2))
        );
    }
}
