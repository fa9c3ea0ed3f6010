use super::*;

fn caps(t: &str, m: &str) -> Option<Vec<String>> {
    let t = Template::compile(t).unwrap();
    t.matches(m.as_bytes()).map(|c| {
        (0..c.len())
            .map(|i| {
                let (a, b) = c.get(i).unwrap();
                m[a..b].to_string()
            })
            .collect()
    })
}

#[test]
fn conversions_capture_their_values() {
    assert_eq!(
        caps(
            r#"password authentication failed for user "%s""#,
            r#"password authentication failed for user "a"b""#
        ),
        Some(vec![r#"a"b"#.to_string()])
    );
    assert_eq!(
        caps(
            "%s (PID %d) was terminated by signal %d: %s",
            "server process (PID 12) was terminated by signal 9: Killed"
        ),
        Some(vec![
            "server process".into(),
            "12".into(),
            "9".into(),
            "Killed".into()
        ])
    );
    assert_eq!(
        caps(
            "checkpoints are occurring too frequently (%d second%s apart)",
            "checkpoints are occurring too frequently (3 seconds apart)"
        ),
        Some(vec!["3".into(), "s".into()])
    );
    assert_eq!(
        caps("size %zu, %.*s and 100%%", "size 42, ab and 100%"),
        Some(vec!["42".into(), "ab".into()])
    );
}

#[test]
fn floats_and_adjacent_text_conversions() {
    let got = caps(
        "%g%s%s is outside the valid range (%g%s%s .. %g%s%s)",
        "-1 is outside the valid range (64 kB .. 1e+06 kB)",
    )
    .unwrap();
    assert_eq!(got[0], "-1");
    assert_eq!(got[3], "64");
    assert_eq!(got[6], "1e+06");
    assert_eq!(got.len(), 9);
}

#[test]
fn matches_are_anchored_at_both_ends() {
    assert!(caps("out of memory", "out of memory").is_some());
    assert!(caps("out of memory", "out of memory!").is_none());
    assert!(caps("out of memory", "not out of memory").is_none());
    assert!(caps("value %d", "value x").is_none());
}

#[test]
fn bad_templates_are_refused() {
    assert!(Template::compile("a %q").is_err());
    assert!(Template::compile("a %").is_err());
}

#[test]
fn anchor_and_specificity() {
    let t = Template::compile(r#"database "%s" does not exist"#).unwrap();
    assert_eq!(t.anchor(), b"\" does not exist");
    assert_eq!(t.specificity(), 26);
}

/// A literal is found where a plain search finds it first: at its first byte's first
/// place, after a false start there, or nowhere (hand-made texts, not server output).
#[test]
fn a_literal_is_found_where_it_first_occurs() {
    let lit = Literal::new(b" ms  statement: ".to_vec());
    for hay in [
        &b"0.076 ms  statement: x"[..],
        b"0 1 ms  statement: ms  statement: ",
        b"x ms  statemenT:  ms  statement: y",
        b"no space",
        b"",
        b" ms  statement:",
    ] {
        assert_eq!(
            lit.find(hay),
            memchr::memmem::find(hay, lit.as_slice()),
            "{:?}",
            String::from_utf8_lossy(hay)
        );
    }
}
