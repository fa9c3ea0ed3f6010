//! The two files a user hands pgtriage besides logs: a policy (TOML) and a baseline (an
//! earlier JSON report). The first byte chooses which reader gets the rest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::baseline::Baseline;
use pgtriage::catalogue::Catalogue;
use pgtriage::policy::{Date, Policy};
use pgtriage::report::SCHEMA_VERSION;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if which & 1 == 0 {
        let catalogue = Catalogue::builtin().expect("the built-in catalogue loads");
        let today = Date::parse("2026-12-03").expect("a valid date");
        if let Ok(p) = Policy::parse("fuzz.toml", &text, catalogue, today) {
            for i in 0..catalogue.patterns().len() {
                let _ = p.severity_for(i);
            }
        }
    } else if let Ok(b) = Baseline::parse(&text, 2.0, SCHEMA_VERSION) {
        let _ = b.finding("x");
        let _ = b.unclassified();
        let _ = b.diff(Some(3), 7);
    }
});
