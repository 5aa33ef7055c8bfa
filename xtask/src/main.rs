//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `ci`: every check CI runs, in order, stopping at the first failure (after installing what
//!   they need, see `provision`);
//! - `readme`: the README's framework sections, each built as a new crate from its own lines;
//! - `package`: every publishable crate packaged and built from its `.crate` alone;
//! - `msrv`: each published crate's `rust-version` against its dependency tree's;
//! - `provision`: what `ci` installs before its first step, alone;
//! - `bench`: the criterion benchmarks of every crate; `bench receivers`: the receiver examples,
//!   and reference peers (Express, uvicorn) side by side over loopback (wrk), table and chart;
//!   `bench gateway`: the gateway against nginx `proxy_pass` in front of the same upstream;
//! - `demo`: the four receiver examples, started and sent the same signed and forged requests;
//! - `hostile`: the four receiver examples against hostile clients (refused uploads, stalled
//!   bodies): how fast they refuse, what it costs them in memory;
//! - `fuzz`: the cargo-fuzz targets, one or all, for a bounded time (nightly, cargo-fuzz);
//! - `timing`: the dudect-style constant-time check of the verifier (not in `ci`: too noisy).

#![forbid(unsafe_code)]

mod bench_gateway;
mod bench_receivers;
mod ci;
mod demo;
mod fuzz;
mod hostile;
#[cfg(test)]
mod imports;
mod machine;
mod msrv;
mod package;
mod provision;
mod readme;
mod step;
mod timing;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo     [axum|actix|warp|rocket ...] start the receiver examples and show each one verifying real requests
  ci       format, lints, tests, no_std build, docs, doctests, README as a new user, packages,
           rust-version, demo, bench receivers smoke, fuzz smoke (what CI runs; installs nightly,
           cargo-fuzz, wrk, ... if missing)
  readme   [NAME ...]: build each README framework section as a new crate (cargo check)
  package  cargo package (verified) for every publishable crate
  msrv     each published crate's rust-version against what its dependencies need
  provision  install what ci needs (nightly, cargo-fuzz, ...) or print the commands to run
  bench    criterion benchmarks of every crate (pass criterion options after --)
  bench receivers [--quick]: our receivers and reference peers over loopback (wrk), table
           and chart (--quick: the CI smoke, every response checked, nothing written)
  bench gateway [--quick]: the gateway against nginx proxy_pass in front of the same upstream
           (wrk): req/s, added p50/p99 latency and the ratio; writes BENCHMARKS.md
  hostile  [axum|actix|warp|rocket ...] [--quick]: the receivers against hostile clients
           (refused 8 MiB uploads, stalled bodies): times, RSS, the table of issue 14
  fuzz     [TARGET] [--time SECONDS]: run the fuzz targets (nightly + cargo-fuzz)
  timing   [--measurements N] [--control]: constant-time check of verification (dudect)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("demo") => demo::run(&args[1..]),
        Some("hostile") => hostile::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("timing") => timing::run(&args[1..]),
        Some("readme") => readme::run(&args[1..]),
        Some("package") => package::run(),
        Some("msrv") => msrv::run(),
        Some("provision") => provision::ensure(provision::TOOLS),
        Some("bench") if args.get(1).is_some_and(|arg| arg == "gateway") => {
            bench_gateway::run(&args[2..])
        }
        Some("bench") if args.get(1).is_some_and(|arg| arg == "receivers") => {
            bench_receivers::run(&args[2..])
        }
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
