//! How a command fails: the exit-code classes, and I/O errors worded for people. Every
//! module that reads a file or ends a command uses these, so they sit below all of them.

use std::io::{self, Write};

/// Errors that end a command, with their exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or unreadable input: exit 2.
    Usage(String),
    /// A defect in pgtriage: exit 3.
    Internal(String),
}

/// The reason without Rust's `(os error N)` suffix.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::UnexpectedEof => {
            "unexpected end of data (truncated compressed file?)".into()
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt data: {e}")
        }
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// Writes a command's whole output to stdout. A reader that went away early (`| head`,
/// `less` quit) is not an error: the command ends quietly with the status it would have
/// had, so a gate piped into `head` still fails when it should.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failure::Usage(format!(
            "cannot write to standard output: {}",
            io_reason(&e)
        ))),
        _ => Ok(()),
    }
}
