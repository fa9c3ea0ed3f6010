//! Text for a person at a terminal: how wide to write, whether in colour, and words fitted
//! to both. Widths are counted in characters of the visible text, escapes excluded, so
//! that a coloured line and a plain one break at the same places. The report (table.rs),
//! tail's live lines and `explain` all write through here.

use crate::severity::Severity;
use std::borrow::Cow;
use std::io::IsTerminal;

/// The width used when stdout is not a terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;
/// Below this the layouts cannot keep ids and timestamps whole.
const MIN_WIDTH: usize = 40;

/// `--color`: whether escapes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

/// How a terminal rendering looks: its width, colour, and whether rows below the
/// threshold are listed (`--all`) or summed up in one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub width: usize,
    pub color: bool,
    pub all: bool,
    /// The option that sets `all`, which the summing-up line names (`--all` for
    /// analyze; tail's `--all` picks containers).
    pub all_flag: &'static str,
}

impl Look {
    /// For stdout: its width when it is a terminal, else `COLUMNS`, else 100; colour as
    /// `choice` says of it.
    pub fn stdout(choice: ColorChoice) -> Look {
        let tty = std::io::stdout().is_terminal();
        // comfy-table (already a dependency) asks the terminal through crossterm, and only
        // when stdout is one: no new crate and no unsafe ioctl of our own.
        let terminal = comfy_table::Table::new().width().map(usize::from);
        let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
        Look {
            width: pick_width(tty.then_some(terminal).flatten(), columns),
            color: choice.enabled(tty),
            ..Look::default()
        }
    }

    /// Lists every row when `all`, which option `flag` sets.
    pub fn listing_all(self, all: bool, flag: &'static str) -> Look {
        Look {
            all,
            all_flag: flag,
            ..self
        }
    }
}

/// No terminal: 100 columns, no colour; for renderings that are not the table.
impl Default for Look {
    fn default() -> Look {
        Look {
            width: DEFAULT_WIDTH,
            color: false,
            all: false,
            all_flag: "--all",
        }
    }
}

fn pick_width(terminal: Option<usize>, columns: Option<usize>) -> usize {
    terminal
        .or(columns)
        .filter(|w| *w > 0)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

impl ColorChoice {
    /// `auto` colours a terminal unless NO_COLOR is set to something (no-color.org);
    /// the explicit choices win over both.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// What a piece of text means, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Plain,
    /// Critical and error.
    Bad,
    Warning,
    /// Informational, and notes that qualify a line.
    Dim,
    /// Catalogue ids and headings.
    Bold,
    /// Code spans and blocks in advice.
    Code,
}

impl Paint {
    pub fn of(s: Severity) -> Paint {
        match s {
            Severity::Critical | Severity::Error => Paint::Bad,
            Severity::Warning => Paint::Warning,
            Severity::Info => Paint::Dim,
        }
    }

    fn escape(self) -> &'static str {
        match self {
            Paint::Plain => "",
            Paint::Bad => "\x1b[31m",
            Paint::Warning => "\x1b[33m",
            Paint::Dim => "\x1b[2m",
            Paint::Bold => "\x1b[1m",
            Paint::Code => "\x1b[36m",
        }
    }
}

/// `text` in `paint`'s colour when `color`, else as it is.
pub fn paint(color: bool, p: Paint, text: &str) -> String {
    if !color || p == Paint::Plain || text.is_empty() {
        return text.to_string();
    }
    format!("{}{text}\x1b[0m", p.escape())
}

/// The width of `s` on screen: one column a character.
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` in at most `max` columns: shortened with `…` when longer. Control characters are
/// dropped: log text must not move the cursor or change colours.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    let s = clean(s);
    if width(&s) <= max {
        s
    } else if max == 0 {
        Cow::Borrowed("")
    } else {
        Cow::Owned(super::text::truncate(&s, max - 1).into_owned())
    }
}

/// `s` without control characters (an escape in a log line is text, not a command).
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(s.chars().filter(|c| !c.is_control()).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` padded with spaces to `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// One paragraph filled into lines of at most `width` columns, the first starting with
/// `first`, the others with `rest` (a hanging indent). Words break only at spaces; a word
/// longer than a whole line is cut. Markdown code spans are highlighted (their backticks
/// dropped) in colour and kept with their backticks without.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str, color: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<(char, Paint)> = Vec::new();
    let mut prefix = first;
    let mut in_code = false;
    for word in text.split_whitespace() {
        // The space before a word is inside a code span when the word starts in one.
        let space = if in_code { Paint::Code } else { Paint::Plain };
        let mut chars = Vec::new();
        for c in word.chars().filter(|c| !c.is_control()) {
            if c == '`' {
                in_code = !in_code;
                if color {
                    continue;
                }
            }
            chars.push((
                c,
                if in_code || c == '`' {
                    Paint::Code
                } else {
                    Paint::Plain
                },
            ));
        }
        let room = width.saturating_sub(self::width(prefix)).max(1);
        let needed = if line.is_empty() {
            chars.len()
        } else {
            line.len() + 1 + chars.len()
        };
        if needed > room && !line.is_empty() {
            lines.push(format!("{prefix}{}", spans(&line, color)));
            line.clear();
            prefix = rest;
        } else if !line.is_empty() {
            line.push((' ', space));
        }
        line.extend(chars);
        // A word wider than a whole line: cut it where the line ends.
        let room = width.saturating_sub(self::width(prefix)).max(1);
        while line.len() > room {
            let tail = line.split_off(room);
            lines.push(format!("{prefix}{}", spans(&line, color)));
            line = tail;
            prefix = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(
            format!("{prefix}{}", spans(&line, color))
                .trim_end()
                .to_string(),
        );
    }
    lines
}

