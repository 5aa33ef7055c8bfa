//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `ci`: every check CI runs, in order, stopping at the first failure;
//! - `bench`: the criterion benchmarks of every crate.

#![forbid(unsafe_code)]

mod ci;
mod step;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci       format, lints, tests, no_std build, docs, doctests (what CI runs)
  bench    criterion benchmarks of every crate (pass criterion options after --)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("bench") => step::cargo(&["bench", "--workspace"], &args[1..]).map(drop),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
