//! Catalogue prose (explanations and remediation) as HTML. The catalogue writes the small
//! part of markdown it needs: paragraphs, `code spans` and fenced code blocks; those become
//! `<p>`, `<code>` and `<pre>`, and every other character is text, escaped.

use super::esc;

/// Paragraphs (split on blank lines) and fenced code blocks.
pub fn blocks(s: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut fence: Option<(&str, Vec<&str>)> = None;
    for line in s.lines() {
        if let Some((marker, code)) = &mut fence {
            if line.trim_start().starts_with(*marker) {
                out.push_str(&format!(
                    "<pre><code>{}</code></pre>\n",
                    esc(&code.join("\n"))
                ));
                fence = None;
            } else {
                code.push(line);
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            paragraph(&mut out, &mut para);
            let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
            fence = Some((&trimmed[..ticks], Vec::new()));
        } else if trimmed.is_empty() {
            paragraph(&mut out, &mut para);
        } else {
            para.push(line);
        }
    }
    paragraph(&mut out, &mut para);
    // An unclosed fence runs to the end, as in markdown.
    if let Some((_, code)) = fence {
        out.push_str(&format!(
            "<pre><code>{}</code></pre>\n",
            esc(&code.join("\n"))
        ));
    }
    out
}

fn paragraph(out: &mut String, lines: &mut Vec<&str>) {
    if !lines.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", inline(&lines.join("\n"))));
        lines.clear();
    }
}

/// One paragraph: text between single backticks becomes `<code>`; everything is escaped.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let parts: Vec<&str> = s.split('`').collect();
    // An odd number of backticks leaves the last one as text.
    let closed = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        if i % 2 == 1 && (closed || !last) {
            out.push_str(&format!("<code>{}</code>", esc(part)));
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&esc(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_escapes() {
        assert_eq!(
            inline("use `a<b>` not <dbname> & co"),
            "use <code>a&lt;b&gt;</code> not &lt;dbname&gt; &amp; co"
        );
        assert_eq!(inline("a `b` c `d"), "a <code>b</code> c `d");
    }

    #[test]
    fn paragraphs_and_fences() {
        assert_eq!(
            blocks("One\ntwo\n\n```sql\nSELECT '<x>';\n```\nafter"),
            "<p>One\ntwo</p>\n<pre><code>SELECT &apos;&lt;x&gt;&apos;;</code></pre>\n<p>after</p>\n"
        );
        assert_eq!(blocks("```\nopen"), "<pre><code>open</code></pre>\n");
    }
}
