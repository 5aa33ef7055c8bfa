//! Writing to standard output and standard error without panicking on a closed pipe.

use std::io::{self, Write};

use crate::exit::CliError;

/// Writes `text` and a newline to standard output.
pub fn line(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// Writes `bytes` to standard output, as they are.
pub fn bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// Writes `error: <message>` to standard error. A failure to write there has nowhere to be
/// reported, so it is ignored (the exit code still tells).
pub fn error_line(message: &str) {
    let _ = writeln!(io::stderr().lock(), "error: {message}");
}

/// Writes `note: <message>` to standard error: something worth knowing about a run that went
/// through. Ignored if it cannot be written, as [`error_line`].
pub fn note_line(message: &str) {
    let _ = writeln!(io::stderr().lock(), "note: {message}");
}

fn stdout_error(error: io::Error) -> CliError {
    CliError::new(format!("cannot write to standard output: {error}"))
}
