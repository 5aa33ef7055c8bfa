//! Running one step: a command, its wall time, and a one-line verdict.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// `cargo` as the one running us, so `+toolchain` and `CARGO` overrides carry through.
pub fn cargo_command() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root());
    command
}

/// Runs `cargo <args> <extra>` with inherited output; fails on a non-zero exit.
pub fn cargo(args: &[&str], extra: &[String]) -> Result<Duration, String> {
    let mut command = cargo_command();
    command.args(args).args(extra);
    run(command)
}

/// Runs `command` with inherited output; fails on a non-zero exit.
pub fn run(mut command: Command) -> Result<Duration, String> {
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|error| format!("could not start {command:?}: {error}"))?;
    if status.success() {
        Ok(started.elapsed())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// Formats a duration as `12.3s`.
pub fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
