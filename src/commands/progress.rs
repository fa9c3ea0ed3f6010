//! The progress line of an `analyze` that takes a while, on stderr when it is a terminal:
//! bytes, MB/s and the time left for a file; records and MB/s for stdin, whose size is
//! unknown. It appears only after a second, so quick runs print nothing, and it is erased
//! when the input is read, so that it never mixes with the report (stdout) or a pipe.

use crate::report::term::{fit, width};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// A run shorter than this shows no progress at all.
const AFTER: Duration = Duration::from_secs(1);
/// Redraws at most this often.
const EVERY: Duration = Duration::from_millis(200);
/// The bar's cells.
const BAR: usize = 20;
/// The line stays below this, whatever the terminal: progress is not worth a wrap.
const MAX_WIDTH: usize = 79;

/// What is known of the input's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// A plain file: the bytes read against its size give the share done and the time left.
    Bytes(u64),
    /// A compressed file: the bytes read are decompressed ones, not comparable to its size.
    Unknown,
    /// stdin: counted in records.
    Stream,
}

pub struct Progress {
    name: String,
    size: Size,
    start: Instant,
    drawn: Option<Instant>,
    enabled: bool,
}

impl Progress {
    /// Progress for one input; silent unless stderr is a terminal.
    pub fn new(name: &str, size: Size) -> Progress {
        Progress {
            name: name.to_string(),
            size,
            start: Instant::now(),
            drawn: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// Redraws the line, when it is time to.
    pub fn update(&mut self, bytes: u64, records: u64) {
        let elapsed = self.start.elapsed();
        let due = self
            .drawn
            .map_or(elapsed >= AFTER, |d| d.elapsed() >= EVERY);
        if !self.enabled || !due {
            return;
        }
        let text = line(&self.name, self.size, bytes, records, elapsed);
        eprint!("\r{text}\x1b[K");
        let _ = std::io::stderr().flush();
        self.drawn = Some(Instant::now());
    }

    /// Erases the line, if one was drawn.
    pub fn finish(&mut self) {
        if self.drawn.take().is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// `big.log  [########------------]  42%  310 MB  95.2 MB/s  ETA 4s`.
fn line(name: &str, size: Size, bytes: u64, records: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = bytes as f64 / secs;
    let speed = format!("{:.1} MB/s", rate / 1e6);
    let figures = match size {
        Size::Bytes(total) if total > 0 => {
            let done = (bytes as f64 / total as f64).min(1.0);
            let filled = (done * BAR as f64).round() as usize;
            let left = total.saturating_sub(bytes) as f64 / rate.max(1.0);
            format!(
                "[{}{}]  {:>3.0}%  {}  {speed}  ETA {}",
                "#".repeat(filled),
                "-".repeat(BAR - filled),
                done * 100.0,
                megabytes(bytes),
                duration(left)
            )
        }
        Size::Stream => format!("{records} records  {}  {speed}", megabytes(bytes)),
        _ => format!("{} read  {speed}", megabytes(bytes)),
    };
    let room = MAX_WIDTH.saturating_sub(width(&figures) + 2);
    format!("{}  {figures}", fit(name, room.max(8)))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn duration(secs: f64) -> String {
    let s = secs.ceil() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_shows_its_share_speed_and_time_left() {
        let l = line(
            "big.log",
            Size::Bytes(400_000_000),
            100_000_000,
            0,
            Duration::from_secs(2),
        );
        assert_eq!(
            l,
            "big.log  [#####---------------]   25%  100 MB  50.0 MB/s  ETA 6s"
        );
    }

    #[test]
    fn stdin_counts_records_and_long_names_are_shortened() {
        let name = "x".repeat(100);
        let l = line(&name, Size::Stream, 5_000_000, 1234, Duration::from_secs(1));
        assert!(l.ends_with("  1234 records  5 MB  5.0 MB/s"), "{l}");
        assert!(width(&l) <= MAX_WIDTH, "{l}");
        let l = line("a.gz", Size::Unknown, 3_000_000, 0, Duration::from_secs(3));
        assert_eq!(l, "a.gz  3 MB read  1.0 MB/s");
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(0.2), "1s");
        assert_eq!(duration(75.0), "1m15s");
        assert_eq!(duration(7300.0), "2h01m");
    }
}
