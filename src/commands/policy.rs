//! `pgtriage policy init`: a starting `.pgtriage.toml` from what a log or container shows
//! now, with one commented `[[accept]]` per finding, so documenting a decision is one edit.

use crate::catalogue::Catalogue;
use crate::cli::{AnalyzeArgs, GateArgs, PolicyInitArgs};
use crate::commands::analyze;
use crate::error::Failure;
use crate::policy::Date;
use crate::report::{Format, Report};
use crate::severity::Severity;
use crate::tail::{self, TailOptions};
use std::fmt::Write;

/// The suggested `until`: acceptances are reviewed, not forgotten.
const REVIEW_DAYS: u64 = 90;

pub fn init(catalogue: &'static Catalogue, args: &PolicyInitArgs) -> Result<u8, Failure> {
    if std::path::Path::new(&args.file).exists() && !args.force {
        return Err(Failure::Usage(format!(
            "{} exists; edit it, or pass --force to overwrite it",
            args.file
        )));
    }
    // Findings as they are now: no policy, no baseline.
    let gate = GateArgs {
        env: args.env,
        fail_on: Severity::Critical,
        policy: None,
        no_policy: true,
        baseline: None,
        regression_factor: 2.0,
        show_sensitive: false,
    };
    let (report, sources) = if args.container.is_empty() {
        let a = AnalyzeArgs {
            paths: args.paths.clone(),
            output: Format::Json,
            gate,
            format: crate::pipeline::LogFormat::Auto,
            prefix: None,
        };
        let (report, _) = analyze::collect(catalogue, &a)?;
        (report, args.paths.join(", "))
    } else {
        let t = TailOptions::log_so_far(args.container.clone(), gate.resolve(catalogue)?);
        let c = tail::collect_blocking(catalogue, t)?;
        (c.report, format!("container {}", args.container.join(", ")))
    };
    let text = render(catalogue, &report, &sources, Date::today());
    std::fs::write(&args.file, text)
        .map_err(|e| Failure::Usage(format!("{}: {}", args.file, crate::error::io_reason(&e))))?;
    let listed = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .count();
    eprintln!(
        "pgtriage: wrote {} with {listed} [[accept]] stubs; uncomment and give a reason to accept a finding",
        args.file
    );
    Ok(0)
}

/// The policy file's text: every finding above info as a commented stub.
pub fn render(catalogue: &Catalogue, report: &Report, sources: &str, today: Date) -> String {
    let review = Date::days_from_today(REVIEW_DAYS);
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
