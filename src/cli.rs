//! The command line: arguments, dispatch, and the exit-code contract
//! (0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input, 3 internal).

use crate::catalogue::Catalogue;
use crate::commands;
use crate::severity::{Env, Severity};
use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "pgtriage",
    version,
    about = "Reads PostgreSQL container logs, classifies every line against a catalogue of \
             events, and says what each means and how to fix it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze saved logs: plain, .gz or .bz2 files, or - for stdin.
    Analyze(AnalyzeArgs),
    /// Follow running containers through the Docker Engine API (DOCKER_HOST is honoured).
    Tail(TailArgs),
    /// Explain one catalogue entry: what it means and how to fix it, per environment.
    Explain {
        /// The entry's id, e.g. auth.trust-local.
        id: String,
    },
    /// List the catalogue.
    Patterns {
        #[arg(long, value_enum, default_value_t = ListOutput::Table)]
        output: ListOutput,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListOutput {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Detect per input (stderr logs with any log_line_prefix, in any container framing).
    Auto,
    /// PostgreSQL's stderr format with a log_line_prefix.
    Stderr,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Log files to read; `-` or nothing reads stdin.
    pub paths: Vec<String>,
    /// The environment the log comes from: picks severities and remediation.
    #[arg(long, value_enum, default_value_t = Env::Prod, env = "PGTRIAGE_ENV")]
    pub env: Env,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Exit 1 when a finding at or above this severity is present.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// The server's log_line_prefix, e.g. '%m [%p] '; detected from the first lines if absent.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Show captured values (user names are shown anyway; statement text, parameters and
    /// passwords are hidden by default).
    #[arg(long)]
    pub show_sensitive: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TailOutput {
    /// Each finding when first seen, with advice; a summary table at the end.
    Table,
    /// The schema v1 report at the end.
    Json,
    /// One JSON event per line as they happen, then a summary line.
    Jsonl,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// Containers to follow, by name or id.
    pub containers: Vec<String>,
    /// Every running container whose image or command mentions postgres.
    #[arg(long)]
    pub all: bool,
    /// Every running container of this Compose project.
    #[arg(long)]
    pub compose_project: Option<String>,
    /// With --compose-project: only this service.
    #[arg(long, requires = "compose_project")]
    pub service: Option<String>,
    /// Start from this far back (30s, 10m, 2h), an RFC 3339 time, or Unix seconds.
    /// Default: the container's current run, from its start.
    #[arg(long)]
    pub since: Option<String>,
    /// Stop once the server is ready for real (not the init phase's temporary server),
    /// then report and exit per --fail-on; exit 1 if it is not ready by --timeout.
    #[arg(long)]
    pub until_ready: bool,
    /// Stop after this long (e.g. 120s). Default with --until-ready: 300s; else none.
    #[arg(long)]
    pub timeout: Option<String>,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9187).
    #[arg(long)]
    pub metrics: Option<String>,
    #[arg(long, value_enum, default_value_t = Env::Prod, env = "PGTRIAGE_ENV")]
    pub env: Env,
    #[arg(long, value_enum, default_value_t = TailOutput::Table)]
    pub output: TailOutput,
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,
    /// The server's log_line_prefix; detected if absent.
    #[arg(long)]
    pub prefix: Option<String>,
    #[arg(long)]
    pub show_sensitive: bool,
}

/// Errors that end a command, with their exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or unreadable input: exit 2.
    Usage(String),
    /// A defect in pgtriage: exit 3.
    Internal(String),
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
        Command::Analyze(args) => commands::analyze::run(catalogue, &args),
        Command::Tail(mut args) => {
            if args.until_ready && args.timeout.is_none() {
                args.timeout = Some("300s".into());
            }
            commands::tail::run(catalogue, args)
        }
        Command::Explain { id } => commands::explain::run(catalogue, &id),
        Command::Patterns { output } => commands::explain::list(catalogue, output),
    }
}
