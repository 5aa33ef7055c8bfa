//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `ci`: every check CI runs, in order, stopping at the first failure;
//! - `bench`: the criterion benchmarks of every crate;
//! - `demo`: the four receiver examples, started and sent the same signed and forged requests;
//! - `fuzz`: the cargo-fuzz targets, one or all, for a bounded time (nightly, cargo-fuzz);
//! - `timing`: the dudect-style constant-time check of the verifier (not in `ci`: too noisy).

#![forbid(unsafe_code)]

mod ci;
mod demo;
mod fuzz;
mod step;
mod timing;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo     [axum|actix|warp|rocket ...] start the receiver examples and show each one verifying real requests
  ci       format, lints, tests, no_std build, docs, doctests, fuzz smoke (what CI runs)
  bench    criterion benchmarks of every crate (pass criterion options after --)
  fuzz     [TARGET] [--time SECONDS]: run the fuzz targets (nightly + cargo-fuzz)
  timing   [--measurements N] [--control]: constant-time check of verification (dudect)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("demo") => demo::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("timing") => timing::run(&args[1..]),
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
