//! Damaged csvlog and jsonlog. The good lines are real: PostgreSQL 9.3's csvlog from
//! tests/framings/csvlog-9.3.csv (its source is in SOURCES.md there) and the jsonlog of
//! pgBadger's pg_vacuums.json fixture (shared data); the damage is made here.

use super::{analyze_stdin, assert_no_panic, report};
use std::io::Read;

fn csvlog() -> Vec<u8> {
    std::fs::read(super::common::repo().join("tests/framings/csvlog-9.3.csv")).unwrap()
}

#[test]
fn an_unterminated_csv_quote_loses_only_its_own_record() {
    let good = csvlog();
    // Synthetic: a csvlog line whose message field opens a quote that never closes, then
    // the real lines again.
    let mut input = good.clone();
    input.extend_from_slice(
        b"2015-07-14 11:23:24.000 EDT,,,8313,,55a5296b.2079,3,,2015-07-14 11:23:23 EDT,,0,LOG,00000,\"cut here\n",
    );
    input.extend_from_slice(&good);
    let out = analyze_stdin(&input);
    assert_no_panic(&out);
    let r = report(&out);
    assert_eq!(r["inputs"][0]["format"], "csvlog");
    // csv allows newlines in a quoted field, but not a whole new row: the reader hands
    // the cut record out as text at the next row and reads on from there.
    assert_eq!(r["inputs"][0]["records"], 9, "{r}");
    let counts = super::common::finding_counts(&r);
    assert_eq!(counts.get("server.ready"), Some(&2), "{r}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_csv_quote_left_open_at_the_end_is_still_a_record() {
    let mut input = csvlog();
    // Synthetic: the last line cut inside its message (a log copied while written).
    input.extend_from_slice(
        b"2015-07-14 11:23:24.000 EDT,,,8313,,55a5296b.2079,3,,2015-07-14 11:23:23 EDT,,0,FATAL,00000,\"cut he",
    );
    let out = analyze_stdin(&input);
    assert_no_panic(&out);
    let r = report(&out);
    assert_eq!(r["inputs"][0]["records"], 5, "{r}");
    assert_eq!(
        super::common::finding_counts(&r).get("server.ready"),
        Some(&1)
    );
}

/// The first `n` lines of pgBadger's jsonlog fixture, or `None` without the shared data.
fn jsonlog(n: usize) -> Option<Vec<u8>> {
    let path = super::common::shared_file("pgbadger-fixtures/pg_vacuums.json.gz")?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().take(n).collect();
    Some(format!("{}\n", lines.join("\n")).into_bytes())
}

#[test]
fn jsonlog_lines_that_are_not_objects_are_counted_not_fatal() {
    let Some(good) = jsonlog(40) else { return };
    let alone_out = analyze_stdin(&good);
    let alone = report(&alone_out);
    // Synthetic: JSON that is not an object, JSON cut short, and not JSON at all, between
    // two copies of the real lines.
    let mut input = good.clone();
    input.extend_from_slice(
        b"[1,2,3]\n\"a string\"\n42\nnull\n{\"timestamp\":\"2024-06-27\n{]\nnot json\n",
    );
    input.extend_from_slice(&good);
    let out = analyze_stdin(&input);
    assert_no_panic(&out);
    let r = report(&out);
    assert_eq!(r["inputs"][0]["format"], "jsonlog");
    let before = super::common::finding_counts(&alone);
    let now = super::common::finding_counts(&r);
    for (id, n) in &before {
        assert_eq!(now.get(id), Some(&(2 * n)), "{id}: {now:?}");
    }
    assert_eq!(out.status.code(), alone_out.status.code());
}
