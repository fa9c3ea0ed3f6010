//! `pgtriage analyze`: saved logs in, one report out.

use super::read::read_one;
pub use super::read::{Options, Window, CHUNK_BYTES};
use crate::catalogue::Catalogue;
use crate::collect::seq_base;
use crate::error::Failure;
use crate::flow::Flow;
use crate::report::{self, InputSummary, Report};
use crate::source;

/// Reads every input into one report; the flag says whether an input failed mid-way.
pub fn collect(catalogue: &Catalogue, opts: &Options) -> Result<(Report, bool), Failure> {
    let paths: Vec<&str> = if opts.paths.is_empty() {
        vec!["-"]
    } else {
        opts.paths.iter().map(String::as_str).collect()
    };
    // Open everything first: a missing file is a usage error before any output.
    let opened = paths
        .iter()
        .map(|p| source::open(p).map(|o| (*p, o)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Usage)?;
    let new_flow = |first_seq| {
        let flow = Flow::new(catalogue, &opts.verdict, first_seq);
        if opts.stats {
            flow.with_stats()
        } else {
            flow
        }
    };
    let mut flow = new_flow(0);
    let mut inputs = Vec::new();
    let mut read_failed = false;
    let mut take = |one, summary: InputSummary| {
        flow.merge(one);
        if let Some(e) = &summary.error {
            eprintln!("pgtriage: {}: {e}", summary.name);
            read_failed = true;
        }
        inputs.push(summary);
    };
    if opts.threads > 1 {
        super::parallel::read_all(opened, opts, &new_flow, &mut take);
    } else {
        for (index, (name, opened)) in opened.into_iter().enumerate() {
            let mut one = new_flow(seq_base(index));
            let summary = read_one(&mut one, name, opened, opts);
            take(one, summary);
        }
    }
    let report = report::build(catalogue, &opts.verdict, flow.finish(), inputs);
    Ok((report, read_failed))
}

pub fn run(catalogue: &Catalogue, opts: Options) -> Result<u8, Failure> {
    let (report, read_failed) = collect(catalogue, &opts)?;
    let text = report::render(&report, opts.output, opts.look);
    crate::error::write_stdout(&text)?;
    Ok(report.exit_code(read_failed))
}
