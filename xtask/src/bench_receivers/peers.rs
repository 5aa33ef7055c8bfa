//! The reference peers (bench/peers/): installed from their registries into the target
//! directory, then started like the examples (`BIND`, one listening line).
//!
//! - Node: `npm ci` (the committed package-lock.json) in a copy of bench/peers/node/, so that
//!   `node_modules` never lands in the source tree; run with `NODE_ENV=production`, as
//!   Express's performance guide asks.
//! - Python: a virtual environment, `pip install -r requirements.txt` (every package pinned).
//!
//! Each install is skipped when what it installed from (the lock file, the requirements) is
//! unchanged since the last one: a stamp next to it holds that file's content.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::step;

/// A peer, ready to start.
pub struct Peer {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// The directory to start it in.
    pub dir: PathBuf,
    /// Extra environment.
    pub env: Vec<(&'static str, &'static str)>,
}

impl Peer {
    /// The command that starts it, pinned to `cpu` with taskset when given.
    pub fn command(&self, cpu: Option<usize>) -> Command {
        let mut command = match (cpu, self.argv.split_first()) {
            (Some(cpu), _) => {
                let mut command = Command::new("taskset");
                command.args(["-c", &cpu.to_string()]).args(&self.argv);
                command
            }
            (None, Some((program, args))) => {
                let mut command = Command::new(program);
                command.args(args);
                command
            }
            // No program: nothing to start (spawning this fails with a clear error).
            (None, None) => Command::new(""),
        };
        command
            .current_dir(&self.dir)
            .envs(self.env.iter().copied());
        command
    }
}

fn source(peer: &str) -> PathBuf {
    step::root().join("bench/peers").join(peer)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|error| format!("copy {} to {}: {error}", from.display(), to.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))
}

/// Whether `stamp` holds exactly `content` (what the last successful install came from).
fn installed(stamp: &Path, content: &[u8]) -> bool {
    std::fs::read(stamp).is_ok_and(|stamped| stamped == content)
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    println!("bench receivers: {what} ...");
    let status = command
        .status()
        .map_err(|error| format!("{what}: could not start {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {command:?} failed ({status})"))
    }
}

/// Installs the Node peer (Express) under `dir` and returns how to start it.
pub fn node(dir: &Path) -> Result<Peer, String> {
    let from = source("node");
    let dir = dir.join("node");
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    for file in ["package.json", "package-lock.json", "server.js"] {
        copy(&from.join(file), &dir.join(file))?;
    }
    let lock = read(&from.join("package-lock.json"))?;
    let stamp = dir.join(".installed-from");
    if !(installed(&stamp, &lock) && dir.join("node_modules/express").is_dir()) {
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&dir);
        run(
            npm,
            "the Node peer: npm ci (express, from package-lock.json)",
        )?;
        std::fs::write(&stamp, &lock).map_err(|error| format!("{}: {error}", stamp.display()))?;
    }
    Ok(Peer {
        argv: vec!["node".into(), "server.js".into()],
        dir,
        env: vec![("NODE_ENV", "production")],
    })
}

/// Installs the Python peer (uvicorn) in a virtual environment under `dir` and returns how
/// to start it.
pub fn python(dir: &Path) -> Result<Peer, String> {
    let from = source("python");
    let venv = dir.join("python-venv");
    let requirements = from.join("requirements.txt");
    let wanted = read(&requirements)?;
    let stamp = venv.join(".installed-from");
    let python = venv.join("bin/python");
    if !(installed(&stamp, &wanted) && python.is_file()) {
        let mut create = Command::new("python3");
        create.arg("-m").arg("venv").arg("--clear").arg(&venv);
        run(create, "the Python peer: python3 -m venv")?;
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements);
        run(
            pip,
            "the Python peer: pip install -r requirements.txt (uvicorn)",
        )?;
        std::fs::write(&stamp, &wanted).map_err(|error| format!("{}: {error}", stamp.display()))?;
    }
    Ok(Peer {
        argv: vec![
            python.to_string_lossy().into_owned(),
            from.join("app.py").to_string_lossy().into_owned(),
        ],
        dir: from,
        env: vec![("PYTHONDONTWRITEBYTECODE", "1")],
    })
}

/// The version a pinned dependency line gives (`"express": "5.3.0"`, `uvicorn==0.55.0`), for
/// the report.
pub fn pinned(peer: &str, file: &str, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(source(peer).join(file)).ok()?;
    version_in(&text, name)
}

fn version_in(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let json = format!("\"{name}\":");
        if let Some(rest) = line.strip_prefix(&json) {
            return Some(rest.trim().trim_matches([',', '"', ' ']).to_owned());
        }
        line.strip_prefix(name)?
            .strip_prefix("==")
            .map(|version| version.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pins_are_read_from_both_manifests() {
        let package = "{\n  \"dependencies\": {\n    \"express\": \"5.3.0\"\n  }\n}\n";
        assert_eq!(version_in(package, "express").as_deref(), Some("5.3.0"));
        let requirements = "# comment\nuvicorn==0.55.0\nuvloop==0.23.0\n";
        assert_eq!(
            version_in(requirements, "uvicorn").as_deref(),
            Some("0.55.0")
        );
        assert_eq!(
            version_in(requirements, "uvloop").as_deref(),
            Some("0.23.0")
        );
        assert_eq!(version_in(requirements, "flask"), None);
        // The committed manifests pin them.
        assert!(pinned("node", "package.json", "express").is_some());
        assert!(pinned("python", "requirements.txt", "uvicorn").is_some());
    }

    #[test]
    fn a_pinned_peer_runs_under_taskset_in_its_directory() {
        let peer = Peer {
            argv: vec!["node".into(), "server.js".into()],
            dir: "/tmp".into(),
            env: vec![("NODE_ENV", "production")],
        };
        let pinned = peer.command(Some(1));
        assert_eq!(pinned.get_program(), "taskset");
        let args: Vec<_> = pinned.get_args().map(|a| a.to_string_lossy()).collect();
        assert_eq!(args, ["-c", "1", "node", "server.js"]);
        assert_eq!(pinned.get_current_dir(), Some(Path::new("/tmp")));
        assert_eq!(peer.command(None).get_program(), "node");
    }
}
