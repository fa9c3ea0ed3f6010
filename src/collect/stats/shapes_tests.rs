use super::*;
use crate::collect::stats::normalize::normalize;

/// Statements from pgBadger's light.postgres.log fixture (pgbench) and the project's
/// sql-statements sample log, with hand-made ones (not server output) for the steps that
/// read ahead: comments, quotes, dollar quotes, `IN` lists, words with digits.
const STATEMENTS: &[&str] = &[
    "BEGIN;",
    "END;",
    "UPDATE pgbench_accounts SET abalance = abalance + 1850 WHERE aid = 38526;",
    "UPDATE pgbench_branches SET bbalance = bbalance + -2139 WHERE bid = 9;",
    "SELECT abalance FROM pgbench_accounts WHERE aid = 41735;",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 15538, 3950, CURRENT_TIMESTAMP);",
    "UPDATE customers SET email = 'alice@example.org' WHERE id = 1",
    "SELECT max(id) FROM customers",
    "select * from t1 where a in (1, 2,3) and b = 'x''y' -- note 7\n and c = $1 and d = 12",
    "/* app 3 */ SELECT $f$body 4$f$, E'\\n', \"Col1\" FROM s.t2 WHERE x=-5",
    "SELECT 1",
    "5",
];

/// Bytes put in a statement's place to make others: digits and what starts or ends the
/// steps that read ahead.
const PUT: &[u8] = b"09aZ_. -+,()'\"$/*\n;e";

fn fresh(text: &[u8]) -> (String, StatementType) {
    let mut out = Vec::new();
    normalize(&mut out, text);
    let kind = statement_type(&out);
    let shape = String::from_utf8(out).unwrap();
    let shape = if shape.is_empty() {
        EMPTY.to_string()
    } else {
        shape
    };
    (shape, kind)
}

fn remembered(shapes: &mut Shapes, text: &[u8]) -> (String, StatementType) {
    let shape = shapes.of(text, None);
    (shape.key.to_string(), shape.kind)
}

fn places_used(shapes: &Shapes) -> usize {
    shapes.known.iter().filter(|k| k.used > 0).count()
}

/// Every statement with each byte replaced by each of `PUT`, or removed, or doubled, after
/// the statement itself was remembered: the shape and type are what normalising gives.
#[test]
fn a_statement_changed_anywhere_has_the_shape_normalising_gives() {
    let mut shapes = Shapes::default();
    for s in STATEMENTS {
        let s = s.as_bytes();
        for at in 0..s.len() {
            let mut others: Vec<Vec<u8>> = PUT
                .iter()
                .map(|b| [&s[..at], &[*b][..], &s[at + 1..]].concat())
                .collect();
            others.push([&s[..at], &s[at + 1..]].concat());
            others.push([&s[..=at], &s[at..]].concat());
            for other in others {
                assert_eq!(remembered(&mut shapes, s), fresh(s));
                assert_eq!(
                    remembered(&mut shapes, &other),
                    fresh(&other),
                    "{:?} after {:?}",
                    String::from_utf8_lossy(&other),
                    String::from_utf8_lossy(s)
                );
            }
        }
    }
}

/// Other numbers in a statement's numbers' places are found remembered: no place is
/// taken for them.
#[test]
fn other_numbers_in_the_same_places_are_remembered() {
    let mut shapes = Shapes::default();
    let first = b"UPDATE pgbench_accounts SET abalance = abalance + 1850 WHERE aid = 38526;";
    assert_eq!(remembered(&mut shapes, first), fresh(first));
    assert_eq!(places_used(&shapes), 1);
    for other in [
        &b"UPDATE pgbench_accounts SET abalance = abalance + 3 WHERE aid = 993672;"[..],
        b"UPDATE pgbench_accounts SET abalance = abalance + 1e5 WHERE aid = 0x1F;",
        b"UPDATE pgbench_accounts SET abalance = abalance + 7.25 WHERE aid = 1abc;",
    ] {
        assert_eq!(remembered(&mut shapes, other), fresh(other));
    }
    assert_eq!(places_used(&shapes), 1);
    // A word where a number was is another statement.
    let word = b"UPDATE pgbench_accounts SET abalance = abalance + x3 WHERE aid = 5;";
    assert_eq!(remembered(&mut shapes, word), fresh(word));
    assert_eq!(places_used(&shapes), 2);
}

/// More statements than a set holds: the one used longest ago gives way, and every shape
/// stays what normalising gives; a statement over several lines, or a long one, is not
/// remembered.
#[test]
fn places_are_bounded_and_reused() {
    let mut shapes = Shapes::default();
    for i in 0..(SETS * WAYS * 3) {
        let s = format!("SELECT c{i} FROM t WHERE k = {i}");
        assert_eq!(remembered(&mut shapes, s.as_bytes()), fresh(s.as_bytes()));
    }
    assert!(places_used(&shapes) <= SETS * WAYS);
    assert_eq!(shapes.known.len(), SETS * WAYS);
    let long = format!("SELECT '{}'", "x".repeat(MAX_TEXT));
    let before = places_used(&shapes);
    assert_eq!(
        remembered(&mut shapes, long.as_bytes()),
        fresh(long.as_bytes())
    );
    let shape = shapes.of(b"SELECT 1,", Some(b"\t2 FROM t"));
    assert_eq!(
        (shape.key, shape.kind),
        ("select ?, ? from t", StatementType::Select)
    );
    assert!(shape.row.is_none(), "not remembered");
    assert_eq!(places_used(&shapes), before);
    assert_eq!(
        remembered(&mut shapes, b";"),
        (EMPTY.to_string(), StatementType::Other)
    );
}

/// The set is read up to the first digit, eight bytes at a time, and the bytes from that
/// digit on do not change it; the bytes before it do, at every place in the first word.
#[test]
fn the_set_is_read_up_to_the_first_digit() {
    let base = b"SELECT abalance FROM pgbench_accounts WHERE aid = 41735;";
    for at in [0, 3, 7, 8, 15, 16, 30] {
        let mut a = base.to_vec();
        let mut b = base.to_vec();
        a[at] = b'1';
        b[at] = b'2';
        b[at + 1] = b'x';
        assert_eq!(set_of(&a), set_of(&b), "digit at {at}");
    }
    let sets: std::collections::HashSet<usize> = (0..8)
        .flat_map(|at| {
            (b'a'..=b'p').map(move |c| {
                let mut t = *b"BEGIN;xx";
                t[at] = c;
                set_of(&t[..6])
            })
        })
        .collect();
    assert!(sets.len() > SETS / 2, "{} sets", sets.len());
    assert_eq!(set_of(b"END;"), set_of(b"END;"));
}
