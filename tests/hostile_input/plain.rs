//! Damaged bytes in a plain text log: random bytes, invalid UTF-8, a 10 MB line, NULs,
//! CRLF line endings. The good part is sample-logs/sql-errors.log; the damage is made here.

use super::{
    analyze_stdin, assert_kept, assert_no_panic, beside_good, failed_report, garbage, good, report,
};

#[test]
fn random_bytes_at_the_start_are_refused_as_binary() {
    // Synthetic: 200 kB of pseudo-random bytes, nothing else.
    for seed in [1u64, 7, 99] {
        let out = analyze_stdin(&garbage(200_000, seed));
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "seed {seed}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("binary data"));
        // The document is complete JSON that names the error, never a partial one.
        let r = report(&out);
        assert!(r["inputs"][0]["error"].as_str().unwrap().contains("binary"));
    }
}

#[test]
fn random_bytes_after_a_real_log_keep_its_findings() {
    // Real lines, then 200 kB of synthetic pseudo-random bytes (NULs included).
    let mut input = good();
    input.extend(garbage(200_000, 3));
    let out = analyze_stdin(&input);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_kept(&report(&out));
}

#[test]
fn invalid_utf8_mid_record_is_read_as_text() {
    // Real lines; in the middle of one record's message, synthetic Latin-1 and high-bit
    // bytes that are not UTF-8.
    let text = good();
    let at = memchr_find(&text, b"relation \"invoice\" does not exist");
    let mut input = text[..at + 10].to_vec();
    input.extend_from_slice(b"\xe9\xff\xfe\xc3(");
    input.extend_from_slice(&text[at + 10..]);
    let out = analyze_stdin(&input);
    let r = failed_report(&out);
    // Everything but the damaged record is classified as before.
    for (id, n, got) in beside_good(&r) {
        assert!(got + 1 >= n, "{id}: {got} of {n}");
    }
    assert_eq!(
        r["inputs"][0]["records"],
        serde_json::json!(records_of(&text))
    );
}

#[test]
fn a_ten_megabyte_line_is_read_whole() {
    // Real lines around one synthetic 10 MB statement line in the same prefix.
    let text = good();
    let mut input = text.clone();
    input.extend_from_slice(
        b"2026-11-27 20:30:10.000 UTC [26228] postgres@postgres LOG:  statement: SELECT '",
    );
    input.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    input.extend_from_slice(b"'\n");
    input.extend_from_slice(&text);
    let out = analyze_stdin(&input);
    let r = failed_report(&out);
    assert_eq!(r["inputs"][0]["truncated_lines"], 0);
    assert_eq!(
        r["inputs"][0]["records"],
        serde_json::json!(2 * records_of(&text) + 1)
    );
    assert_kept(&r);
}

#[test]
fn nul_bytes_mid_file_are_read_past() {
    // Real lines, then a synthetic 64 kB block of NULs (what a crash leaves in a log on
    // some filesystems), then the real lines again.
    let text = good();
    let mut input = text.clone();
    input.extend(std::iter::repeat_n(0u8, 65536));
    input.extend_from_slice(&text);
    let out = analyze_stdin(&input);
    let r = failed_report(&out);
    for (id, n, got) in beside_good(&r) {
        assert_eq!(got, 2 * n, "{id}: both copies");
    }
}

#[test]
fn nul_bytes_at_the_start_are_refused_as_binary() {
    // Synthetic: NULs, then the real lines.
    let mut input = vec![0u8; 16];
    input.extend(good());
    let out = analyze_stdin(&input);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("binary data (a NUL byte at offset 0)"),
        "{err}"
    );
}

#[test]
fn crlf_line_endings_read_as_lf() {
    // The real log with its line ends rewritten to CRLF, as a Windows editor saves it.
    let text = good();
    let crlf: Vec<u8> = text
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|l| match l.strip_suffix(b"\n") {
            Some(l) => [l, b"\r\n"].concat(),
            None => l.to_vec(),
        })
        .collect();
    let out = analyze_stdin(&crlf);
    let r = failed_report(&out);
    assert_eq!(common_counts(&r), super::good_counts());
    assert_eq!(r["summary"]["unclassified"], 0);
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

fn common_counts(r: &serde_json::Value) -> std::collections::BTreeMap<String, u64> {
    super::common::finding_counts(r)
}

/// The records pgtriage reads in the undamaged text.
fn records_of(text: &[u8]) -> u64 {
    let out = analyze_stdin(text);
    report(&out)["inputs"][0]["records"].as_u64().unwrap()
}
