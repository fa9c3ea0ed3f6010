//! Template matching: a message at a level against the whole built-in catalogue, and a
//! user-written template (a catalogue file may add its own) compiled and matched. Input:
//! a level byte, a template line, then the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtriage::catalogue::template::Template;
use pgtriage::catalogue::Catalogue;
use pgtriage::parse::record::Record;
use pgtriage::severity::Level;

const LEVELS: [Level; 8] = [
    Level::Debug,
    Level::Info,
    Level::Notice,
    Level::Warning,
    Level::Error,
    Level::Log,
    Level::Fatal,
    Level::Panic,
];

fuzz_target!(|data: &[u8]| {
    let Some((&level, rest)) = data.split_first() else {
        return;
    };
    let (template, message) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let catalogue = Catalogue::builtin().expect("the built-in catalogue loads");
    let record = Record {
        line: message,
        level: Some(LEVELS[usize::from(level) % LEVELS.len()]),
        message,
        ..Record::default()
    };
    if let Some(m) = catalogue.classify_after(&record, &[0, 1, 2]) {
        for name in catalogue.capture_names(m.pattern) {
            let _ = catalogue.capture(&m, name, message);
        }
    }
    if let Ok(t) = Template::compile(&String::from_utf8_lossy(template)) {
        if let Some(c) = t.matches(message) {
            for i in 0..c.len() {
                let _ = c.get(i);
            }
        }
    }
});
