//! `cargo xtask package`: every publishable crate packaged and built from its package alone.
//!
//! Runs `cargo package` on all of them at once (cargo packages the workspace's unpublished
//! dependencies together through a local registry), which unpacks each `.crate` and builds it:
//! a file the crate needs but does not package (an `include_bytes!` outside it, a fixture left
//! out of `include`) fails here. First checks that each crate's LICENSE-MIT and
//! LICENSE-APACHE, copies because cargo packages only files inside the crate, still equal the
//! root's. `--allow-dirty`: this checks the packaging, it publishes nothing. Cargo's note on
//! each test and bench target the packages leave out (by design: they use the workspace's
//! fixtures and dev-dependencies) is counted, not printed, so that any other warning shows.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{step, workspace};

/// The license files every published crate carries, copies of the root's.
pub const LICENSES: &[&str] = &["LICENSE-MIT", "LICENSE-APACHE"];

pub fn run() -> Result<(), String> {
    let root = step::root();
    let packages: Vec<_> = workspace::packages()?
        .into_iter()
        .filter(|package| package.publish)
        .collect();
    for license in LICENSES {
        let original = std::fs::read(root.join(license))
            .map_err(|error| format!("{license} at the root: {error}"))?;
        for package in &packages {
            let copy = package.dir.join(license);
            if std::fs::read(&copy).ok().as_ref() != Some(&original) {
                let dir = package.dir.strip_prefix(&root).unwrap_or(&package.dir);
                return Err(format!(
                    "{} is not a copy of the root's {license}: run `cp {license} {}/`",
                    copy.display(),
                    dir.display()
                ));
            }
        }
    }
    forget_unpacked(&packages)?;
    let started = Instant::now();
    let mut command = step::cargo_command();
    command.args(["package", "--allow-dirty"]);
    for package in &packages {
        command.args(["--package", package.name.as_str()]);
    }
    let left_out = run_counting_left_out(command)?;
    println!(
        "xtask package: {} crates packaged and verified in {} ({left_out} test and bench \
         targets left out, as `include` says: they stay in the repository)",
        packages.len(),
        step::seconds(started.elapsed())
    );
    Ok(())
}

/// Removes the sources cargo unpacked from its local registry in an earlier run.
///
/// Cargo "publishes" the crates to a local registry under the target directory and unpacks the
/// dependencies among them (the core, for every other crate) to
/// `$CARGO_HOME/registry/src/<registry>/<name>-<version>/`; a later run with the same version
/// finds that directory already there and builds the old sources, so a change to the core
/// would be verified against its first packaged state. These crates are not on crates.io, so
/// nothing else is in those directories (and a registry's copy would be unpacked again from its
/// download cache).
fn forget_unpacked(packages: &[workspace::Package]) -> Result<(), String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let Some(sources) = cargo_home.map(|home| home.join("registry").join("src")) else {
        return Ok(());
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return Ok(()); // nothing unpacked yet
    };
    for registry in registries.filter_map(Result::ok) {
        for package in packages {
            let unpacked = registry
                .path()
                .join(format!("{}-{}", package.name, package.version));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .map_err(|error| format!("{}: {error}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// Whether `line` is cargo's note that a target's file is not in the package (one per test
/// and bench: expected, since `include` leaves them out).
fn is_left_out_note(line: &str) -> bool {
    line.starts_with("warning: ignoring ")
        && line.ends_with(" is not included in the published package")
}

/// Runs `command`, its standard error passed through but for the left-out notes, which it
/// counts; fails on a non-zero exit.
fn run_counting_left_out(mut command: Command) -> Result<usize, String> {
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("could not start {command:?}: {error}"))?;
    let mut left_out = 0;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.map_err(|error| format!("reading cargo's output: {error}"))?;
            if is_left_out_note(&line) {
                left_out += 1;
            } else {
                eprintln!("{line}");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("waiting for {command:?}: {error}"))?;
    if status.success() {
        Ok(left_out)
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_notes_on_left_out_targets_are_counted() {
        assert!(is_left_out_note(
            "warning: ignoring test `events` as `tests/events.rs` is not included in the \
             published package"
        ));
        assert!(is_left_out_note(
            "warning: ignoring benchmark `verify` as `benches/verify.rs` is not included in the \
             published package"
        ));
        assert!(!is_left_out_note("warning: manifest has no license"));
        assert!(!is_left_out_note("   Verifying qiscus-webhook v0.1.0"));
    }
}
