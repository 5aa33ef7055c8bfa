//! The workspace's packages as `cargo metadata` describes them.

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::Value;

use crate::step;

/// One package of the workspace.
pub struct Package {
    pub name: String,
    pub version: String,
    /// The directory of its `Cargo.toml`.
    pub dir: PathBuf,
    /// Whether it may be published to crates.io (`publish` is not `false`).
    pub publish: bool,
    /// Its `rust-version`, if it states one.
    pub rust_version: Option<String>,
}

/// `cargo metadata --format-version 1 <args>`, parsed.
pub fn metadata(args: &[&str]) -> Result<Value, String> {
    let mut command = step::cargo_command();
    command
        .args(["metadata", "--format-version", "1"])
        .args(args)
        .stderr(Stdio::inherit());
    let output = command
        .output()
        .map_err(|error| format!("could not run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed ({})", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("cargo metadata printed something else than JSON: {error}"))
}

/// The workspace's own packages, in `cargo metadata`'s order.
pub fn packages() -> Result<Vec<Package>, String> {
    let metadata = metadata(&["--no-deps"])?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().ok_or("cargo metadata: no name")?;
            let version = package["version"]
                .as_str()
                .ok_or("cargo metadata: no version")?;
            let manifest = package["manifest_path"]
                .as_str()
                .ok_or("cargo metadata: no manifest_path")?;
            let dir = PathBuf::from(manifest)
                .parent()
                .map(PathBuf::from)
                .ok_or("cargo metadata: manifest_path without a directory")?;
            // `null`: any registry; `[]`: `publish = false`; a list: those registries only.
            let publish = match &package["publish"] {
                Value::Array(registries) => registries.iter().any(|r| r == "crates-io"),
                _ => true,
            };
            Ok(Package {
                name: name.to_owned(),
                version: version.to_owned(),
                dir,
                publish,
                rust_version: package["rust_version"].as_str().map(str::to_owned),
            })
        })
        .collect()
}
