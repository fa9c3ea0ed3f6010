//! A command whose standard output is a pipe nobody reads any more, as after `| head` has
//! its lines or `less` quit: every write to it fails with EPIPE from the first one on.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `program args` in `dir` with its stdout a pipe whose read end is closed before the
/// program starts: a shell holds the exec until the test has dropped the read end, so no
/// write can come before it (std's `io::pipe` would do, but not on the crate's MSRV).
pub fn with_closed_stdout(program: &str, args: &[&str], dir: &std::path::Path) -> Output {
    closed_stdout(program, args, dir, |_| {})
}

/// As [`with_closed_stdout`], with any arguments and the environment `setup` gives it (the
/// shell passes it on through the exec).
pub fn closed_stdout<S: AsRef<OsStr>>(
    program: &str,
    args: &[S],
    dir: &std::path::Path,
    setup: impl FnOnce(&mut Command),
) -> Output {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("read -r _ && exec \"$0\" \"$@\"")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    setup(&mut command);
    let mut child = command.spawn().expect("run sh");
    drop(child.stdout.take());
    let mut go = child.stdin.take().unwrap();
    go.write_all(b"go\n").unwrap();
    // The program's stdin ends here too: none of the commands tested reads it.
    drop(go);
    child.wait_with_output().expect("wait for the program")
}
