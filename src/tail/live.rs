//! What tail says while it runs. The output format is chosen once, at start: a live format
//! (table lines, JSON lines) gets a `LiveSink` that writes each event as it happens and the
//! summary at the end; the document formats print only the report at the end.

use super::tally::Occurrence;
use crate::catalogue::Pattern;
use crate::metrics::now_unix;
use crate::report::term::{self, fit, pad, paint, Look, Paint};
use crate::report::text::short_advice;
use crate::report::{self, jsonl, Output, Report};
use crate::severity::{Env, Severity};
use crate::timestamp::Timestamp;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The container's server has just become ready for real (not the init phase's).
    fn ready(&self, _container: &str, _time: Option<&Timestamp>) {}
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
    pub fn choose(output: Output, env: Env, look: Look) -> Speaker {
        match output {
            Output::Table => Speaker::Live(Box::new(TableLines { env, look })),
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
                say(|out| write!(out, "{}", report::render(report, *output, Look::default())))
            }
        }
    }
}

/// Set once a write finds stdout's reader gone (`| head` has its lines, `less` quit): the
/// run then ends as Ctrl-C would end it. One stdout per process, so one flag.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Writes to stdout and flushes: live lines are read as they come, often through a pipe.
/// Other write errors (a full disk behind a redirection) lose lines, not the follow.
///
/// The write blocks while a slow reader's pipe is full, and that holds the follow back
/// (ADR 17). It is made on a runtime worker, so the runtime is told first
/// (`block_in_place`): the worker's other tasks (the metrics endpoint's, another
/// container's follow) move to another thread instead of waiting behind the write.
fn say(write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>) {
    let blocking = || {
        let mut out = std::io::stdout().lock();
        if let Err(e) = write(&mut out).and_then(|_| out.flush()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                STDOUT_GONE.store(true, Ordering::Relaxed);
            }
        }
    };
    // Outside a runtime (the report after the follow ends) there is nothing to tell.
    match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::block_in_place(blocking),
        Err(_) => blocking(),
    }
}

/// Resolves once a write has found stdout closed.
pub async fn stdout_gone() {
    while !STDOUT_GONE.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `--output table`: one line per event that fits the width (time, container, severity,
/// id, the short advice); restarts, OOM kills and the ready moment as marked lines; the
/// report at the end, as `analyze` prints it.
struct TableLines {
    env: Env,
    look: Look,
}

/// Where an ordinary line starts, so that marked lines (`» `) stand out to the left.
const UNMARKED: &str = "  ";
/// `RESTARTED`, the longest label; severities are shorter.
const LABEL_WIDTH: usize = 9;
/// Most ids fit, so that the advice starts in one column; a longer one pushes it right.
const ID_WIDTH: usize = 26;

impl TableLines {
    /// `19:48:21  db  warning  locale.no-system-locales  Choose the collation …`, the last
    /// cell shortened to fit; ids and times are never cut.
    fn line(
        &self,
        mark: &str,
        time: Option<&Timestamp>,
        container: &str,
        cells: [(&str, Paint); 3],
    ) {
        let color = self.look.color;
        let time = time.map_or(" ".repeat(8), |t| {
            t.to_string().get(11..19).unwrap_or("").to_string()
        });
        let [(label, label_paint), (id, id_paint), (text, text_paint)] = cells;
        // The container's name gives way before the id does: a sixth of the width at most.
        let fixed = UNMARKED.len() + 8 + 2 + 2 + LABEL_WIDTH + 1 + id.len().max(ID_WIDTH) + 2;
        let room = self.look.width.saturating_sub(fixed + 8);
        let cap = (self.look.width / 6).min(room).max(4);
        let container = fit(container, cap);
        // Ids in one column where there is room; at 80 columns the advice follows its id.
        let id_width = if self.look.width >= 110 { ID_WIDTH } else { 0 };
        let (label, id) = (pad(label, LABEL_WIDTH), pad(id, id_width));
        let head = format!("{mark}{time}  {container}  {label} {id}  ");
        let text = fit(text, self.look.width.saturating_sub(term::width(&head)));
        let line = format!(
            "{mark}{}  {container}  {} {}  {}",
            paint(color, Paint::Dim, &time),
            paint(color, label_paint, &label),
            paint(color, id_paint, &id),
            paint(color, text_paint, &text),
        );
        say(|out| writeln!(out, "{}", line.trim_end()));
    }
}

impl LiveSink for TableLines {
    fn finding(&self, f: &FindingLine<'_>) {
        let p = f.pattern;
        let o = f.occurrence;
        let marked = match p.id.as_str() {
            "container.restarted" => Some("RESTARTED"),
            "container.oom-killed" => Some("OOM KILL"),
            _ => None,
        };
        if let Some(label) = marked {
            let evidence = o.sample.as_deref().unwrap_or(&p.title);
            let cells = [
                (label, Paint::Bad),
                (p.id.as_str(), Paint::Bold),
                (evidence, Paint::Plain),
            ];
            return self.line("» ", o.time.as_ref(), f.container, cells);
        }
        if !o.first {
            return;
        }
        let advice = match &o.accepted {
            Some(reason) => format!("accepted: {reason}"),
            // The advice's first paragraph, unless it is a code block: then the title.
            None if o.severity > Severity::Info => {
                let advice = short_advice(p.remediation.get(self.env));
                match advice.starts_with("```") {
                    true => p.title.clone(),
                    false => advice.replace('\n', " "),
                }
            }
            None => p.title.clone(),
        };
        let severity = (o.severity.as_str(), Paint::of(o.severity));
        let cells = [
            severity,
            (p.id.as_str(), Paint::Bold),
            (&advice, Paint::Plain),
        ];
        self.line(UNMARKED, o.time.as_ref(), f.container, cells);
    }

    fn unclassified(&self, container: &str, level: &str, sample: &str) {
        let text = format!("{level}: {sample}");
        let cells = [
            ("unknown", Paint::Warning),
            ("unclassified", Paint::Bold),
            (&text, Paint::Plain),
        ];
        self.line(UNMARKED, None, container, cells);
    }

    fn oom_correlation(&self, container: &str, apart: Duration) {
        let text = format!(
            "the signal 9 above is the OOM killer's ({} ms apart)",
            apart.as_millis()
        );
        let cells = [
            ("OOM KILL", Paint::Bad),
            ("server.process-killed", Paint::Bold),
            (&text, Paint::Plain),
        ];
        self.line("» ", None, container, cells);
    }

    fn ready(&self, container: &str, time: Option<&Timestamp>) {
        let cells = [
            ("READY", Paint::Bold),
            ("server.ready", Paint::Bold),
            ("accepts connections", Paint::Plain),
        ];
        self.line("» ", time, container, cells);
    }

    fn summary(&self, report: &Report) {
        // After the live lines, a blank line before the report.
        say(|out| {
            write!(
                out,
                "\n{}",
                report::render(report, Output::Table, self.look)
            )
        });
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
