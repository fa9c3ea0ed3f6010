use super::*;

/// The occurrences a free-text escape tries are those `memmem` finds, self-overlapping
/// needles included.
#[test]
fn occurrences_are_memmems() {
    let hay: &[&[u8]] = &[
        b"",
        b"a",
        b"a:::b::",
        b"aaaa",
        b"user=x,db=y,db=,app=",
        b"::",
    ];
    let needles: &[&[u8]] = &[b":", b"::", b"aa", b",db=", b" ", b"a:::b::x"];
    for h in hay {
        for n in needles {
            let want: Vec<usize> = memchr::memmem::find_iter(h, n).collect();
            assert_eq!(occurrences(h, n).collect::<Vec<_>>(), want, "{h:?} {n:?}");
        }
    }
}

#[test]
fn compiled_prefix_reads_its_fields() {
    let p = Prefix::compile("%m [%p] %q%u@%d/%a %h ").unwrap();
    let f = p
        .parse(b"2026-11-27 19:40:01.123 UTC [42] app@shop/psql [local] ")
        .unwrap();
    assert_eq!(f.pid, Some(42));
    assert_eq!(f.application, Some(&b"psql"[..]));
    assert_eq!(f.client, Some(&b"[local]"[..]));
    assert_eq!(f.user, Some(&b"app"[..]));
    assert_eq!(f.database, Some(&b"shop"[..]));
    assert_eq!(f.time, Some(&b"2026-11-27 19:40:01.123 UTC"[..]));
    // A background process stops at %q.
    let bg = p.parse(b"2026-11-27 19:40:01.123 UTC [7] ").unwrap();
    assert_eq!(bg.pid, Some(7));
    assert!(p.parse(b"garbage ").is_none());
}

/// A zone is letters or an offset, so the `-` after `%t` is the format's. The first
/// prefix is one a PostgreSQL 15 server wrote with `%t-%c-%l ` (scripts/
/// gen-translated-logs.sh); the numeric-zone ones are hand-made edge cases.
#[test]
fn the_zone_ends_where_the_format_goes_on() {
    let p = Prefix::compile("%t-%c-%l ").unwrap();
    let f = p
        .parse(b"2026-12-03 08:41:00 UTC-6b112b1c.77e1-1 ")
        .unwrap();
    assert_eq!(f.time, Some(&b"2026-12-03 08:41:00 UTC"[..]));
    let p = Prefix::compile("%m [%p] ").unwrap();
    let f = p.parse(b"2026-12-03 05:41:00.125 -03 [42] ").unwrap();
    assert_eq!(f.time, Some(&b"2026-12-03 05:41:00.125 -03"[..]));
    assert!(p.parse(b"2026-12-03 05:41:00.125 UTC-3 [42] ").is_none());
}

/// Lines PostgreSQL servers wrote (scripts/gen-translated-logs.sh: C@azure, C@type-tag,
/// C@numbers on 15, C@addresses on 18).
#[test]
fn every_escape_reads_real_lines() {
    // No %p: the pid is the session id's second half.
    let p = Prefix::compile("%t-%c-").unwrap();
    let f = p.parse(b"2026-12-03 16:37:30 UTC-6b119aca.320e-").unwrap();
    assert_eq!(f.pid, Some(0x320e));
    // Free text side by side, with spaces in the values: where one ends is tried.
    let p = Prefix::compile("%m [%p] %b %i ").unwrap();
    for line in [
        "2026-12-03 16:38:32.010 UTC [18634] postmaster  ",
        "2026-12-03 16:38:32.934 UTC [18701] client backend LOCK TABLE ",
    ] {
        assert!(p.parse(line.as_bytes()).is_some(), "{line}");
    }
    // %P is empty outside parallel workers; %Q is signed; %% is a literal.
    let p = Prefix::compile("%n [%p] %P %e %s %v %x %Q %% ").unwrap();
    let f = p
        .parse(
            b"1796315920.590 [19139]  28P01 2026-12-03 16:38:40 UTC 3/11 0 -677875445740200323 % ",
        )
        .unwrap();
    assert_eq!((f.pid, f.sqlstate), (Some(19139), Some(&b"28P01"[..])));
    assert!(f.epoch);
    let p = Prefix::compile("%m [%p] %L %r %h %u %d %a: ").unwrap();
    let f = p
        .parse(b"2026-12-03 16:44:29.941 UTC [31387] 127.0.0.1 127.0.0.1(50002) 127.0.0.1 postgres postgres [unknown]: ")
        .unwrap();
    assert_eq!(f.user, Some(&b"postgres"[..]));
    assert_eq!(f.application, Some(&b"[unknown]"[..]));
    assert!(p
        .parse(b"2026-12-03 16:44:29.791 UTC [31348] [none]     : ")
        .is_some());
}

