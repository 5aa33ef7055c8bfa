//! `cargo xtask msrv`: each published crate's `rust-version` against what its dependency
//! tree needs.
//!
//! For each crate: its normal and build dependencies, every feature on, for every target
//! platform (`cargo tree -e normal,build --all-features --target all`), as locked; the highest
//! `rust-version` among them (from `cargo metadata`) is the least the crate can state. Fails
//! when a crate states less. A crate may state more: its own code can need a newer language
//! (let chains: 1.88), which clippy's `incompatible_msrv` lint and the compiler check instead.

use std::collections::HashMap;

use crate::{step, workspace};

/// `1.88` or `1.88.0` as (1, 88, 0).
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    parts.next().is_none().then_some((major, minor, patch))
}

/// The `name version` pairs of `cargo tree --prefix none --format {p}` output (`v` dropped,
/// the `(path)` and `(*)` marks ignored).
fn tree_packages(output: &str) -> Vec<(&str, &str)> {
    output
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some((name, version))
        })
        .collect()
}

/// The `rust-version` of every package `cargo metadata` knows, by name and version.
fn rust_versions() -> Result<HashMap<(String, String), String>, String> {
    let metadata = workspace::metadata(&["--all-features"])?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    Ok(packages
        .iter()
        .filter_map(|package| {
            let name = package["name"].as_str()?;
            let version = package["version"].as_str()?;
            let rust_version = package["rust_version"].as_str()?;
            Some(((name.into(), version.into()), rust_version.into()))
        })
        .collect())
}

/// The highest `rust-version` in the dependency tree of `name` (itself excluded), and which
/// dependency states it.
fn needed(
    name: &str,
    members: &[&str],
    versions: &HashMap<(String, String), String>,
) -> Result<Option<(String, String)>, String> {
    let mut command = step::cargo_command();
    command.args([
        "tree",
        "--package",
        name,
        "--edges",
        "normal,build",
        "--all-features",
        "--target",
        "all",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let output = command
        .output()
        .map_err(|error| format!("could not run cargo tree: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree -p {name} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Ties go to a dependency from outside the workspace: that is what sets the figure.
    // (version, external) as the rank; then the stated text and the dependency.
    type Rank = ((u64, u64, u64), bool);
    let mut highest: Option<(Rank, String, String)> = None;
    for (dependency, version) in tree_packages(&stdout) {
        if dependency == name {
            continue;
        }
        let external = !members.contains(&dependency);
        let Some(rust_version) = versions.get(&(dependency.to_owned(), version.to_owned())) else {
            continue;
        };
        let Some(parsed) = parse_version(rust_version) else {
            return Err(format!(
                "{dependency} {version}: rust-version {rust_version:?} is not a version"
            ));
        };
        let rank = (parsed, external);
        if highest.as_ref().is_none_or(|(best, _, _)| rank > *best) {
            let by = format!("{dependency} {version}");
            highest = Some((rank, rust_version.clone(), by));
        }
    }
    Ok(highest.map(|(_, rust_version, by)| (rust_version, by)))
}

pub fn run() -> Result<(), String> {
    let versions = rust_versions()?;
    let packages = workspace::packages()?;
    let members: Vec<&str> = packages
        .iter()
        .map(|package| package.name.as_str())
        .collect();
    let mut short = Vec::new();
    for package in packages.iter().filter(|package| package.publish) {
        let stated = package.rust_version.as_deref();
        let needed = needed(&package.name, &members, &versions)?;
        let line = match &needed {
            Some((version, by)) => format!("dependencies need {version} ({by})"),
            None => "no dependency states a rust-version".into(),
        };
        println!(
            "xtask msrv {}: rust-version {}, {line}",
            package.name,
            stated.unwrap_or("(none)")
        );
        let Some((version, by)) = needed else {
            continue;
        };
        let enough = stated
            .and_then(parse_version)
            .zip(parse_version(&version))
            .is_some_and(|(stated, needed)| stated >= needed);
        if !enough {
            short.push(format!(
                "{} states rust-version {} but {by} needs {version}",
                package.name,
                stated.unwrap_or("(none)")
            ));
        }
    }
    if short.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; raise rust-version (the root Cargo.toml's [workspace.package]) or hold the \
             dependency back",
            short.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers_with_missing_parts_zero() {
        assert_eq!(parse_version("1.88"), Some((1, 88, 0)));
        assert_eq!(parse_version("1.88.0"), Some((1, 88, 0)));
        assert!(parse_version("1.100") > parse_version("1.88.1"));
        assert_eq!(parse_version("1.88.0.1"), None);
        assert_eq!(parse_version("1.x"), None);
    }

    #[test]
    fn tree_lines_give_name_and_version() {
        let output = "qiscus-webhook v0.1.0 (/work/crates/qiscus-webhook)\nsha2 v0.11.1\n\
                      sha2 v0.11.1 (*)\nserde_derive v1.0.228 (proc-macro)\n\n";
        assert_eq!(
            tree_packages(output),
            [
                ("qiscus-webhook", "0.1.0"),
                ("sha2", "0.11.1"),
                ("sha2", "0.11.1"),
                ("serde_derive", "1.0.228")
            ]
        );
    }
}
