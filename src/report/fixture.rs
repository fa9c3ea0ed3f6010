//! One report that takes every branch of every renderer, built in code so that renderers
//! are tested without a log, and its renderings compared with the files in
//! src/report/snapshots/ (`UPDATE_SNAPSHOTS=1 cargo test --lib report::fixture` rewrites
//! them; review the diff). When the model gains a field, fill it in here.

use super::Source;
use super::{
    Acceptance, BaselineDiff, BySeverity, Finding, InputCounts, InputSummary, Report, Stats,
    Summary, Tool, UnclassifiedGroup, SCHEMA_VERSION,
};
use crate::parse::Format;
use crate::severity::{Env, Severity};
use crate::source::framing::Framing;
use crate::source::Compression;

/// Log text that is markup in markdown, HTML, XML and workflow commands, with a control
/// character; every rendering must keep it inert.
pub const HOSTILE: &str = "role <script>x</script> | `tick` *star* _under_ [l](u) @team #1 \
                       ::error title=x::y, 100% a%0Ab ]]> \"q\" 'a' \u{1}bell";

/// The report: findings of each severity, accepted (with and without an end date),
/// an expired acceptance, every baseline state, gating and non-gating unclassified groups,
/// an input that stopped early, hostile text and a long multibyte sample.
pub fn report() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "pgtriage",
            version: "[version]",
        },
        env: Env::Prod,
        fail_on: Severity::Warning,
        policy: Some(".pgtriage.toml".to_string()),
        inputs: inputs(),
        summary: Summary {
            records: 108,
            classified: 60,
            unclassified: 48,
            accepted: 10,
            by_severity: BySeverity {
                critical: 3,
                error: 59,
                warning: 6,
                info: 5,
            },
            failed: true,
        },
        findings: findings(),
        unclassified: unclassified(),
        stats: Stats {
            warning_or_worse_records: 70,
            warning_or_worse_classified: 55,
            unclassified_overflow: 3,
            activity: None,
        },
    }
}

fn inputs() -> Vec<InputSummary> {
    vec![
        InputSummary {
            source: Source::File,
            name: "db_1 | <logs>.json.gz".to_string(),
            format: Format::Stderr,
            framing: Framing::DockerJsonFile,
            compression: Compression::Gzip,
            prefix: Some("%m [%p] ".to_string()),
            prefix_alternatives: Vec::new(),
            lines: 120,
            records: 100,
            counts: InputCounts::default(),
            error: None,
        },
        InputSummary {
            source: Source::Stdin,
            name: "-".to_string(),
            format: Format::Stderr,
            framing: Framing::None,
            compression: Compression::None,
            prefix: None,
            prefix_alternatives: Vec::new(),
            lines: 10,
            records: 8,
            counts: InputCounts {
                orphan_lines: 2,
                ..InputCounts::default()
            },
            error: Some("unexpected end of data (truncated compressed file?)".to_string()),
        },
    ]
}

/// In the report's order: by severity, then count.
fn findings() -> Vec<Finding> {
    vec![
        Finding {
            title: "A <critical> & 'quoted' title".to_string(),
            sample: Some(HOSTILE.to_string()),
            detail: Some("DETAIL:  Failed process was running: SELECT 1".to_string()),
            statement: Some("SELECT '<x>'".to_string()),
            gating: true,
            remediation: "Replace <dbname> & retry: `psql -d <db>`.\nA second line.\n\n\
                          ```yaml\nhealthcheck: {}\n```"
                .to_string(),
            ..finding("server.crashed", Severity::Critical, 3)
        },
        Finding {
            caused_by: Some("server.crashed".to_string()),
            gating: true,
            ..finding("server.reinitializing", Severity::Critical, 1)
        },
        Finding {
            first_seen: None,
            last_seen: None,
            baseline: baseline(Some(2), true),
            remediation: "```sql\nSELECT 1;\n```\nand then more".to_string(),
            ..finding("locks.deadlock", Severity::Error, 40)
        },
        Finding {
            accepted: Some(acceptance("known & <fine>", None, 3)),
            baseline: baseline(Some(9), false),
            ..finding("auth.trust-local", Severity::Error, 9)
        },
        Finding {
            scope: Some("container=db user=root".to_string()),
            accepted: Some(acceptance("Alpine on purpose", Some("2027-06-30"), 7)),
            ..finding("locale.no-system-locales", Severity::Warning, 1)
        },
        Finding {
            last_seen: Some("2026-01-01T00:00:00.000Z".to_string()),
            acceptance_expired: Some(acceptance("until the upgrade", Some("2026-01-01"), 12)),
            gating: true,
            ..finding("config.deprecated", Severity::Warning, 2)
        },
        Finding {
            sample: None,
            baseline: baseline(Some(5), false),
            ..finding("server.ready", Severity::Info, 5)
        },
    ]
}

