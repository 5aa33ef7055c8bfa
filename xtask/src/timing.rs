//! `cargo xtask timing [--measurements N] [--control]`: the constant-time check, dudect style.
//!
//! Builds and runs, optimised, the `timing` binary of `qiscus-webhook-fuzz-checks`: Welch's
//! t-test (raw, cropped at 100 percentiles, second order) on the time `Verifier::verify`
//! takes to refuse a signature wrong in its first byte vs one wrong in its last byte, a
//! million measurements by default, interleaved at random. Fails when |t| reaches 4.5.
//! `--control` times a deliberately leaky comparison instead, and succeeds when the test sees
//! that leak (proof that it can). Not part of `cargo xtask ci`: timing on a shared machine is
//! too noisy for a gate.

use crate::step;

pub fn run(args: &[String]) -> Result<(), String> {
    let took = step::cargo(
        &[
            "run",
            "--release",
            "--quiet",
            "--package",
            "qiscus-webhook-fuzz-checks",
            // The verifier only: no need to build the axum check.
            "--no-default-features",
            "--bin",
            "timing",
            "--",
        ],
        args,
    )?;
    println!("xtask timing: ok in {}", step::seconds(took));
    Ok(())
}
