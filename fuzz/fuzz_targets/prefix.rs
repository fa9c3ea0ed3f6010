//! The `log_line_prefix` compiler, its parser, and the detector that infers one from a
//! log's lines. Input: a prefix format on the first line (as `--prefix` would give it),
//! then lines whose prefixes are parsed and inferred from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::parse::prefix::Prefix;
use pgtriage::parse::stderr::{infer, label};

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    let format = String::from_utf8_lossy(lines.next().unwrap_or_default());
    let rest: Vec<&[u8]> = lines.collect();
    if let Ok(prefix) = Prefix::compile(&format) {
        let _ = prefix.format();
        for line in &rest {
            let _ = prefix.parse(line);
            let _ = prefix.parse_glued(line);
        }
    }
    // Detection sees what comes before each level label, as the stderr reader gives it.
    let prefixes: Vec<&[u8]> = rest
        .iter()
        .map(|l| match label::find_label(l) {
            Some(found) => &l[..found.prefix_len.min(l.len())],
            None => l,
        })
        .collect();
    if let Some(found) = infer::detect(&prefixes) {
        for p in &prefixes {
            let _ = found.parse(p);
        }
    }
});
