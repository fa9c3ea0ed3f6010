//! Assembly edge cases (hand-made lines in PostgreSQL's layout): continuations join their
//! parent, session fields carry.

use super::*;

fn text(b: Option<&[u8]>) -> String {
    b.map_or("-".into(), |d| String::from_utf8_lossy(d).into_owned())
}

/// Assembles `lines` with `prefix`, describing each record with `show`.
fn assemble_with(
    prefix: &str,
    lines: &[&str],
    show: fn(&Record<'_>) -> String,
) -> (Vec<String>, LineCounts) {
    let mut a = Assembler::new(Some(Prefix::compile(prefix).unwrap()), Evidence::default());
    let mut out = Vec::new();
    let mut sink = |r: &Record<'_>| out.push(show(r));
    for l in lines {
        let framed = Framed::plain(l.as_bytes());
        a.push(framed, &mut sink);
    }
    a.flush(&mut sink);
    (out, a.counts().clone())
}

/// Hand-made lines in PostgreSQL's layout, to test assembly edge cases only.
#[test]
fn details_and_tab_lines_join_their_parent() {
    let (recs, counts) = assemble_with(
        "%m [%p] ",
        &[
            "2024-01-01 00:00:00.000 UTC [10] ERROR:  boom",
            "2024-01-01 00:00:00.000 UTC [10] DETAIL:  why",
            "\tmore why",
            "2024-01-01 00:00:00.000 UTC [11] DETAIL:  not ours",
            "2024-01-01 00:00:00.000 UTC [10] STATEMENT:  select 1",
            "",
            "initdb: warning: enabling \"trust\" authentication for local connections",
            "initdb: hint: You can change this",
            "sh: 1: locale: not found",
        ],
        |r| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                r.level.map_or("-", |l| l.as_str()),
                r.pid.map_or("-".into(), |p| p.to_string()),
                String::from_utf8_lossy(r.message),
                text(r.detail),
                text(r.continuation),
                r.lines
            )
        },
    );
    assert_eq!(
        recs,
        vec![
            "ERROR|10|boom|why|-|4",
            "-|-|enabling \"trust\" authentication for local connections|-|-|2",
            "-|-|sh: 1: locale: not found|-|-|1",
        ]
    );
    assert_eq!(counts.lines, 9);
    assert_eq!(counts.records, 3);
    assert_eq!(counts.orphan_lines, 1);
    assert_eq!(counts.blank_lines, 1);
    assert_eq!(counts.continuation_lines, 4);
}

/// The autovacuum report of sample-logs/maintenance-autovacuum.log keeps its TAB-led
/// lines; then hand-made lines for the session fields and a statement continued over
/// lines, where only the message's own TAB lines are its continuation.
#[test]
fn continuation_and_session_fields() {
    let log = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-logs/maintenance-autovacuum.log"
    ))
    .unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let (recs, _) = assemble_with("%m [%p] ", &lines, |r| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(r.message),
            text(r.continuation)
        )
    });
    let vacuum = recs
        .iter()
        .find(|r| r.starts_with("automatic vacuum of table"))
        .expect("an autovacuum report");
    let cont = vacuum.split_once('\n').unwrap().1;
    assert!(cont.starts_with("pages: "), "{cont}");
    assert!(cont.contains("\ntuples: "), "{cont}");
    assert!(!cont.contains('\t'), "{cont}");

    let (recs, _) = assemble_with(
        "%m [%p] %q%u@%d/%a %r ",
        &[
            "2024-01-01 00:00:00.000 UTC [10] app@shop/psql 10.0.0.1(5432) LOG:  statement: SELECT 1",
            "\tFROM t",
            "\tWHERE x",
            "2024-01-01 00:00:00.000 UTC [10] app@shop/psql 10.0.0.1(5432) STATEMENT:  SELECT 1",
            "\tnot the message",
        ],
        |r| {
            [r.user, r.database, r.application, r.client, r.continuation]
                .map(text)
                .join("|")
        },
    );
    assert_eq!(recs, vec!["app|shop|psql|10.0.0.1(5432)|FROM t\nWHERE x"]);
}
