//! The command line's arguments: clap types only. Commands never see them; `cli::run`
//! turns them into each command's options.

use crate::pipeline::LogFormat;
use crate::report::term::ColorChoice;
use crate::report::Output;
use crate::severity::{Env, Severity};
use clap::{Parser, Subcommand, ValueEnum};

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
    /// Check a Compose setup before it runs: the PostgreSQL services' configuration and the
    /// postgresql.conf and pg_hba.conf they mount, reported like `analyze`.
    Lint(LintArgs),
    /// Print (or with --apply write) the edits that fix what `lint` finds, as a unified diff.
    Fix(FixArgs),
    /// Policy files: `policy init` writes a starting .pgtriage.toml.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Explain one catalogue entry: what it means and how to fix it, per environment.
    Explain {
        /// The entry's id, e.g. auth.trust-local.
        id: String,
        /// `terminal`: the page laid out for the terminal; `markdown`: the page as written.
        #[arg(long, value_enum, default_value_t = ExplainOutput::Terminal)]
        output: ExplainOutput,
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// List the catalogue.
    Patterns {
        #[arg(long, value_enum, default_value_t = ListOutput::Table)]
        output: ListOutput,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainOutput {
    Terminal,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListOutput {
    Table,
    Json,
}

/// How a report is written: shared by the commands that end in one.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    #[command(flatten)]
    pub look: LookArgs,
    /// List every finding one line each, informational ones too (the table output
    /// otherwise sums those up in one line).
    #[arg(long)]
    pub all: bool,
}

impl ReportArgs {
    pub fn look(&self) -> crate::report::term::Look {
        crate::report::term::Look::stdout(self.look.color).listing_all(self.all, "--all")
    }
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Log files to read; `-` or nothing reads stdin.
    pub paths: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The log format; detected from the first line by default.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto)]
    pub format: LogFormat,
    /// The server's log_line_prefix, e.g. '%m [%p] '; detected from the first lines if absent.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Skip the statistics of what the server did (queries, checkpoints, autovacuum,
    /// sessions, ...): findings only.
    #[arg(long)]
    pub no_stats: bool,
    /// Read only records logged at or after this time ('2024-06-27 01:00:00', with a zone
    /// or offset to compare instants, without to compare the clock as logged).
    #[arg(long)]
    pub begin: Option<String>,
    /// Read only records logged at or before this time (same forms as --begin).
    #[arg(long)]
    pub end: Option<String>,
    /// Threads reading the logs: files side by side, and a large plain file in chunks
    /// [default: the available cores]. 1 reads everything in one thread.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
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

/// How the table output looks on a terminal.
#[derive(Debug, Clone, clap::Args)]
pub struct LookArgs {
    /// Colour in the table output: `auto` on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
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
    /// Stop after this long (e.g. 120s) [default: 300s with --until-ready, else none].
    #[arg(long, default_value_if("until_ready", "true", Some("300s")))]
    pub timeout: Option<String>,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9187).
    #[arg(long)]
    pub metrics: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    #[command(flatten)]
    pub look: LookArgs,
    /// The report at the end lists every finding one line each, informational ones too.
    #[arg(long)]
    pub all_findings: bool,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The server's log_line_prefix; detected if absent.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Read what the containers have logged so far, then stop (like `docker logs`).
    #[arg(long)]
    pub no_follow: bool,
}

/// What `lint` and `fix` read, and the verdict they judge it by.
#[derive(Debug, clap::Args)]
pub struct ComposeArgs {
    /// Compose files, merged in order like `docker compose -f A -f B` [default: the
    /// current directory's compose.yaml, compose.yml, docker-compose.yaml or
    /// docker-compose.yml, and its .override file].
    pub files: Vec<String>,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Write the edits (each file through a temporary file and a rename).
    #[arg(long, conflicts_with = "check")]
    pub apply: bool,
    /// Exit 1 when edits are pending (for CI); nothing is written.
    #[arg(long)]
    pub check: bool,
    /// A saved `analyze` or `tail --output json` report: its findings at warning or above
    /// are answered too (by the edits when the files cause them, else with their advice).
    #[arg(long)]
    pub report: Option<String>,
    /// A running container (name or id; repeatable): its findings so far, from its log and
    /// its configuration as `tail` makes them, are answered like --report's.
    #[arg(long)]
    pub container: Vec<String>,
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
    /// Where to write it (`-` for standard output).
    #[arg(long, default_value = crate::policy::DEFAULT_FILE)]
    pub file: String,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum)]
    pub env: Option<Env>,
}

#[cfg(test)]
mod tests {
    /// clap checks the definitions only when a command is parsed: check them all here,
    /// so that two options of one name fail the fast tests, not a user's `tail`.
    #[test]
    fn the_arguments_are_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