#[test]
fn bad_formats_are_refused() {
    assert!(Prefix::compile("%m %").is_err());
    assert!(Prefix::compile("%m %y").is_err());
}

/// Hand-made prefixes (not server output) whose times repeat the last line's bytes but
/// for what follows them: a longer zone, a zone that runs into the next text, an offset, a
/// fraction, a time where the prefix ends.
const SAME_SECOND: &[&[u8]] = &[
    b"2024-01-02 03:04:05.690 UTC [22] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 UTC [23] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 UTCX [24] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 UTC[25] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 UTC",
    b"2024-01-02 03:04:05.690 UTC ",
    b"2024-01-02 03:04:05.690 +01 [26] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 +0100 [27] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 +0100 [28] carol@shop app=psql ",
    b"2024-01-02 03:04:05.690 +01000 [29] carol@shop app=psql ",
    b"2024-01-02 03:04:05.6901 UTC [30] carol@shop app=psql ",
    b"2024-01-02 03:04:05 UTC [31] carol@shop app=psql ",
];

/// Hand-made prefixes (not server output), each the text before a line's level label:
/// reading lines one after another with the last line's free text held gives what reading
/// each alone gives, whether the free text repeats, changes, or a line between fails or
/// takes the short path of a non-session process.
#[test]
fn a_line_that_repeats_the_last_free_text_reads_as_it_would_alone() {
    let p = Prefix::compile("%m [%p] %q%u@%d app=%a ").unwrap();
    let lines: &[&[u8]] = &[
        b"2024-01-02 03:04:05.678 UTC [10] alice@shop app=psql ",
        b"2024-01-02 03:04:05.679 UTC [11] alice@shop app=psql ",
        b"2024-01-02 03:04:05.680 UTC [12] ",
        b"2024-01-02 03:04:05.681 UTC [13] alice@shop app=psql ",
        b"2024-01-02 03:04:05.682 UTC [14] bob@shop app=psql ",
        b"2024-01-02 03:04:05.683 UTC [15] bob@shop app=",
        b"2024-01-02 03:04:05.684 UTC [16] bob@shop app=psql ",
        b"2024-01-02 03:04:05.685 UTC [x] bob@shop app=psql ",
        b"2024-01-02 03:04:05.686 UTC [17] bob@shop app=psql ",
        b"2024-01-02 03:04:05.687 UTC [18] bob@shop app=a@b ",
        b"2024-01-02 03:04:05.688 UTC [19] alice@shop app=psql ",
        b"2024-01-02 03:04:05.689 UTC [20] carol@shop app=psql ",
        b"2024-01-02 03:04:05.690 UTC [21] carol@hshop app=psq ",
    ];
    let mut last = Repeat::default();
    for _ in 0..2 {
        for line in lines.iter().chain(SAME_SECOND) {
            let alone = p.parse(line);
            assert_eq!(p.parse_next(line, &mut last), alone, "{line:?}");
        }
    }
    let read = p.parse_next(lines[1], &mut last).unwrap();
    assert_eq!(read.pid, Some(11));
    assert_eq!(read.user, Some(&b"alice"[..]));
    assert_eq!(read.application, Some(&b"psql"[..]));
}

/// Hand-made prefixes (not server output): a time whose zone letters run into the next
/// field reads the same after a line with that time and another byte after it.
#[test]
fn a_repeated_time_is_read_again_where_the_byte_after_it_differs() {
    let p = Prefix::compile("%m%a:").unwrap();
    let mut last = Repeat::default();
    for line in [
        &b"2024-01-02 03:04:05.690 UTC:"[..],
        b"2024-01-02 03:04:05.690 UTCpsql:",
        b"2024-01-02 03:04:05.690 UTC:",
        b"2024-01-02 03:04:05.690 UTC:",
    ] {
        let alone = p.parse(line);
        assert!(alone.is_some());
        assert_eq!(p.parse_next(line, &mut last), alone, "{line:?}");
    }
}

