//! Every output format over the hostile inputs: the renderers see what the readers made
//! of the damage (odd bytes in samples, cut records, records without time), and none may
//! panic or change the status the JSON report gives. Good part real, damage synthetic, as
//! in the other files here.

use super::{assert_no_panic, garbage, good, temp_file};

const FORMATS: [&str; 7] = [
    "table", "json", "jsonl", "markdown", "github", "junit", "html",
];

/// The hostile inputs that are cheap to read, each a file of its own.
pub(super) fn inputs() -> Vec<(&'static str, tempfile::NamedTempFile)> {
    let text = good();
    let mut after_garbage = text.clone();
    after_garbage.extend(garbage(50_000, 11));
    let mut nul_block = text.clone();
    nul_block.extend(std::iter::repeat_n(0u8, 10_000));
    nul_block.extend_from_slice(&text);
    let crlf: Vec<u8> = text
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    let utf8: Vec<u8> = text
        .iter()
        .map(|&b| if b == b'o' { 0xff } else { b })
        .collect();
    let no_prefix: Vec<u8> = String::from_utf8_lossy(&text)
        .lines()
        .map(|l| format!("<<?>> {}\n", l.split_once("] ").map_or(l, |(_, r)| r)))
        .collect::<String>()
        .into_bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &text.repeat(50)).unwrap();
    let gz = gz.finish().unwrap();
    vec![
        ("garbage after", temp_file(".log", &after_garbage)),
        ("NUL block", temp_file(".log", &nul_block)),
        ("CRLF", temp_file(".log", &crlf)),
        ("invalid UTF-8", temp_file(".log", &utf8)),
        ("no prefix", temp_file(".log", &no_prefix)),
        ("truncated gz", temp_file(".log.gz", &gz[..gz.len() / 2])),
    ]
}

#[test]
fn every_format_over_every_hostile_input_keeps_the_status() {
    for (what, file) in inputs() {
        let path = super::common::path_str(file.path());
        let json = super::common::pgtriage(&["analyze", "--no-policy", "--output", "json", path]);
        assert_no_panic(&json);
        for format in FORMATS {
            let out =
                super::common::pgtriage(&["analyze", "--no-policy", "--output", format, path]);
            assert_no_panic(&out);
            assert_eq!(out.status.code(), json.status.code(), "{what}, {format}");
            assert!(!out.stdout.is_empty(), "{what}, {format}: no report");
        }
    }
}
