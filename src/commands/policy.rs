//! `pgtriage policy init`: a starting `.pgtriage.toml` from what a log or container shows
//! now, with one commented `[[accept]]` per finding, so documenting a decision is one edit.

use crate::catalogue::Catalogue;
use crate::commands::analyze;
use crate::error::Failure;
use crate::policy::Date;
use crate::report::{Output, Report};
use crate::severity::{Env, Severity};
use crate::tail::{self, TailOptions};
use crate::verdict::Verdict;
use std::fmt::Write;

/// The suggested `until`: acceptances are reviewed, not forgotten.
const REVIEW_DAYS: i64 = 90;

/// What `policy init` is asked to do.
#[derive(Debug)]
pub struct InitOptions {
    /// Logs to take the findings from (`-` for stdin)...
    pub paths: Vec<String>,
    /// ...or running containers.
    pub containers: Vec<String>,
    pub file: String,
    pub force: bool,
    pub env: Option<Env>,
}

pub fn init(catalogue: &'static Catalogue, opts: &InitOptions) -> Result<u8, Failure> {
    if opts.file != "-" && std::path::Path::new(&opts.file).exists() && !opts.force {
        return Err(Failure::Usage(format!(
            "{} exists; edit it, or pass --force to overwrite it",
            opts.file
        )));
    }
    // Findings as they are now: no policy, no baseline.
    let verdict = Verdict::new(
        opts.env.unwrap_or(Env::Prod),
        Severity::Critical,
        None,
        None,
        false,
    );
    let (report, sources) = if opts.containers.is_empty() {
        let a = analyze::Options {
            paths: opts.paths.clone(),
            output: Output::Json,
            look: Default::default(),
            format: crate::pipeline::LogFormat::Auto,
            prefix: None,
            verdict,
            stats: false,
            window: analyze::Window::default(),
            threads: 1,
            chunk_bytes: analyze::CHUNK_BYTES,
            chunk_note: false,
        };
        let (report, _) = analyze::collect(catalogue, &a)?;
        (report, opts.paths.join(", "))
    } else {
        let t = TailOptions::log_so_far(opts.containers.clone(), verdict);
        let c = tail::collect_blocking(catalogue, t)?;
        (
            c.report,
            format!("container {}", opts.containers.join(", ")),
        )
    };
    let text = render(catalogue, &report, &sources, Date::today());
    if opts.file == "-" {
        // A preview (`policy init --file - app.log | less`): the stubs are the whole answer.
        crate::error::write_stdout(&text)?;
        return Ok(0);
    }
    match std::fs::write(&opts.file, text) {
        // `--file /dev/stdout` read by a pager that quit early: as with `-`, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
        Err(e) => {
            let reason = crate::error::io_reason(&e);
            return Err(Failure::Usage(format!("{}: {reason}", opts.file)));
        }
        Ok(()) => {}
    }
    let listed = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .count();
    eprintln!(
        "pgtriage: wrote {} with {listed} [[accept]] stubs; uncomment and give a reason to accept a finding",
        opts.file
    );
    Ok(0)
}

/// The policy file's text: every finding above info as a commented stub.
pub fn render(catalogue: &Catalogue, report: &Report, sources: &str, today: Date) -> String {
    let review = today.plus_days(REVIEW_DAYS);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# pgtriage policy: findings that are resolved or documented."
    );
    let _ = writeln!(
        s,
        "# Written by `pgtriage policy init` on {today} from {sources}."
    );
    let _ = writeln!(
        s,
        "# To accept a finding, uncomment its [[accept]] block and say why in `reason`;"
    );
    let _ = writeln!(
        s,
        "# `until` (optional) is the date after which it counts again. Narrow an"
    );
    let _ = writeln!(
        s,
        "# acceptance with `container = \"db\"` or `match = {{ user = \"root\" }}` (a capture)."
    );
    let _ = writeln!(
        s,
        "# Better still, fix it: `pgtriage explain ID` says how.\n"
    );
    let _ = writeln!(s, "env = \"{}\"", report.env.as_str());
    let mut skipped = 0;
    for f in &report.findings {
        if f.severity == Severity::Info {
            skipped += 1;
            continue;
        }
        let _ = writeln!(
            s,
            "\n# [{}] {} ({}×): {}",
            f.severity.as_str(),
            f.id,
            f.count,
            f.title
        );
        if let Some(sample) = &f.sample {
            let _ = writeln!(s, "#   seen: {}", sample.replace('\n', " "));
        }
        let _ = writeln!(
            s,
            "# [[accept]]\n# id = \"{}\"\n# reason = \"\"\n# until = \"{review}\"",
            f.id
        );
        let captures = catalogue
            .index_of(&f.id)
            .map(|p| catalogue.capture_names(p))
            .unwrap_or_default();
        if let Some(c) = captures.first() {
            let _ = writeln!(
                s,
                "# match = {{ {c} = \"...\" }}   # optional; captures: {}",
                captures.join(", ")
            );
        }
    }
    if skipped > 0 {
        let _ = writeln!(
            s,
            "\n# {skipped} info findings are not listed: they never fail a gate."
        );
    }
    for u in &report.unclassified {
        let _ = writeln!(
            s,
            "\n# Unclassified {} ({}×), no entry to accept yet: {}",
            u.severity,
            u.count,
            u.sample.replace('\n', " ")
        );
    }
    s
}
