//! Real stderr logs from pgBadger's test suite (../shared/data/pgbadger-fixtures, not part
//! of this repository): the prefix is detected, and every line is part of a record or
//! counted as not belonging to one. Without the data: skipped with a note, or failed under CI.

mod common;

/// File, the log_line_prefix it was written with (its SOURCE.md, with the space before the
/// level that the lines show), and the records pgtriage must find.
const CASES: &[(&str, &str, u64)] = &[
    // 629 statements (pgBadger's t/03_consistency.t counts 629 queries) + 1 startup line.
    (
        "light.postgres.log.bz2",
        "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
        630,
    ),
    // 2094 automatic vacuums + 1450 automatic analyzes, as pgBadger's tests assert.
    (
        "pg_vacuums.log.gz",
        "%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a ",
        2094 + 1450,
    ),
    (
        "begin_end.log",
        "%t [%p]: db=%d,user=%u,app=%a,client=%h ",
        24,
    ),
    ("pg-timezones.log", "%t:%h:%u@%d:[%p]:", 2),
    ("multiline_param.log", "%m [%p] user=%u,db=%d ", 8),
    ("stmt_type.log", "%m [%p] ", 12),
];

/// The structured and wrapped formats: file, format, framing, records.
const STRUCTURED: &[(&str, &str, &str, u64)] = &[
    // The same 2094 vacuums + 1450 analyzes as pg_vacuums.log, as jsonlog.
    ("pg_vacuums.json.gz", "jsonlog", "none", 2094 + 1450),
    ("csv_statement_without_duration.log", "csvlog", "none", 2),
    // 2022 lines: 1975 csvlog records, 2 raw stderr lines passed through (their 2 HINTs
    // join them), 43 lines of the operator's own components (not server records).
    ("cnpg.log.gz", "jsonlog", "none", 1977),
    ("cloudsql.log.gz", "stderr", "cloud-logging", 1268),
];

#[test]
fn structured_and_cloud_fixtures_are_read_as_their_format() {
    let Some(shared) = common::shared_data() else {
        return;
    };
    for (file, format, framing, records) in STRUCTURED {
        let path = shared.join("pgbadger-fixtures").join(file);
        let r = common::analyze_json(
            &[
                "--no-policy",
                "--fail-on",
                "critical",
                common::path_str(&path),
            ],
            0,
        );
        let input = &r["inputs"][0];
        assert_eq!(input["format"], *format, "{file}");
        assert_eq!(input["framing"], *framing, "{file}");
        assert_eq!(input["records"], *records, "{file}");
        assert_eq!(
            input["unprefixed_records"], 0,
            "{file}: every line understood"
        );
    }
}

#[test]
fn stderr_fixtures_parse_with_their_prefix_detected() {
    let Some(shared) = common::shared_data() else {
        return;
    };
    for (file, prefix, records) in CASES {
        let path = shared.join("pgbadger-fixtures").join(file);
        let r = common::analyze_json(&[common::path_str(&path)], 0);
        let input = &r["inputs"][0];
        assert_eq!(input["prefix"], *prefix, "{file}");
        assert_eq!(input["records"], *records, "{file}");
        assert_eq!(input["prefix_mismatches"], 0, "{file}");
        let n = |k: &str| input[k].as_u64().unwrap();
        // Every line is a record, part of one, blank, or reported as an orphan.
        assert_eq!(
            n("lines"),
            n("records") + n("continuation_lines") + n("orphan_lines") + n("blank_lines"),
            "{file}: {input}"
        );
    }
}
