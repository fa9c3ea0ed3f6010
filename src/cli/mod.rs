//! The command line: dispatch, and the exit-code contract (0 clean, 1 findings at or above
//! --fail-on, 2 bad usage or unreadable input, 3 internal). Arguments are parsed in
//! args.rs and turned into each command's options here.

pub mod args;

use crate::baseline::Baseline;
use crate::catalogue::Catalogue;
use crate::commands;
use crate::error::Failure;
use crate::parse::prefix::Prefix;
use crate::policy::Policy;
use crate::report::term::Look;
use crate::report::SCHEMA_VERSION;
use crate::severity::Env;
use crate::tail::options::{parse_duration, parse_since};
use crate::tail::{self, TailOptions};
use crate::verdict::Verdict;
use args::{Cli, Command, GateArgs, PolicyCommand};
use clap::Parser;
use std::process::ExitCode;

impl GateArgs {
    /// Loads the policy and baseline into the verdict; an error in either is a usage
    /// error (exit 2).
    pub fn verdict(&self, catalogue: &Catalogue) -> Result<Verdict, Failure> {
        let policy = if self.no_policy {
            None
        } else {
            Policy::load(self.policy.as_deref(), catalogue).map_err(Failure::Usage)?
        };
        let baseline = self
            .baseline
            .as_deref()
            .map(|b| Baseline::load(b, self.regression_factor, SCHEMA_VERSION))
            .transpose()
            .map_err(Failure::Usage)?;
        let env = self
            .env
            .or(policy.as_ref().and_then(|p| p.env))
            .unwrap_or(Env::Prod);
        Ok(Verdict::new(
            env,
            self.fail_on,
            policy,
            baseline,
            self.show_sensitive,
        ))
    }
}

pub fn main() -> ExitCode {
    // A panic is a defect: say so and exit 3, never a bare abort trace as the only output.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("pgtriage: internal error: {info}");
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(Failure::Usage(msg))) => {
            eprintln!("pgtriage: {msg}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Internal(msg))) => {
            eprintln!("pgtriage: internal error: {msg}");
            ExitCode::from(3)
        }
        Err(_) => ExitCode::from(3),
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let catalogue = Catalogue::builtin().map_err(Failure::Internal)?;
    match cli.command {
        Command::Analyze(args) => {
            commands::analyze::run(catalogue, analyze_options(catalogue, args)?)
        }
        Command::Tail(args) => tail::run(catalogue, tail_options(catalogue, args)?),
        Command::Lint(args) => commands::lint::run(
            catalogue,
            commands::lint::Options {
                target: compose_target(catalogue, args.compose)?,
                output: args.report.output,
                look: args.report.look(),
            },
        ),
        Command::Fix(args) => commands::fix::run(
            catalogue,
            commands::fix::Options {
                target: compose_target(catalogue, args.compose)?,
                apply: args.apply,
                check: args.check,
                report: args.report,
                containers: args.container,
            },
        ),
        Command::Policy {
            command: PolicyCommand::Init(args),
        } => commands::policy::init(
            catalogue,
            &commands::policy::InitOptions {
                paths: args.paths,
                containers: args.container,
                file: args.file,
                force: args.force,
                env: args.env,
            },
        ),
        Command::Explain { id, output, color } => {
            let look = (output == args::ExplainOutput::Terminal).then(|| Look::stdout(color));
            commands::explain::run(catalogue, &id, look)
        }
        Command::Patterns { output } => {
            commands::explain::list(catalogue, matches!(output, args::ListOutput::Json))
        }
    }
}

fn analyze_options(
    catalogue: &Catalogue,
    args: args::AnalyzeArgs,
) -> Result<commands::analyze::Options, Failure> {
    Ok(commands::analyze::Options {
        paths: args.paths,
        output: args.report.output,
        look: args.report.look(),
        format: args.format,
        prefix: compile_prefix(args.prefix.as_deref())?,
        verdict: args.gate.verdict(catalogue)?,
        stats: !args.no_stats,
        window: commands::analyze::Window {
            begin: bound("--begin", args.begin.as_deref())?,
            end: bound("--end", args.end.as_deref())?,
        },
        threads: args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        ),
        chunk_bytes: chunk_bytes()?,
        chunk_note: std::env::var_os("PGTRIAGE_CHUNK_BYTES").is_some(),
    })
}

/// Bytes per chunk of a split file, or `PGTRIAGE_CHUNK_BYTES`, a test knob that forces
/// small chunks so that tests cut real logs at many places.
fn chunk_bytes() -> Result<u64, Failure> {
    match std::env::var("PGTRIAGE_CHUNK_BYTES") {
        Err(_) => Ok(commands::analyze::CHUNK_BYTES),
        Ok(v) => v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            Failure::Usage(format!(
                "PGTRIAGE_CHUNK_BYTES must be a positive number of bytes, got {v:?}"
            ))
        }),
    }
}

/// A `--begin`/`--end` time: `YYYY-MM-DD HH:MM:SS`, optionally with a zone, or RFC 3339.
fn bound(flag: &str, value: Option<&str>) -> Result<Option<crate::timestamp::Timestamp>, Failure> {
    value
        .map(|v| {
            crate::timestamp::Timestamp::parse(v.as_bytes()).ok_or_else(|| {
                Failure::Usage(format!(
                    "{flag} {v:?}: expected a time such as '2024-06-27 01:00:00' or 2024-06-27T01:00:00+02:00"
                ))
            })
        })
        .transpose()
}

fn tail_options(catalogue: &Catalogue, args: args::TailArgs) -> Result<TailOptions, Failure> {
    let since = args
        .since
        .as_deref()
        .map(parse_since)
        .transpose()
        .map_err(Failure::Usage)?;
    let timeout = args
        .timeout
        .as_deref()
        .map(|t| {
            parse_duration(t).ok_or_else(|| {
                Failure::Usage(format!("--timeout {t:?}: expected a duration such as 120s"))
            })
        })
        .transpose()?;
    Ok(TailOptions {
        containers: args.containers,
        all: args.all,
        compose_project: args.compose_project,
        service: args.service,
        since,
        until_ready: args.until_ready,
        timeout,
        metrics: args.metrics,
        output: args.output,
        look: Look::stdout(args.look.color).listing_all(args.all_findings, "--all-findings"),
        prefix: compile_prefix(args.prefix.as_deref())?,
        no_follow: args.no_follow,
        verdict: args.gate.verdict(catalogue)?,
    })
}

fn compose_target(
    catalogue: &Catalogue,
    args: args::ComposeArgs,
) -> Result<commands::lint::Target, Failure> {
    Ok(commands::lint::Target {
        verdict: args.gate.verdict(catalogue)?,
        paths: args.files,
        service: args.service,
    })
}

/// `--prefix`, compiled once for the whole run.
fn compile_prefix(prefix: Option<&str>) -> Result<Option<Prefix>, Failure> {
    prefix
        .map(Prefix::compile)
        .transpose()
        .map_err(Failure::Usage)
}