/// Characters with their paint, each run of one paint escaped once.
fn spans(chars: &[(char, Paint)], color: bool) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let mut current = Paint::Plain;
    for &(c, p) in chars {
        if p != current {
            out.push_str(&paint(color, current, &run));
            run.clear();
            current = p;
        }
        run.push(c);
    }
    out.push_str(&paint(color, current, &run));
    out
}

/// Markdown as a terminal shows it, `indent` before every line: headings bold, paragraphs
/// and list items filled to `width` (items with a hanging indent), fenced code blocks kept
/// line for line (a line wider than the terminal is cut into pieces, never reflowed).
pub fn markdown(text: &str, width: usize, indent: &str, color: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, out: &mut Vec<String>| {
        if !paragraph.is_empty() {
            out.extend(wrap(paragraph, width, indent, indent, color));
            paragraph.clear();
        }
    };
    for line in text.trim_matches('\n').lines() {
        if line.trim_start().starts_with("```") {
            flush(&mut paragraph, &mut out);
            fenced = !fenced;
            // Without colour the fences show where the code starts and ends.
            if !color {
                out.push(format!("{indent}{}", line.trim()));
            }
        } else if fenced {
            out.extend(code_line(line, width, indent, color));
        } else if line.trim().is_empty() {
            flush(&mut paragraph, &mut out);
            out.push(String::new());
        } else if let Some(heading) = heading(line) {
            flush(&mut paragraph, &mut out);
            out.push(format!(
                "{indent}{}",
                paint(color, Paint::Bold, &fit(heading, width))
            ));
        } else if let Some(item) = line.strip_prefix("- ") {
            flush(&mut paragraph, &mut out);
            let first = format!("{indent}- ");
            out.extend(wrap(item, width, &first, &format!("{indent}  "), color));
        } else {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line.trim());
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

fn heading(line: &str) -> Option<&str> {
    let text = line.trim_start_matches('#');
    (text.len() < line.len() && text.starts_with(' ')).then(|| text.trim())
}

/// One line of a code block: as written, cut into pieces if wider than the terminal.
fn code_line(line: &str, width: usize, indent: &str, color: bool) -> Vec<String> {
    let room = width.saturating_sub(self::width(indent)).max(1);
    let chars: Vec<char> = clean(line.trim_end()).chars().collect();
    if chars.is_empty() {
        return vec![indent.trim_end().to_string()];
    }
    chars
        .chunks(room)
        .map(|piece| {
            let piece: String = piece.iter().collect();
            format!("{indent}{}", paint(color, Paint::Code, &piece))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_is_the_terminals_then_columns_then_100() {
        assert_eq!(pick_width(Some(80), Some(120)), 80);
        assert_eq!(pick_width(None, Some(120)), 120);
        assert_eq!(pick_width(None, None), DEFAULT_WIDTH);
        assert_eq!(pick_width(None, Some(0)), DEFAULT_WIDTH);
        assert_eq!(pick_width(Some(10), None), MIN_WIDTH);
    }

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        let lines = wrap("one two three four five", 12, "- ", "  ", false);
        assert_eq!(lines, ["- one two", "  three four", "  five"]);
        assert!(lines.iter().all(|l| width(l) <= 12));
        // A word longer than a line is cut, never overflows.
        assert_eq!(wrap("abcdefghij", 6, "", "", false), ["abcdef", "ghij"]);
    }

    #[test]
    fn code_spans_keep_backticks_without_colour_and_are_highlighted_with_it() {
        assert_eq!(wrap("run `a b` now", 40, "", "", false), ["run `a b` now"]);
        assert_eq!(
            wrap("run `a b` now", 40, "", "", true),
            ["run \x1b[36ma b\x1b[0m now"]
        );
    }

    #[test]
    fn markdown_keeps_code_blocks_and_fills_paragraphs() {
        let md =
            "# Title\n\nA long\nparagraph here.\n\n```\nkeep   this  spacing\n```\n- item one two";
        let lines = markdown(md, 14, "", false);
        assert_eq!(
            lines,
            [
                "Title",
                "",
                "A long",
                "paragraph",
                "here.",
                "",
                "```",
                "keep   this  s",
                "pacing",
                "```",
                "- item one two"
            ]
        );
    }

    #[test]
    fn fit_shortens_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}
