//! `cargo xtask ci`: the checks CI runs, in order, one line each with its time.
//!
//! Before the first step, everything the steps need beyond stable Rust is found or installed
//! ([`provision::TOOLS`]); if something cannot be, nothing runs and the exact commands to run
//! are printed.

use std::process::Command;
use std::time::Instant;

use crate::{provision, step};

/// One CI step: a name for the summary line, and the command it runs.
struct Step {
    name: &'static str,
    command: Command,
}

fn cargo(name: &'static str, args: &[&str]) -> Step {
    let mut command = step::cargo_command();
    command.args(args);
    Step { name, command }
}

fn steps() -> Vec<Step> {
    let mut rustdoc = cargo(
        "rustdoc (-D warnings)",
        &["doc", "--workspace", "--all-features", "--no-deps"],
    );
    rustdoc.command.env("RUSTDOCFLAGS", "-D warnings");
    vec![
        cargo("format", &["fmt", "--all", "--check"]),
        cargo(
            "format (fuzz/)",
            &["fmt", "--manifest-path", "fuzz/Cargo.toml", "--check"],
        ),
        cargo(
            "clippy (all targets, all features, -D warnings)",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
        cargo(
            "tests (all features)",
            &["test", "--workspace", "--all-targets", "--all-features"],
        ),
        cargo(
            "core without std (no_std + alloc)",
            &["build", "-p", "qiscus-webhook", "--no-default-features"],
        ),
        rustdoc,
        cargo(
            "doctests",
            &["test", "--workspace", "--all-features", "--doc"],
        ),
        cargo(
            "README as a new user (each framework section, a crate of its own)",
            &["xtask", "readme"],
        ),
        cargo(
            "packages (cargo package, each verified)",
            &["xtask", "package"],
        ),
        cargo(
            "rust-version against the dependency trees",
            &["xtask", "msrv"],
        ),
        cargo(
            "demo (the four receivers over real sockets)",
            &["xtask", "demo"],
        ),
        // A correctness check of close and 408 under load (debug builds, generous bounds),
        // not a speed test: the full probe is `cargo xtask hostile` (BENCHMARKS.md).
        cargo(
            "hostile clients (refused uploads closed, stalled bodies 408)",
            &["xtask", "hostile", "--quick"],
        ),
        // A smoke, not a measurement: the debug builds the demo just made, 2 s per row, every
        // response checked (~80 s on 2 cores, with the peers installed from npm and PyPI).
        cargo(
            "bench receivers smoke (every receiver and peer under load, answers checked)",
            &["xtask", "bench", "receivers", "--quick"],
        ),
        // Last: the slowest, and the only one that needs nightly and cargo-fuzz.
        cargo(
            "fuzz smoke (every target, 20 s each)",
            &["xtask", "fuzz", "--time", "20"],
        ),
    ]
}

/// Runs every step, stopping at the first failure.
pub fn run() -> Result<(), String> {
    let started = Instant::now();
    provision::ensure(provision::TOOLS)?;
    let steps = steps();
    let total = steps.len();
    for (n, step) in steps.into_iter().enumerate() {
        println!("xtask ci [{}/{total}] {} ...", n + 1, step.name);
        match step::run(step.command) {
            Ok(took) => println!(
                "xtask ci [{}/{total}] {}: ok in {}",
                n + 1,
                step.name,
                step::seconds(took)
            ),
            Err(error) => {
                println!("xtask ci [{}/{total}] {}: FAILED", n + 1, step.name);
                return Err(error);
            }
        }
    }
    println!(
        "xtask ci: all {total} steps passed in {}",
        step::seconds(started.elapsed())
    );
    Ok(())
}
