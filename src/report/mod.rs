//! The report: one document built from the collectors (build.rs, model.rs), and the
//! outputs it is written in. Each output is one file; renderers only read the document.

mod activity;
mod build;
pub mod github;
pub mod html;
pub mod jsonl;
pub mod junit;
pub mod markdown;
mod model;
pub mod table;
pub mod term;
pub mod text;

#[cfg(test)]
mod fixture;

pub use build::{build, docs_path};
pub use model::*;

/// The outputs of `analyze` and `tail`. A document is written once, at the end; `jsonl`
/// and `table` also have a live form in `tail` (src/tail/live.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// The verdict, a line per finding, then what to do (for people). Live: a line per
    /// event as it happens.
    Table,
    /// The schema v1 document (docs/json-report.md, docs/schema/report-v1.json).
    Json,
    /// One JSON event per line: findings and unclassified groups, then a summary.
    /// Live: each occurrence as it happens.
    Jsonl,
    /// A summary for a pull-request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    /// GitHub Actions workflow commands (::error / ::warning / ::notice), one per finding.
    Github,
    /// JUnit XML: one test case per catalogue entry seen (GitLab, Jenkins).
    Junit,
    /// One self-contained HTML page: verdict, findings and advice, statistics with charts.
    Html,
}

/// Renders a report; `look` (width, colour, --all) applies to the table.
pub fn render(report: &Report, output: Output, look: term::Look) -> String {
    match output {
        Output::Table => table::render(report, look),
        Output::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
            s.push('\n');
            s
        }
        Output::Jsonl => jsonl::render(report),
        Output::Markdown => markdown::render(report),
        Output::Github => github::render(report),
        Output::Junit => junit::render(report),
        Output::Html => html::render(report),
    }
}
