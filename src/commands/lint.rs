//! `pgtriage lint`: a Compose setup checked before it runs, reported like `analyze`'s logs
//! (same formats, environment, policy and exit codes).

use crate::catalogue::Catalogue;
use crate::collect::seq_base;
use crate::error::Failure;
use crate::flow::Flow;
use crate::lint::{lint, Linted};
use crate::pipeline::LogStream;
use crate::report::term::Look;
use crate::report::{self, InputSummary, Output, Report, Source};
use crate::source::framing::Framing;
use crate::source::Compression;
use crate::verdict::Verdict;

/// The Compose project `lint` and `fix` read, and the verdict they judge it by.
#[derive(Debug)]
pub struct Target {
    /// Compose files, merged in order; none: the current directory's, as Compose finds them.
    pub paths: Vec<String>,
    /// Only this service.
    pub service: Option<String>,
    pub verdict: Verdict,
}

impl Target {
    /// The lint of the project; a file that cannot be read or understood is exit 2.
    pub fn lint(&self, catalogue: &Catalogue) -> Result<Linted, Failure> {
        lint(catalogue, &self.paths, self.service.as_deref()).map_err(Failure::Usage)
    }
}

/// What `lint` is asked to do.
#[derive(Debug)]
pub struct Options {
    pub target: Target,
    pub output: Output,
    pub look: Look,
}

pub fn run(catalogue: &Catalogue, opts: Options) -> Result<u8, Failure> {
    let linted = opts.target.lint(catalogue)?;
    let report = build(catalogue, &opts.target.verdict, &linted);
    crate::error::write_stdout(&report::render(&report, opts.output, opts.look))?;
    Ok(report.exit_code(false))
}

/// The report of a lint: one input per file read, one occurrence per finding, each
/// judged by the verdict as a log event would be (policy acceptances name the service).
pub fn build(catalogue: &Catalogue, verdict: &Verdict, linted: &Linted) -> Report {
    let mut flow = Flow::new(catalogue, verdict, seq_base(0));
    for f in &linted.findings {
        let source = f.file.display().to_string();
        flow.context(
            f.pattern,
            &f.located(),
            None,
            &source,
            &[&f.service, &f.service],
            &mut |_| {},
        );
    }
    let mut files: Vec<_> = linted
        .project
        .files
        .iter()
        .map(|f| (f.path.clone(), f.text.lines().count()))
        .collect();
    let mut mounted: Vec<_> = linted.mounted.values().cloned().collect();
    mounted.sort();
    mounted.dedup();
    for m in mounted {
        let lines = std::fs::read_to_string(&m).map_or(0, |t| t.lines().count());
        files.push((m, lines));
    }
    let stream = LogStream::new(None);
    let inputs = files
        .into_iter()
        .map(|(path, lines)| InputSummary {
            lines: lines as u64,
            ..InputSummary::of(
                Source::Config,
                crate::lint::tidy(&path).display().to_string(),
                Framing::None,
                Compression::None,
                &[&stream],
            )
        })
        .collect();
    report::build(catalogue, verdict, flow.finish(), inputs)
}
