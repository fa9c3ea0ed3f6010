//! Documentation generated from the catalogue: one page per entry (also what
//! `pgtriage explain` prints) and an index by category. docs/patterns/ holds the
//! generated files; a test fails when they drift from the catalogue.

use super::{Catalogue, Pattern};
use std::fmt::Write;

/// Where the generated pages live, relative to the repository.
pub const DIR: &str = "docs/patterns";

/// One entry's page.
pub fn page(p: &Pattern) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} — {}\n", p.id, p.title);
    let _ = writeln!(
        s,
        "Category: {}. Severity: dev {}, prod {}.\n",
        p.category,
        p.severity.dev.as_str(),
        p.severity.prod.as_str()
    );
    let _ = writeln!(s, "{}\n", p.explain.trim());
    let _ = writeln!(s, "## In development\n\n{}\n", p.remediation.dev.trim());
    let _ = writeln!(s, "## In production\n\n{}\n", p.remediation.prod.trim());
    if !p.template.is_empty() {
        let _ = writeln!(s, "## Messages\n");
        for t in &p.template {
            let levels = t
                .levels
                .as_ref()
                .map_or("any level".to_string(), |l| l.join(", "));
            let fold = if t.fold { " (companion line)" } else { "" };
            let _ = writeln!(s, "- `{}` ({levels}){fold}", t.text);
        }
        let _ = writeln!(s);
    }
    if !p.catch_all.is_empty() {
        let _ = writeln!(
            s,
            "## Messages\n\nAny {} record that no other entry explains.\n",
            p.catch_all.join(" or ")
        );
    }
    if p.aftermath {
        let _ = writeln!(
            s,
            "In a crash episode (after a PANIC or a killed process, until the server is ready \
             again) it is reported as a consequence of the episode's first event.\n"
        );
    }
    if !p.checks.is_empty() {
        let _ = writeln!(s, "## Raised by\n");
        for c in &p.checks {
            let _ = writeln!(s, "- check `{c}`: {}", crate::checks::raised_by(c));
        }
        let _ = writeln!(s, "\n## Automatic fix\n");
        if p.fix.is_empty() {
            let _ = writeln!(
                s,
                "None: `pgtriage fix` lists the finding with the advice above.\n"
            );
        }
        for f in &p.fix {
            let _ = writeln!(s, "- `pgtriage fix` {}", f.describe());
        }
        if !p.fix.is_empty() {
            let _ = writeln!(s);
        }
    }
    let _ = writeln!(s, "## Seen in real logs\n");
    for smp in &p.sample {
        let _ = writeln!(s, "```\n{}\n```\nfrom {}", smp.line, smp.source);
        if let Some(n) = &smp.note {
            let _ = writeln!(s, "({n})");
        }
        let _ = writeln!(s);
    }
    if !p.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in &p.references {
            let _ = writeln!(s, "- {r}");
        }
    }
    s
}

/// The index: every entry by category, with its severities.
pub fn index(catalogue: &Catalogue) -> String {
    let mut s = String::new();
    let n = catalogue.patterns().len();
    let _ = writeln!(s, "# The pattern catalogue\n");
    let _ = writeln!(
        s,
        "{n} entries, generated from `patterns/*.toml` (do not edit these files: run \
         `UPDATE_DOCS=1 cargo test --test docs`). `pgtriage explain ID` prints the same page.\n"
    );
    for cat in catalogue.categories() {
        let entries: Vec<&Pattern> = catalogue
            .patterns()
            .iter()
            .filter(|p| p.category == cat)
            .collect();
        let _ = writeln!(
            s,
            "## {cat}\n\n| id | title | dev | prod |\n|---|---|---|---|"
        );
        for p in entries {
            let _ = writeln!(
                s,
                "| [`{}`]({}.md) | {} | {} | {} |",
                p.id,
                p.id,
                p.title.replace('|', "\\|"),
                p.severity.dev.as_str(),
                p.severity.prod.as_str()
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// Every generated file: (path relative to the repository, contents).
pub fn files(catalogue: &Catalogue) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = catalogue
        .patterns()
        .iter()
        .map(|p| (format!("{DIR}/{}.md", p.id), page(p)))
        .collect();
    out.push((format!("{DIR}/README.md"), index(catalogue)));
    out
}
