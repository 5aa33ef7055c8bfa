//! `cargo xtask fuzz [TARGET] [--time SECONDS] [--sanitizer address|none] [-- LIBFUZZER_ARGS]`:
//! the cargo-fuzz targets of `fuzz/`, one or all, each for a bounded time.
//!
//! Runs `cargo +nightly fuzz run <target> -- -max_total_time=S -dict=fuzz/hex.dict`, in
//! order, stopping at the first target that finds a failing input (cargo-fuzz exits non-zero
//! and leaves it in `fuzz/artifacts/<target>/`). With `CARGO_TARGET_DIR` set, the fuzz builds
//! go to `$CARGO_TARGET_DIR/fuzz` (nightly and sanitizer flags would otherwise invalidate the
//! stable builds there); else to cargo-fuzz's own `fuzz/target`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::step;

/// Seconds per target when `--time` is not given.
const DEFAULT_SECONDS: u64 = 60;

pub const USAGE: &str = "\
usage: cargo xtask fuzz [TARGET] [--time SECONDS] [--sanitizer address|none] [-- LIBFUZZER_ARGS]

Runs one fuzz target (or every one, in turn) for SECONDS each (default 60) with the
dictionary fuzz/hex.dict, and fails on the first failing input. Needs the nightly toolchain
and cargo-fuzz. The sanitizer defaults to cargo-fuzz's (address).";

struct Options {
    target: Option<String>,
    seconds: u64,
    sanitizer: Option<String>,
    libfuzzer: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        target: None,
        seconds: DEFAULT_SECONDS,
        sanitizer: None,
        libfuzzer: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--time" => {
                let value = args.next().ok_or("--time needs a number of seconds")?;
                options.seconds = value
                    .parse()
                    .ok()
                    .filter(|seconds| *seconds > 0)
                    .ok_or_else(|| format!("--time: not a number of seconds: {value:?}"))?;
            }
            "--sanitizer" => {
                let value = args.next().ok_or("--sanitizer needs address or none")?;
                options.sanitizer = Some(value.clone());
            }
            "--" => {
                options.libfuzzer = args.cloned().collect();
                break;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            target if options.target.is_none() => options.target = Some(target.to_owned()),
            extra => return Err(format!("one target at most (got {extra:?} too)")),
        }
    }
    Ok(options)
}

/// The fuzz targets: the files of `fuzz/fuzz_targets/`, by name.
pub fn targets() -> Result<Vec<String>, String> {
    let dir = step::root().join("fuzz").join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut targets: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    targets.sort();
    Ok(targets)
}

/// Where the fuzz builds go, if not cargo-fuzz's default.
fn target_dir() -> Option<PathBuf> {
    std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("fuzz"))
}

/// `cargo +nightly ...`: through rustup's proxy on `PATH` (not `$CARGO`, which is the
/// toolchain running us and knows no `+nightly`).
fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    command.arg("+nightly").current_dir(step::root());
    command
}

fn succeeds(mut command: Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Fails with what to install when nightly or cargo-fuzz is missing.
pub fn check_tools() -> Result<(), String> {
    let mut version = nightly_cargo();
    version.arg("--version");
    if !succeeds(version) {
        return Err(
            "fuzzing needs the nightly toolchain: run `rustup toolchain install nightly`".into(),
        );
    }
    let mut fuzz = nightly_cargo();
    fuzz.args(["fuzz", "--version"]);
    if !succeeds(fuzz) {
        return Err("fuzzing needs cargo-fuzz: run `cargo install --locked cargo-fuzz`".into());
    }
    Ok(())
}

pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse(args).map_err(|error| format!("{error}\n{USAGE}"))?;
    let all = targets()?;
    let selected = match &options.target {
        Some(target) if all.contains(target) => vec![target.clone()],
        Some(target) => {
            return Err(format!(
                "no fuzz target {target:?}; targets: {}",
                all.join(", ")
            ));
        }
        None => all,
    };
    check_tools()?;

    let dict = step::root().join("fuzz").join("hex.dict");
    let started = Instant::now();
    for target in &selected {
        println!("xtask fuzz {target}: {} s ...", options.seconds);
        let mut command = nightly_cargo();
        command.args(["fuzz", "run", target]);
        if let Some(dir) = target_dir() {
            command.arg("--target-dir").arg(dir);
        }
        if let Some(sanitizer) = &options.sanitizer {
            command.args(["--sanitizer", sanitizer]);
        }
        command
            .arg("--")
            .arg(format!("-max_total_time={}", options.seconds))
            .arg(format!("-dict={}", dict.display()))
            .arg("-print_final_stats=1")
            .args(&options.libfuzzer);
        match step::run(command) {
            Ok(took) => println!("xtask fuzz {target}: ok in {}", step::seconds(took)),
            Err(_) => {
                return Err(format!(
                    "fuzz target {target} failed (a failing input is in fuzz/artifacts/{target}/; \
                     replay it with `cargo +nightly fuzz run {target} <file>`). Once fixed, \
                     commit the input as fuzz/corpus/{target}/seed-crash-<what> so that \
                     `cargo test -p qiscus-webhook-fuzz-checks` replays it on stable."
                ));
            }
        }
    }
    println!(
        "xtask fuzz: {} target(s) without a failure in {}",
        selected.len(),
        step::seconds(started.elapsed())
    );
    Ok(())
}
