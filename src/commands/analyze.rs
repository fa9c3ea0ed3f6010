//! `pgtriage analyze`: saved logs in, one report out.

use crate::analyze::Analysis;
use crate::catalogue::Catalogue;
use crate::cli::AnalyzeArgs;
use crate::error::Failure;
use crate::parse::prefix::Prefix;
use crate::pipeline::{LogFormat, LogStream};
use crate::report::{self, InputCounts, InputSummary, Report};
use crate::source;
use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

/// Bytes read per call: large, so the per-line work dominates, not the system calls.
const CHUNK: usize = 1 << 20;
/// Inputs larger than this get a progress line on a terminal.
const PROGRESS_FROM: u64 = 64 << 20;
/// Bytes of an input's start checked for NUL bytes, which no text log contains.
const BINARY_CHECK: usize = 8192;

/// Reads every input into one report; the flag says whether an input failed mid-way.
pub fn collect(catalogue: &Catalogue, args: &AnalyzeArgs) -> Result<(Report, bool), Failure> {
    let prefix = args
        .prefix
        .as_deref()
        .map(Prefix::compile)
        .transpose()
        .map_err(Failure::Usage)?;
    let paths: Vec<String> = if args.paths.is_empty() {
        vec!["-".into()]
    } else {
        args.paths.clone()
    };
    // Open everything first: a missing file is a usage error before any output.
    let opened = paths
        .iter()
        .map(|p| source::open(p).map(|o| (p, o)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Usage)?;
    let gate = args.gate.resolve(catalogue)?;
    let mut analysis = Analysis::new(catalogue, gate.policy, gate.show_sensitive);
    let mut inputs = Vec::new();
    let mut read_failed = false;
    for (name, opened) in opened {
        let summary = read_one(
            catalogue,
            &mut analysis,
            name,
            opened,
            args.format,
            prefix.clone(),
        );
        if let Some(e) = &summary.error {
            eprintln!("pgtriage: {name}: {e}");
            read_failed = true;
        }
        inputs.push(summary);
    }
    let report = Report::build(
        catalogue,
        &analysis,
        inputs,
        gate.env,
        gate.fail_on,
        gate.baseline.as_ref(),
    );
    Ok((report, read_failed))
}

pub fn run(catalogue: &Catalogue, args: &AnalyzeArgs) -> Result<u8, Failure> {
    let (report, read_failed) = collect(catalogue, args)?;
    let text = report::render(&report, args.output, std::io::stdout().is_terminal());
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Failure::Usage(format!("cannot write the report: {e}")));
        }
    }
    Ok(if read_failed {
        2
    } else {
        u8::from(report.summary.failed)
    })
}

fn read_one(
    catalogue: &Catalogue,
    analysis: &mut Analysis,
    name: &str,
    mut opened: source::Opened,
    format: LogFormat,
    prefix: Option<Prefix>,
) -> InputSummary {
    let mut stream = LogStream::with_format(format, prefix);
    let mut sink = |r: &crate::parse::record::Record<'_>| {
        // A compose log names `db-1`; policies may say the container or the service `db`.
        let names = r
            .service
            .and_then(|s| std::str::from_utf8(s).ok())
            .map(|s| {
                let service = s.trim_end_matches(|c: char| c.is_ascii_digit());
                [s, service.trim_end_matches(['-', '_'])]
            });
        analysis.add(catalogue, r, names.as_ref().map_or(&[][..], |n| &n[..]));
    };
    let mut buf = vec![0u8; CHUNK];
    let mut error = None;
    let mut total = 0u64;
    let progress = opened
        .size
        .filter(|s| *s >= PROGRESS_FROM && std::io::stderr().is_terminal());
    let mut last_progress = Instant::now();
    loop {
        match opened.reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if total == 0 {
                    if let Some(at) = memchr::memchr(0, &buf[..n.min(BINARY_CHECK)]) {
                        error = Some(format!(
                            "binary data (a NUL byte at offset {at}), not a text log"
                        ));
                        break;
                    }
                }
                total += n as u64;
                stream.feed(&buf[..n], &mut sink);
                if let Some(size) = progress {
                    if last_progress.elapsed() > Duration::from_secs(1) {
                        // Compressed inputs report decompressed bytes against the file size.
                        eprint!(
                            "\r{name}: {} MiB read ({} MiB on disk)",
                            total >> 20,
                            size >> 20
                        );
                        last_progress = Instant::now();
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(crate::error::io_reason(&e));
                break;
            }
        }
    }
    if progress.is_some() {
        eprintln!();
    }
    stream.finish(&mut sink);
    let counts = stream.counts();
    InputSummary {
        source: if name == "-" {
            report::Source::Stdin
        } else {
            report::Source::File
        },
        name: if name == "-" {
            "<stdin>".into()
        } else {
            name.to_string()
        },
        format: stream.format(),
        framing: stream.framing().dominant(),
        compression: opened.compression,
        prefix: stream.prefix_format().map(str::to_string),
        lines: counts.lines,
        records: counts.records,
        counts: InputCounts::from_lines(counts, stream.truncated_lines()),
        error,
    }
}
