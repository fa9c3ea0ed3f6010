//! A real terminal for the binary: a tmux window of a given width, whose screen is read
//! back as a person sees it (`tmux capture-pane`), and the checks every captured screen
//! must pass: no line wider than the window, no id or timestamp split or shortened.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Rows of the window: the longest report fits without scrolling.
const HEIGHT: u16 = 400;

/// One tmux server of its own (its socket named for this process and window), holding one
/// window that runs one command. Dropping it ends the server and what runs in it.
pub struct Terminal {
    socket: String,
    dir: tempfile::TempDir,
    pub width: usize,
}

impl Terminal {
    /// Starts `args` (the binary's arguments) in the repository, `width` columns wide, with
    /// TZ=UTC and neither COLUMNS nor NO_COLOR set: the binary must find the width and
    /// decide on colour from the terminal itself.
    pub fn start(name: &str, width: u16, args: &[&str]) -> Terminal {
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        // exec: no shell between the terminal and the binary, which takes Ctrl-C alone.
        let script = format!("exec \"$PGTRIAGE\" {}", args.join(" "));
        Terminal::shell(name, width, &script)
    }

    /// As `start`, a shell command line (redirections, pipes) in which `$PGTRIAGE` is the
    /// binary.
    pub fn shell(name: &str, width: u16, script: &str) -> Terminal {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("pgtriage-{}-{name}-{width}", std::process::id());
        let exit = dir.path().join("exit");
        let line = format!(
            "env -u COLUMNS -u NO_COLOR TZ=UTC PGTRIAGE={} sh -c {}; echo $? > {}; exec sleep 3600",
            quote(env!("CARGO_BIN_EXE_pgtriage")),
            quote(script),
            quote(&exit.display().to_string()),
        );
        let t = Terminal {
            socket,
            dir,
            width: width.into(),
        };
        let (w, h) = (width.to_string(), HEIGHT.to_string());
        let repo = super::repo().display().to_string();
        t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &w,
            "-y",
            &h,
            "-c",
            &repo,
            &line,
        ]);
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let mut all = vec!["-L", &self.socket];
        all.extend_from_slice(args);
        super::succeed("tmux", &all)
    }

    /// The screen, wrapped lines joined (so that a line wider than the window shows as
    /// one), trailing blanks dropped; with the escapes of colour and style when `escapes`.
    pub fn screen(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-J", "-S", "-"];
        if escapes {
            args.push("-e");
        }
        let text = String::from_utf8(self.tmux(&args).stdout).expect("UTF-8 screen");
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        let mut screen = lines[..end].join("\n");
        screen.push('\n');
        screen
    }

    /// Waits until the screen shows `text` `n` times.
    pub fn wait_for(&self, text: &str, n: usize, timeout: Duration) {
        let start = Instant::now();
        while self.screen(false).matches(text).count() < n {
            assert!(
                start.elapsed() < timeout,
                "no {n}× {text:?} on the screen:\n{}",
                self.screen(false)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Types keys into the window (tmux key names: `C-c` is Ctrl-C).
    pub fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", keys]);
    }

    /// Waits for the command to exit; its exit code.
    pub fn wait_exit(&self, timeout: Duration) -> i32 {
        let path: PathBuf = self.dir.path().join("exit");
        let start = Instant::now();
        loop {
            if let Some(code) = std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                return code;
            }
            assert!(
                start.elapsed() < timeout,
                "still running after {timeout:?}:\n{}",
                self.screen(false)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Every line of `screen` fits `width` columns, and none of `whole` (ids, timestamps) is
/// split across two lines or shortened with `…`.
pub fn assert_fits(screen: &str, width: usize, whole: &[String]) {
    let lines: Vec<&str> = screen.lines().collect();
    for l in &lines {
        assert!(
            l.chars().count() <= width,
            "a line wider than {width} columns ({}):\n{l}\n\n{screen}",
            l.chars().count()
        );
    }
    for w in whole {
        for k in 1..w.len() {
            let (head, tail) = w.split_at(k);
            let split = lines
                .windows(2)
                .any(|p| p[0].ends_with(head) && p[1].trim_start().starts_with(tail));
            assert!(!split, "{w:?} is split after {head:?}:\n{screen}");
            // `system locale…` is a shortened title; `locale.no-sys…` a shortened id.
            let structural = head.contains(['.', ':', '-']);
            assert!(
                !structural || !screen.contains(&format!("{head}…")),
                "{w:?} is shortened to {head:?}…:\n{screen}"
            );
        }
    }
}

/// What must stay whole on a screen of `analyze` with `args`: the findings' ids and the
/// times and dates they were seen at, from the JSON report of the same run.
pub fn whole_words(args: &[&str]) -> Vec<String> {
    let mut all = vec!["analyze", "--output", "json"];
    all.extend_from_slice(args);
    let out = super::pgtriage(&all);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let mut words = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        words.push(f["id"].as_str().unwrap().to_string());
        for at in ["first_seen", "last_seen"] {
            if let Some(t) = f[at].as_str() {
                words.extend(t.get(..10).map(str::to_string));
                words.extend(t.get(11..19).map(str::to_string));
            }
        }
    }
    words.sort();
    words.dedup();
    words
}
