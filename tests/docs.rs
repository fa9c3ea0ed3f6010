//! docs/patterns/ is generated from the catalogue; this test fails when it drifts.
//! `UPDATE_DOCS=1 cargo test --test docs` rewrites it.

mod common;

use pgtriage::catalogue::{docs, Catalogue};

#[test]
fn pattern_docs_match_the_catalogue() {
    let cat = Catalogue::embedded().unwrap();
    let files = docs::files(&cat);
    let dir = common::repo().join(docs::DIR);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        for (path, text) in &files {
            std::fs::write(common::repo().join(path), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (path, text) in &files {
        match std::fs::read_to_string(common::repo().join(path)) {
            Ok(on_disk) if on_disk == *text => {}
            _ => stale.push(path.clone()),
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(
        stale.is_empty() && on_disk == files.len(),
        "docs/patterns is out of date ({} stale, {on_disk} files for {} pages): run UPDATE_DOCS=1 cargo test --test docs\n{}",
        stale.len(),
        files.len(),
        stale.join("\n")
    );
}

#[test]
fn explain_prints_the_generated_page() {
    let cat = Catalogue::embedded().unwrap();
    let p = cat.get("auth.trust-local").unwrap();
    let out = common::pgtriage(&["explain", "--output", "markdown", "auth.trust-local"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), docs::page(p));
    // By default the same page, laid out for a terminal (tests/terminal.rs).
    let out = common::pgtriage(&["explain", "auth.trust-local"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("auth.trust-local — "), "{text}");
    assert_ne!(text, docs::page(p));
    let out = common::pgtriage(&["explain", "no.such-id"]);
    assert_eq!(out.status.code(), Some(2));
}
