//! The command line: arguments, dispatch, and the exit-code contract
//! (0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input, 3 internal).

use crate::catalogue::Catalogue;
use crate::commands;
use crate::error::Failure;
use crate::pipeline::LogFormat;
use crate::report::Format;
use crate::severity::{Env, Severity};
use crate::tail::{self, TailOptions};
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
    /// Policy files: `policy init` writes a starting .pgtriage.toml.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
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
pub enum ListOutput {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Log files to read; `-` or nothing reads stdin.
    pub paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The log format; detected from the first line by default.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto)]
    pub format: LogFormat,
    /// The server's log_line_prefix, e.g. '%m [%p] '; detected from the first lines if absent.
    #[arg(long)]
    pub prefix: Option<String>,
}

/// What decides the verdict: environment, threshold, policy, baseline. Shared by every
/// command that reports findings.
#[derive(Debug, Clone, clap::Args)]
pub struct GateArgs {
    /// The environment the log comes from: picks severities and remediation
    /// [default: the policy's `env`, else prod].
    #[arg(long, value_enum, env = "PGTRIAGE_ENV")]
    pub env: Option<Env>,
    /// Exit 1 when a finding at or above this severity is present (accepted and baseline
    /// findings do not count).
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,
    /// Policy file with documented acceptances [default: .pgtriage.toml when present].
    #[arg(long, conflicts_with = "no_policy")]
    pub policy: Option<String>,
    /// Ignore .pgtriage.toml: report findings as they are.
    #[arg(long)]
    pub no_policy: bool,
    /// A JSON report from an earlier run: only findings not in it count toward --fail-on.
    #[arg(long)]
    pub baseline: Option<String>,
    /// With --baseline: a count above this factor times the baseline's is a regression.
    #[arg(long, default_value_t = 2.0)]
    pub regression_factor: f64,
    /// Show captured values (user names are shown anyway; statement text, parameters and
    /// passwords are hidden by default).
    #[arg(long)]
    pub show_sensitive: bool,
}

/// The resolved verdict settings.
#[derive(Debug)]
pub struct Gate {
    pub env: Env,
    pub fail_on: Severity,
    pub policy: Option<crate::policy::Policy>,
    pub baseline: Option<crate::baseline::Baseline>,
    pub show_sensitive: bool,
}

impl GateArgs {
    /// Loads the policy and baseline; an error in either is a usage error (exit 2).
    pub fn resolve(&self, catalogue: &Catalogue) -> Result<Gate, Failure> {
        let policy = if self.no_policy {
            None
        } else {
            crate::policy::Policy::load(self.policy.as_deref(), catalogue)
                .map_err(Failure::Usage)?
        };
        let baseline = self
            .baseline
            .as_deref()
            .map(|b| crate::baseline::Baseline::load(b, self.regression_factor))
            .transpose()
            .map_err(Failure::Usage)?;
        Ok(Gate {
            env: self
                .env
                .or(policy.as_ref().and_then(|p| p.env))
                .unwrap_or(Env::Prod),
            fail_on: self.fail_on,
            policy,
            baseline,
            show_sensitive: self.show_sensitive,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TailOutput {
    /// Each finding when first seen, with advice; a summary table at the end.
    Table,
    /// The schema v1 report at the end.
    Json,
    /// One JSON event per line as they happen, then a summary line.
    Jsonl,
    /// The markdown summary at the end.
    Markdown,
    /// GitHub Actions workflow commands at the end.
    Github,
    /// JUnit XML at the end.
    Junit,
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
    #[arg(long, value_enum, default_value_t = TailOutput::Table)]
    pub output: TailOutput,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The server's log_line_prefix; detected if absent.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Read what the containers have logged so far, then stop (like `docker logs`).
    #[arg(long)]
    pub no_follow: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write a .pgtriage.toml with one commented [[accept]] stub per current finding.
    Init(PolicyInitArgs),
}

#[derive(Debug, clap::Args)]
pub struct PolicyInitArgs {
    /// Logs to take the findings from (`-` for stdin).
    pub paths: Vec<String>,
    /// Or: running containers (their log so far, and their configuration).
    #[arg(long, conflicts_with = "paths")]
    pub container: Vec<String>,
    /// Where to write it.
    #[arg(long, default_value = crate::policy::DEFAULT_FILE)]
    pub file: String,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum)]
    pub env: Option<Env>,
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
        Command::Tail(args) => tail::run(catalogue, TailOptions::from_args(&args, catalogue)?),
        Command::Policy {
            command: PolicyCommand::Init(args),
        } => commands::policy::init(catalogue, &args),
        Command::Explain { id } => commands::explain::run(catalogue, &id),
        Command::Patterns { output } => commands::explain::list(catalogue, output),
    }
}