/// Reads `lines` in order as a stream's assembler does (`label_and_fields`), checking each
/// against `find_label` and `parse` on the line alone; how many were read on from the last
/// line's label rather than searched.
fn read_on(p: &Prefix, lines: &[&[u8]]) -> usize {
    let mut last = Repeat::default();
    let mut repeated = 0;
    for line in lines {
        let mut fields = PrefixFields::default();
        repeated += usize::from(last.walk_line(&p.first, line, &mut fields).is_some());
        let label = find_label(line);
        let alone = label
            .filter(|l| l.prefix_len > 0)
            .and_then(|l| p.parse(&line[..l.prefix_len]));
        let mut fields = None;
        let read = p.label_and_fields(line, &mut last, &mut fields);
        assert_eq!(
            (read, fields),
            (label, alone),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    repeated
}

/// Every `.log` under `dir`, in name order.
fn logs_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut logs = Vec::new();
    for path in entries {
        if path.is_dir() {
            logs.extend(logs_under(&path));
        } else if path.extension().is_some_and(|e| e == "log") {
            logs.push(path);
        }
    }
    logs
}

/// Real logs (sample-logs/, written by real servers; each read with the prefix detection
/// finds in it): every line's label and prefix fields read on from the last line's are
/// those found in the line alone, and the busy logs are mostly read on.
#[test]
fn a_line_read_on_from_the_last_label_reads_as_it_would_alone() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let (mut lines, mut repeated) = (0, 0);
    for path in logs_under(&dir) {
        let text = std::fs::read(&path).unwrap();
        let stream = crate::pipeline::LogStream::read_whole(&text);
        let Some(format) = stream.prefix_format() else {
            continue;
        };
        let p = Prefix::compile(format).unwrap();
        let log: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
        let n = read_on(&p, &log);
        (lines, repeated) = (lines + log.len(), repeated + n);
    }
    assert!(
        lines > 10_000 && repeated * 3 > lines,
        "{repeated} of {lines}"
    );
}

/// Hand-made lines (not server output), each pair read in order: the second repeats the
/// first's bytes from its free text on, but something the memory must not take on trust
/// differs, so it reads as it would alone: a label before the free text (`ERROR: ` as the
/// `%e`), capitals of the `%e` that run into the label word, a colon after the free text's
/// start that the `%e` turns into a label's, spaces that ran to the line's end, a label
/// pushed past the search window by a longer `%l`.
#[test]
fn a_line_is_searched_where_its_repeated_bytes_do_not_decide_its_label() {
    let wide = "a".repeat(990);
    let cases: [(&str, [String; 2]); 5] = [
        (
            "%e: %u ",
            ["00000: bob LOG:  x".into(), "ERROR: bob LOG:  x".into()],
        ),
        (
            "%m %e%u",
            [
                "2024-01-02 03:04:05.000 UTC 00000LOG:  x".into(),
                "2024-01-02 03:04:05.000 UTC ABCDELOG:  x".into(),
            ],
        ),
        (
            "%m %e%u",
            [
                "2024-01-02 03:04:05.000 UTC 00000OG: bob LOG:  x".into(),
                "2024-01-02 03:04:05.000 UTC 0000LOG: bob LOG:  x".into(),
            ],
        ),
        (
            "%m [%p] ",
            [
                "2024-01-02 03:04:05.000 UTC [1] LOG:  ".into(),
                "2024-01-02 03:04:05.000 UTC [2] LOG:   x".into(),
            ],
        ),
        (
            "[%l] %u ",
            [
                format!("[1] {wide} LOG:  x"),
                format!("[{}] {wide} LOG:  x", "1".repeat(40)),
            ],
        ),
    ];
    for (format, lines) in &cases {
        let p = Prefix::compile(format).unwrap();
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        assert_eq!(read_on(&p, &lines), 0, "{format}");
    }
    // The same pairs where nothing but the prefix's own values differ are read on.
    let p = Prefix::compile("%e: %u ").unwrap();
    assert_eq!(
        read_on(&p, &[b"00000: bob LOG:  x", b"42P01: bob LOG:  y"]),
        1
    );
    let p = Prefix::compile("%m [%p] ").unwrap();
    let docker: [&[u8]; 3] = [
        b"2024-01-02 03:04:05.000 UTC [1] LOG:  ",
        b"2024-01-02 03:04:05.001 UTC [22] LOG:  x",
        b"2024-01-02 03:04:05.001 UTC [22] LOG:  y",
    ];
    assert_eq!(read_on(&p, &docker), 2);
}
