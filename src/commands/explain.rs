//! `pgtriage explain ID` and `pgtriage patterns`: the catalogue, for people and scripts.

use crate::catalogue::Catalogue;
use crate::error::{write_stdout, Failure};
use crate::report::term::{self, Look};
use comfy_table::{presets, ContentArrangement, Table};

/// The entry's page: laid out for a terminal as `look` says, or as written (Markdown,
/// the same text as docs/patterns/) without one.
pub fn run(catalogue: &Catalogue, id: &str, look: Option<Look>) -> Result<u8, Failure> {
    let p = catalogue.get(id).ok_or_else(|| {
        Failure::Usage(format!(
            "no catalogue entry {id:?}; `pgtriage patterns` lists them"
        ))
    })?;
    let page = crate::catalogue::docs::page(p);
    match look {
        Some(look) => {
            let mut text = term::markdown(&page, look.width, "", look.color).join("\n");
            text.push('\n');
            write_stdout(&text)?;
        }
        None => write_stdout(&page)?,
    }
    Ok(0)
}

/// The whole catalogue: as JSON for scripts, else as a table.
pub fn list(catalogue: &Catalogue, json: bool) -> Result<u8, Failure> {
    match json {
        true => {
            let json = serde_json::to_string_pretty(catalogue.patterns())
                .map_err(|e| Failure::Internal(e.to_string()))?;
            write_stdout(&format!("{json}\n"))?;
        }
        false => {
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
            write_stdout(&format!("{t}\n"))?;
        }
    }
    Ok(0)
}
