//! The hot stages of `analyze`, one benchmark each, so that a regression shows where it
//! is: line splitting, framing, prefix parsing, classification, normalisation. Input: every
//! real sample log of sample-logs/ (and the Docker json-file copies of sample-logs/framed/
//! for framing), held in memory. `cargo bench --bench stages`; throughput in bytes.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pgtriage::catalogue::Catalogue;
use pgtriage::collect::stats::normalize::normalize;
use pgtriage::parse::prefix::Prefix;
use pgtriage::parse::record::Record;
use pgtriage::parse::stderr::label::find_label;
use pgtriage::source::framing::Unframer;
use pgtriage::source::lines::LineSplitter;
use std::path::Path;

/// The sample logs of `dir` whose names end with `suffix`, concatenated.
fn logs(dir: &str, suffix: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect()
}

fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

fn stages(c: &mut Criterion) {
    let stderr = logs("sample-logs", ".log");
    let framed = logs("sample-logs/framed", ".json-file.log");
    let mut g = c.benchmark_group("stages");

    g.throughput(Throughput::Bytes(stderr.len() as u64));
    g.bench_function("split lines", |b| {
        b.iter(|| {
            let mut n = 0u64;
            let mut s = LineSplitter::default();
            for chunk in stderr.chunks(64 * 1024) {
                s.feed(chunk, &mut |l| n += l.len() as u64);
            }
            s.finish(&mut |l| n += l.len() as u64);
            black_box(n)
        })
    });

    g.throughput(Throughput::Bytes(framed.len() as u64));
    let framed_lines = lines(&framed);
    g.bench_function("peel json-file framing", |b| {
        b.iter(|| {
            let mut u = Unframer::default();
            let mut n = 0usize;
            for l in &framed_lines {
                u.push(l, &mut |f| n += f.text.len());
            }
            black_box(n)
        })
    });

    g.throughput(Throughput::Bytes(stderr.len() as u64));
    let stderr_lines = lines(&stderr);
    let prefix = Prefix::compile("%m [%p] ").unwrap();
    g.bench_function("find label and parse prefix", |b| {
        b.iter(|| {
            let mut pids = 0u64;
            for l in &stderr_lines {
                if let Some(label) = find_label(l) {
                    let f = prefix.parse(&l[..label.prefix_len]);
                    pids += f.and_then(|f| f.pid).map_or(0, u64::from);
                }
            }
            black_box(pids)
        })
    });

    let catalogue = Catalogue::builtin().unwrap();
    let messages: Vec<(Option<_>, &[u8])> = stderr_lines
        .iter()
        .filter_map(|l| find_label(l).map(|f| (Some(f.level), &l[f.message_start..])))
        .collect();
    g.throughput(Throughput::Bytes(
        messages.iter().map(|(_, m)| m.len() as u64).sum(),
    ));
    g.bench_function("classify messages", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for (level, message) in &messages {
                let r = Record {
                    line: message,
                    level: *level,
                    message,
                    lines: 1,
                    ..Record::default()
                };
                hits += catalogue.classify(&r).map_or(0, |m| m.pattern);
            }
            black_box(hits)
        })
    });

    let statements: Vec<&[u8]> = messages
        .iter()
        .filter_map(|(_, m)| {
            let at = memchr::memmem::find(m, b"statement: ")?;
            Some(&m[at + 11..])
        })
        .collect();
    g.throughput(Throughput::Bytes(
        statements.iter().map(|s| s.len() as u64).sum(),
    ));
    g.bench_function("normalise statements", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0usize;
            for s in &statements {
                normalize(&mut out, s);
                n += out.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
