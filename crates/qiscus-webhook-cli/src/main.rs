//! `qiscus-webhook`: sign, verify and send Qiscus webhook bodies, and print sample events.
//!
//! Thin on purpose: parse the command line, run the subcommand, turn its outcome into an exit
//! code (0 success, 1 rejected, 2 usage or I/O error). See the crate's README for usage.

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// A unit test that unwraps fails loudly, which is its job.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod cli;
mod completions;
mod exit;
mod http1;
mod input;
mod logging;
mod output;
mod sample;
mod send;
mod sign;
mod target;
mod token;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = logging::init() {
        output::error_line(&error.to_string());
        return ExitCode::from(exit::USAGE_OR_IO);
    }
    let result = match &cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Send(args) => send::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Completions(args) => completions::run(args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            output::error_line(&error.to_string());
            ExitCode::from(exit::USAGE_OR_IO)
        }
    }
}
