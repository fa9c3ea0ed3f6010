//! `pgtriage explain ID` and `pgtriage patterns`: the catalogue, for people and scripts.

use crate::catalogue::{Catalogue, Pattern};
use crate::cli::{Failure, ListOutput};
use comfy_table::{presets, ContentArrangement, Table};
use std::fmt::Write;

/// The text `explain` prints, also the body of the generated docs page.
pub fn describe(p: &Pattern) -> String {
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
    let _ = writeln!(s, "## Messages\n");
    for t in &p.template {
        let levels = t
            .levels
            .as_ref()
            .map_or("any level".to_string(), |l| l.join(", "));
        let fold = if t.fold { " (companion line)" } else { "" };
        let _ = writeln!(s, "- `{}` ({levels}){fold}", t.text);
    }
    let _ = writeln!(s, "\n## Seen in real logs\n");
    for smp in &p.sample {
        let _ = writeln!(s, "```\n{}\n```\nfrom {}", smp.line, smp.source);
        if let Some(n) = &smp.note {
            let _ = writeln!(s, "({n})");
        }
    }
    if !p.references.is_empty() {
        let _ = writeln!(s, "\n## References\n");
        for r in &p.references {
            let _ = writeln!(s, "- {r}");
        }
    }
    s
}

pub fn run(catalogue: &Catalogue, id: &str) -> Result<u8, Failure> {
    let p = catalogue.get(id).ok_or_else(|| {
        Failure::Usage(format!(
            "no catalogue entry {id:?}; `pgtriage patterns` lists them"
        ))
    })?;
    print!("{}", describe(p));
    Ok(0)
}

pub fn list(catalogue: &Catalogue, output: ListOutput) -> Result<u8, Failure> {
    match output {
        ListOutput::Json => {
            let json = serde_json::to_string_pretty(catalogue.patterns())
                .map_err(|e| Failure::Internal(e.to_string()))?;
            println!("{json}");
        }
        ListOutput::Table => {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(vec!["id", "category", "dev", "prod", "title"]);
            for p in catalogue.patterns() {
                t.add_row(vec![
                    p.id.as_str(),
                    p.category.as_str(),
                    p.severity.dev.as_str(),
                    p.severity.prod.as_str(),
                    p.title.as_str(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(0)
}
