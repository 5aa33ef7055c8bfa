//! How a run ends: the exit codes, the outcome of a run that worked, and the error of one that
//! could not (bad usage, unreadable input, unreachable server).

use std::fmt;
use std::process::ExitCode;

/// The command did what was asked and the answer is "no": a signature that does not verify,
/// or a non-2xx response to `send`.
pub const REJECTED: u8 = 1;

/// The command could not do what was asked: bad usage, a missing token, an unreadable file,
/// a connection error. Clap uses 2 for its own usage errors too.
pub const USAGE_OR_IO: u8 = 2;

/// The result of a run that went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1 ([`REJECTED`]).
    Rejected,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Rejected => ExitCode::from(REJECTED),
        }
    }
}

/// A run that could not go through: printed as one `error: ...` line, exit 2.
///
/// Messages are built from paths, option names and `std::io` errors, never from a token's
/// bytes or a computed signature.
#[derive(Debug)]
pub struct CliError {
    message: String,
}

impl CliError {
    /// An error with this one-line message (without the `error: ` prefix).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
