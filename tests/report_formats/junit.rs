//! A JUnit report read as strictly as the CI servers that show it.

use quick_xml::events::{BytesStart, Event};

/// Checks that `xml` is well-formed XML 1.0 with the JUnit structure GitLab and Jenkins
/// read; returns (classname, name, failure type) per test case.
pub fn parse_junit(xml: &str) -> Vec<(String, String, Option<String>)> {
    assert_xml_1_0_chars(xml);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut cases = Vec::new();
    let mut suite_attrs: Vec<(String, String)> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.error_position()));
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = attributes(e);
                let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
                if stack.is_empty() {
                    roots += 1;
                    assert_eq!(name, "testsuites", "the root element");
                }
                match name.as_str() {
                    "testsuite" => {
                        assert_eq!(stack, ["testsuites"]);
                        assert_eq!(attr("name").as_deref(), Some("pgtriage"));
                        suite_attrs = attrs.clone();
                    }
                    "testcase" => {
                        assert_eq!(stack, ["testsuites", "testsuite"]);
                        let classname = attr("classname").expect("classname");
                        assert!(classname.starts_with("pgtriage."), "{classname}");
                        cases.push((classname, attr("name").expect("name"), None));
                    }
                    "failure" => {
                        assert_eq!(stack.last().map(String::as_str), Some("testcase"));
                        attr("message").expect("failure message");
                        cases.last_mut().unwrap().2 = Some(attr("type").expect("failure type"));
                    }
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop().expect("an end tag closes an open element");
            }
            Event::GeneralRef(r) => {
                let known = matches!(&*r, b"amp" | b"lt" | b"gt" | b"quot" | b"apos");
                let char_ref = r.is_char_ref() && r.resolve_char_ref().ok().flatten().is_some();
                assert!(known || char_ref, "unknown entity &{:?};", r.decode());
            }
            Event::Text(t) => {
                t.decode().expect("text decodes");
            }
            Event::Decl(_) => {}
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    assert_eq!(roots, 1, "one root element");
    assert_suite_counts(&suite_attrs, &cases);
    cases
}

fn assert_xml_1_0_chars(xml: &str) {
    for c in xml.chars() {
        let legal = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        assert!(legal, "character {c:?} is not allowed in XML 1.0");
    }
}

/// An element's attributes, each well-formed and given once, with entities resolved.
fn attributes(e: &BytesStart) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.expect("a well-formed attribute, not repeated");
        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
        let value = a.unescape_value().expect("attribute entities resolve");
        attrs.push((key, value.into_owned()));
    }
    attrs
}

/// The testsuite's `tests=` and `failures=` add up to its test cases.
fn assert_suite_counts(
    suite_attrs: &[(String, String)],
    cases: &[(String, String, Option<String>)],
) {
    let count = |k: &str| -> usize {
        suite_attrs
            .iter()
            .find(|(a, _)| a == k)
            .unwrap_or_else(|| panic!("testsuite has {k}"))
            .1
            .parse()
            .unwrap()
    };
    assert_eq!(count("tests"), cases.len(), "tests= counts the test cases");
    assert_eq!(
        count("failures"),
        cases.iter().filter(|c| c.2.is_some()).count(),
        "failures= counts the failures"
    );
}
