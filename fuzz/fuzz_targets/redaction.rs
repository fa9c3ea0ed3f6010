//! Redaction (src/redact.rs), on its own and through the whole chain. `literals` on
//! arbitrary text must leave no unquoted password value behind; an application_name, in
//! the `%a` of the prefix and in `connection authorized`, must not reach the JSON report,
//! its statistics included. The input is `control, user, 0, application_name, 0, text`.
//!
//! The lines are hand-made in the shapes PostgreSQL 15 writes (prefix `%m [%p] %q%u@%d/%a `):
//! the fuzzer fills in the user, the application name and a free text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::catalogue::Catalogue;
use pgtriage::flow::Flow;
use pgtriage::parse::prefix::Prefix;
use pgtriage::parse::Format;
use pgtriage::pipeline::{LogFormat, LogStream};
use pgtriage::redact::{self, MASK};
use pgtriage::report::{self, term::Look, Output};
use pgtriage::severity::{Env, Severity};
use pgtriage::verdict::Verdict;

/// PostgreSQL keeps only printable ASCII of an application_name (others become `?`).
fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| if (32..127).contains(&c) { c as char } else { '?' })
        .collect()
}

/// Every `key` in `out` is followed by a quote, the mask, or an empty value.
fn assert_masked_after(out: &str, key: &str) {
    for (at, _) in out.match_indices(key) {
        let after = &out[at + key.len()..];
        let empty = after.is_empty() || after.starts_with([' ', ';', ',']);
        assert!(
            empty || after.starts_with('\'') || after.starts_with(MASK),
            "{key} value left in {out:?}"
        );
    }
}

/// The log lines of one session, and the JSON report pgtriage makes of them; whether the
/// prefix was read as intended (the record's application is `app`).
fn report_of(lines: &str, app: &str) -> (String, bool) {
    let catalogue = Catalogue::builtin().expect("the built-in catalogue loads");
    let verdict = Verdict::new(Env::Prod, Severity::Error, None, None, false);
    let prefix = Prefix::compile("%m [%p] %q%u@%d/%a ").expect("a valid prefix");
    let mut flow = Flow::new(catalogue, &verdict, 0).with_stats();
    let mut stream = LogStream::with_format(LogFormat::Only(Format::Stderr), Some(prefix));
    let mut read_as_meant = true;
    let mut sink = |r: &pgtriage::parse::record::Record<'_>| {
        read_as_meant &= r.application == Some(app.as_bytes());
        flow.record(r, "fuzz", &["fuzz", "fuzz"], &mut |_| {});
    };
    stream.feed(lines.as_bytes(), &mut sink);
    stream.finish(&mut sink);
    let done = report::build(catalogue, &verdict, flow.finish(), Vec::new());
    let json = report::render(&done, Output::Json, Look::default());
    (json, read_as_meant)
}

/// The session's lines: connection authorized (with the name in the message too), an
/// error, and a warning no entry explains, each with the name in the prefix.
fn session(control: u8, user: &str, app: &str, text: &str) -> String {
    let tail = match control & 3 {
        0 => "",
        1 => " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
        2 => " GSS (authenticated=yes, encrypted=yes, principal=u@R)",
        _ => " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256) GSS (authenticated=yes, encrypted=yes, principal=u@R)",
    };
    let head = format!("2026-12-03 17:14:53.262 UTC [4670] {user}@d/{app}");
    format!(
        "{head} LOG:  connection authorized: user={user} database=d application_name={app}{tail}\n\
         {head} ERROR:  relation \"t\" does not exist at character 15\n\
         {head} STATEMENT:  {text}\n\
         {head} WARNING:  {text}\n"
    )
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |&b| b == 0);
    let (user, app, text) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    // Free text: no panic, and no unquoted password value left.
    let shown = redact::shown(text, false);
    assert_masked_after(&shown, "password=");
    assert_masked_after(&shown, "PASSWORD ");
    let _ = redact::pseudonym("app", app);
    let at = usize::from(control) % (text.len() + 2);
    let _ = redact::without_application(text, at, Some(&text[at.min(text.len())..]));
    // The chain: a name no other part of the lines holds never reaches the report.
    let (user, app, text) = (printable(user), printable(app), printable(text));
    if app.len() < 4 || text.contains(&app) || user.contains(&app) {
        return;
    }
    let (json, read_as_meant) = report_of(&session(control, &user, &app, &text), &app);
    if !read_as_meant {
        return;
    }
    // The same lines under a neutral name: what the report holds of `app` anyway (words of
    // the catalogue's explanations, say).
    let neutral = "\u{7f}".repeat(app.len());
    let (baseline, _) = report_of(&session(control, &user, &neutral, &text), &neutral);
    assert!(
        json.matches(app.as_str()).count() <= baseline.matches(app.as_str()).count(),
        "application_name {app:?} leaked: {json}"
    );
});