/// A plain finding, new since the baseline and not gating; `findings` varies it.
fn finding(id: &str, severity: Severity, count: u64) -> Finding {
    Finding {
        id: id.to_string(),
        title: format!("Title of {id}"),
        category: id.split('.').next().unwrap_or(id).to_string(),
        severity,
        count,
        first_seen: Some("2026-01-01T00:00:00.000Z".to_string()),
        last_seen: Some("2026-01-01T00:05:00.000Z".to_string()),
        sample: Some(format!("LOG:  sample of {id}")),
        detail: None,
        statement: None,
        scope: None,
        caused_by: None,
        accepted: None,
        acceptance_expired: None,
        baseline: baseline(None, false),
        gating: false,
        explain: format!("Why {id} matters."),
        remediation: format!("Fix {id} with `SET x = 1;`.\n\nThen watch it."),
        docs: format!("docs/patterns/{id}.md"),
    }
}

fn unclassified() -> Vec<UnclassifiedGroup> {
    let group =
        |severity: &'static str, count, sample: String, baseline, gating| UnclassifiedGroup {
            severity,
            count,
            fingerprint: crate::verdict::fingerprint(
                crate::severity::Level::from_label(severity.as_bytes()).expect("a level"),
                sample.as_bytes(),
            ),
            first_seen: Some("2026-11-27T19:48:21.343+01:00".to_string()),
            last_seen: None,
            sample,
            detail: None,
            statement: None,
            baseline,
            gating,
        };
    vec![
        group("ERROR", 6, HOSTILE.into(), baseline(None, false), true),
        group(
            "FATAL",
            4,
            "relation «données_€» manquante; ".repeat(40),
            baseline(None, false),
            true,
        ),
        group(
            "WARNING",
            3,
            "a known warning".into(),
            baseline(Some(7), false),
            false,
        ),
        group(
            "PANIC",
            2,
            "a growing panic".into(),
            baseline(Some(1), true),
            false,
        ),
    ]
}

/// `count` in the baseline; `None`: new since it.
fn baseline(count: Option<u64>, regression: bool) -> Option<BaselineDiff> {
    Some(BaselineDiff {
        count,
        new: count.is_none(),
        regression,
    })
}

fn acceptance(reason: &str, until: Option<&str>, line: u32) -> Acceptance {
    Acceptance {
        reason: reason.to_string(),
        until: until.map(str::to_string),
        policy: format!(".pgtriage.toml:{line}"),
    }
}

pub mod tests {
    use super::super::term::{self, Look};
    use super::super::{render, table, Output};
    use super::report;
    use std::path::Path;

    /// Compares `actual` with src/report/snapshots/<name>, or writes it with UPDATE_SNAPSHOTS=1.
    pub fn assert_snapshot(name: &str, actual: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/report/snapshots")
            .join(name);
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v != "0") {
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; UPDATE_SNAPSHOTS=1 creates it", path.display()));
        if let Some((n, (e, a))) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
        {
            panic!(
                "{} differs at line {}:\n  expected: {e:?}\n  actual:   {a:?}\n\
                 (UPDATE_SNAPSHOTS=1 rewrites it; review the diff)",
                path.display(),
                n + 1
            );
        }
        assert_eq!(expected, actual, "{}", path.display());
    }

    #[test]
    fn every_format_matches_its_snapshot() {
        let r = report();
        // A fixed width: the table otherwise fits the terminal the tests run in.
        let look = |width, color| {
            Look {
                width,
                color,
                ..Look::default()
            }
            .listing_all(true, "--all")
        };
        assert_snapshot("fixture.txt", &table::render(&r, look(120, false)));
        assert_snapshot("fixture.color.txt", &table::render(&r, look(120, true)));
        assert_snapshot("fixture.80.txt", &table::render(&r, look(80, false)));
        for width in [80, 120] {
            for l in table::render(&r, look(width, false)).lines() {
                assert!(term::width(l) <= width, "wider than {width}: {l:?}");
            }
        }
        for (format, file) in [
            (Output::Json, "fixture.json"),
            (Output::Jsonl, "fixture.jsonl"),
            (Output::Markdown, "fixture.md"),
            (Output::Github, "fixture.github.txt"),
            (Output::Junit, "fixture.junit.xml"),
        ] {
            assert_snapshot(file, &render(&r, format, look(120, false)));
        }
    }

    /// The fixture is a report the schema allows, so its renderings are ones users can see.
    #[test]
    fn the_fixture_matches_the_json_schema() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema/report-v1.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
        let doc = serde_json::to_value(report()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert_eq!(errors, Vec::<String>::new());
    }
}
