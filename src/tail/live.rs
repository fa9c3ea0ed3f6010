//! What tail says while it runs. The output format is chosen once, at start: a live format
//! (table lines, JSON lines) gets a `LiveSink` that writes each event as it happens and the
//! summary at the end; the document formats print only the report at the end.

use super::tally::Occurrence;
use crate::catalogue::Pattern;
use crate::metrics::now_unix;
use crate::report::text::short_advice;
use crate::report::{self, jsonl, Output, Report};
use crate::severity::{Env, Severity};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// One occurrence of a catalogue entry in a followed container.
#[derive(Debug)]
pub struct FindingLine<'a> {
    pub container: &'a str,
    pub pattern: &'a Pattern,
    pub occurrence: &'a Occurrence,
}

/// A live output format.
pub trait LiveSink: Send + Sync {
    fn finding(&self, f: &FindingLine<'_>);
    /// A new WARNING-or-worse message shape that no entry explains.
    fn unclassified(&self, container: &str, level: &str, sample: &str);
    /// The SIGKILL of a backend and an engine OOM event, `apart`, were one event.
    fn oom_correlation(&self, container: &str, apart: Duration);
    /// The end of the run.
    fn summary(&self, report: &Report);
}

/// Where a run's output goes.
pub enum Speaker {
    Live(Box<dyn LiveSink>),
    /// Nothing while running; this document at the end.
    Document(Output),
}

impl Speaker {
    pub fn choose(output: Output, env: Env) -> Speaker {
        match output {
            Output::Table => Speaker::Live(Box::new(TableLines { env })),
            Output::Jsonl => Speaker::Live(Box::new(JsonLines { env })),
            document => Speaker::Document(document),
        }
    }

    pub fn live(&self) -> Option<&dyn LiveSink> {
        match self {
            Speaker::Live(sink) => Some(sink.as_ref()),
            Speaker::Document(_) => None,
        }
    }

    pub fn end(&self, report: &Report) {
        match self {
            Speaker::Live(sink) => sink.summary(report),
            Speaker::Document(output) => {
                say(|out| write!(out, "{}", report::render(report, *output, false)))
            }
        }
    }
}

/// Writes to stdout and flushes: live lines are read as they come, often through a pipe.
/// A closed stdout is not a reason to stop following.
fn say(write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>) {
    let mut out = std::io::stdout().lock();
    let _ = write(&mut out);
    let _ = out.flush();
}

/// `--output table`: a few lines per new finding, with the advice, then the summary table.
struct TableLines {
    env: Env,
}

impl LiveSink for TableLines {
    fn finding(&self, f: &FindingLine<'_>) {
        if !f.occurrence.first {
            return;
        }
        let p = f.pattern;
        say(|out| {
            writeln!(
                out,
                "[{}] {} {} — {}",
                f.container,
                f.occurrence.severity.as_str(),
                p.id,
                p.title
            )?;
            if let Some(s) = &f.occurrence.sample {
                writeln!(out, "    {s}")?;
            }
            if let Some(reason) = &f.occurrence.accepted {
                writeln!(out, "    accepted by policy: {reason}")?;
            } else if f.occurrence.severity > Severity::Info {
                writeln!(
                    out,
                    "    what to do ({}): {}",
                    self.env.as_str(),
                    short_advice(p.remediation.get(self.env))
                )?;
            }
            Ok(())
        });
    }

    fn unclassified(&self, container: &str, level: &str, sample: &str) {
        say(|out| writeln!(out, "[{container}] unclassified {level}: {sample}"));
    }

    fn oom_correlation(&self, container: &str, apart: Duration) {
        say(|out| {
            writeln!(
                out,
                "[{container}] the signal 9 above is the OOM killer's: the engine reported an OOM kill {} ms apart",
                apart.as_millis()
            )
        });
    }

    fn summary(&self, report: &Report) {
        let color = std::io::stdout().is_terminal();
        // After the live lines, a blank line before the summary table.
        say(|out| write!(out, "\n{}", report::render(report, Output::Table, color)));
    }
}

/// `--output jsonl`: one JSON object per event, then a summary object.
struct JsonLines {
    env: Env,
}

impl JsonLines {
    fn emit(&self, event: serde_json::Value) {
        say(|out| writeln!(out, "{event}"));
    }
}

impl LiveSink for JsonLines {
    fn finding(&self, f: &FindingLine<'_>) {
        let p = f.pattern;
        let mut ev = serde_json::json!({
            "event": "finding",
            "container": f.container,
            "id": p.id,
            "severity": f.occurrence.severity,
            "first": f.occurrence.first,
            "count": f.occurrence.count,
            "accepted": f.occurrence.accepted,
            "time": f.occurrence.time.map(|t| t.to_string()),
            "emitted_unix": now_unix(),
        });
        if f.occurrence.first {
            ev["sample"] = serde_json::json!(f.occurrence.sample);
            ev["title"] = serde_json::json!(p.title);
            ev["remediation"] = serde_json::json!(p.remediation.get(self.env).trim());
        }
        self.emit(ev);
    }

    fn unclassified(&self, container: &str, level: &str, sample: &str) {
        self.emit(
            serde_json::json!({"event": "unclassified", "container": container,
            "severity": level, "sample": sample, "emitted_unix": now_unix()}),
        );
    }

    fn oom_correlation(&self, container: &str, _apart: Duration) {
        self.emit(
            serde_json::json!({"event": "correlation", "container": container,
            "ids": ["container.oom-killed", "server.process-killed"],
            "explanation": "the OOM killer sent the signal 9", "emitted_unix": now_unix()}),
        );
    }

    fn summary(&self, report: &Report) {
        say(|out| write!(out, "{}", jsonl::summary(report)));
    }
}
