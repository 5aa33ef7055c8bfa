//! What `cargo xtask ci` needs beyond stable Rust, found or installed before the first step.
//!
//! Each [`Tool`] is a row: a probe (a command that succeeds when the tool is there) and the
//! commands that install it. A missing tool is installed when that needs no privileges, or
//! needs root and we are root (a CI container); otherwise, or when `XTASK_NO_INSTALL=1`, or
//! when an install fails, `ci` stops before its first step and prints the exact commands to
//! run. A new requirement (a server a test starts, say) is one more row in [`TOOLS`].

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::step;

/// One thing `ci` needs.
pub struct Tool {
    /// What it is, for the report.
    pub name: &'static str,
    /// Which step needs it.
    pub needed_by: &'static str,
    /// Succeeds when the tool is there.
    pub probe: &'static [&'static str],
    /// Installs it: each command in turn (a program and its arguments, no shell).
    pub install: &'static [&'static [&'static str]],
    /// The install commands need root (system packages).
    pub as_root: bool,
}

/// Everything `ci` needs beyond the stable toolchain running it, in install order (a row may
/// rely on an earlier one: cargo-fuzz runs on nightly).
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "rustfmt",
        needed_by: "format",
        probe: &["cargo", "fmt", "--version"],
        install: &[&["rustup", "component", "add", "rustfmt"]],
        as_root: false,
    },
    Tool {
        name: "clippy",
        needed_by: "clippy",
        probe: &["cargo", "clippy", "--version"],
        install: &[&["rustup", "component", "add", "clippy"]],
        as_root: false,
    },
    Tool {
        name: "the nightly toolchain",
        needed_by: "fuzz smoke",
        probe: &["cargo", "+nightly", "--version"],
        install: &[&[
            "rustup",
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]],
        as_root: false,
    },
    Tool {
        name: "cargo-fuzz",
        needed_by: "fuzz smoke",
        probe: &["cargo", "fuzz", "--version"],
        install: &[&["cargo", "install", "--locked", "cargo-fuzz"]],
        as_root: false,
    },
    // qiscus-webhook-replay's Redis tests start their own redis-server (and fail without it).
    Tool {
        name: "redis-server",
        needed_by: "tests (all features)",
        probe: &["redis-server", "--version"],
        install: &[
            &["apt-get", "update"],
            &["apt-get", "install", "-y", "redis-server"],
        ],
        as_root: true,
    },
    // `bench receivers --quick`: the load generator (`wrk -v` exits 1, hence the shell probe),
    // and what runs the reference peers of bench/peers/ (npm ci; a venv with pip).
    Tool {
        name: "wrk",
        needed_by: "bench receivers smoke",
        probe: &["sh", "-c", "command -v wrk"],
        install: &[&["apt-get", "update"], &["apt-get", "install", "-y", "wrk"]],
        as_root: true,
    },
    Tool {
        name: "node and npm",
        needed_by: "bench receivers smoke",
        probe: &["npm", "--version"],
        install: &[
            &["apt-get", "update"],
            &["apt-get", "install", "-y", "nodejs", "npm"],
        ],
        as_root: true,
    },
    // Debian's python3 leaves out ensurepip (what `python3 -m venv` needs) until python3-venv.
    Tool {
        name: "python3 with venv",
        needed_by: "bench receivers smoke",
        probe: &["python3", "-c", "import ensurepip, venv"],
        install: &[
            &["apt-get", "update"],
            &["apt-get", "install", "-y", "python3", "python3-venv"],
        ],
        as_root: true,
    },
];

/// What `cargo xtask bench gateway` needs (not `ci`: the bench is run by hand): nginx, the
/// proxy the gateway is compared with, and wrk.
pub const BENCH_GATEWAY: &[Tool] = &[
    Tool {
        name: "nginx",
        needed_by: "bench gateway",
        probe: &["sh", "-c", "command -v nginx || test -x /usr/sbin/nginx"],
        install: &[
            &["apt-get", "update"],
            &["apt-get", "install", "-y", "nginx"],
        ],
        as_root: true,
    },
    Tool {
        name: "wrk",
        needed_by: "bench gateway",
        probe: &["sh", "-c", "command -v wrk"],
        install: &[&["apt-get", "update"], &["apt-get", "install", "-y", "wrk"]],
        as_root: true,
    },
];

/// How a command line reads in a message: `a b c`, commands joined by `&&`.
pub fn shell_line(commands: &[&[&str]], sudo: bool) -> String {
    commands
        .iter()
        .map(|argv| {
            let line = argv.join(" ");
            if sudo { format!("sudo {line}") } else { line }
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

fn command(argv: &[&str]) -> Option<Command> {
    let (program, args) = argv.split_first()?;
    let mut command = Command::new(program);
    command.args(args).current_dir(step::root());
    Some(command)
}

/// Runs `argv` with its output discarded: true when it exits 0.
fn succeeds(argv: &[&str]) -> bool {
    command(argv).is_some_and(|mut command| {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

/// Whether we run as root (`id -u` prints 0): system packages can then be installed.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.status.success() && output.stdout.trim_ascii() == b"0")
}

/// `XTASK_NO_INSTALL=1` (or `true`): report what is missing, install nothing.
fn installs_allowed() -> bool {
    !matches!(
        std::env::var("XTASK_NO_INSTALL").as_deref(),
        Ok("1" | "true")
    )
}

/// Why a missing tool was not installed, and what to run.
struct Missing {
    name: &'static str,
    needed_by: &'static str,
    why: &'static str,
    run: String,
}

/// Finds or installs every tool of `tools`; fails, listing the commands to run, if any is
/// still missing.
pub fn ensure(tools: &[Tool]) -> Result<(), String> {
    ensure_with(tools, is_root(), installs_allowed())
}

/// [`ensure`], told whether we are root and whether installing is allowed.
fn ensure_with(tools: &[Tool], root: bool, allowed: bool) -> Result<(), String> {
    let mut missing = Vec::new();
    for tool in tools {
        if succeeds(tool.probe) {
            continue;
        }
        let sudo = tool.as_root && !root;
        let run = shell_line(tool.install, sudo);
        let why = if !allowed {
            "XTASK_NO_INSTALL is set"
        } else if sudo {
            "installing it needs root"
        } else {
            println!(
                "xtask: {} (for {}) is missing: running `{run}` ...",
                tool.name, tool.needed_by
            );
            let started = Instant::now();
            if install(tool) && succeeds(tool.probe) {
                println!(
                    "xtask: {} installed in {}",
                    tool.name,
                    step::seconds(started.elapsed())
                );
                continue;
            }
            "the install failed"
        };
        missing.push(Missing {
            name: tool.name,
            needed_by: tool.needed_by,
            why,
            run,
        });
    }
    if missing.is_empty() {
        let names: Vec<&str> = tools.iter().map(|tool| tool.name).collect();
        println!("xtask: {}: there", names.join(", "));
        return Ok(());
    }
    let mut report = String::from("missing what the checks need; run, then retry:");
    for entry in &missing {
        report.push_str(&format!(
            "\n  {}  # {} (for {}; {})",
            entry.run, entry.name, entry.needed_by, entry.why
        ));
    }
    Err(report)
}

/// Runs the install commands of `tool` in turn, output shown; false at the first failure.
fn install(tool: &Tool) -> bool {
    tool.install.iter().all(|argv| {
        command(argv).is_some_and(|mut command| {
            command
                .stdin(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_line_is_the_commands_in_order() {
        let apt: &[&[&str]] = &[
            &["apt-get", "update"],
            &["apt-get", "install", "-y", "redis-server"],
        ];
        assert_eq!(
            shell_line(apt, true),
            "sudo apt-get update && sudo apt-get install -y redis-server"
        );
        assert_eq!(
            shell_line(TOOLS[3].install, false),
            "cargo install --locked cargo-fuzz"
        );
    }

    #[test]
    fn a_tool_that_is_there_is_left_alone_and_one_that_cannot_be_had_is_reported() {
        let present = Tool {
            name: "cargo",
            needed_by: "everything",
            probe: &["cargo", "--version"],
            install: &[&["false"]],
            as_root: false,
        };
        assert_eq!(ensure_with(&[present], false, true), Ok(()));

        let absent = Tool {
            name: "a tool that does not exist",
            needed_by: "this test",
            probe: &["xtask-no-such-program-anywhere"],
            install: &[&["xtask-no-such-installer", "--yes"]],
            as_root: false,
        };
        let report = ensure_with(&[absent], false, true).unwrap_err();
        assert!(
            report.contains("\n  xtask-no-such-installer --yes  # a tool that does not exist"),
            "{report}"
        );
        assert!(report.contains("the install failed"), "{report}");
    }

    #[test]
    fn a_system_package_is_not_installed_without_root_nor_anything_when_told_not_to() {
        // The installers would fail loudly if run: `false` exits 1.
        let server = Tool {
            name: "a server",
            needed_by: "this test",
            probe: &["xtask-no-such-program-anywhere"],
            install: &[&["false"]],
            as_root: true,
        };
        let report = ensure_with(std::slice::from_ref(&server), false, true).unwrap_err();
        assert!(report.contains("\n  sudo false  # a server"), "{report}");
        assert!(report.contains("installing it needs root"), "{report}");

        let report = ensure_with(&[server], true, false).unwrap_err();
        assert!(report.contains("\n  false  # a server"), "{report}");
        assert!(report.contains("XTASK_NO_INSTALL is set"), "{report}");
    }

    #[test]
    fn every_row_probes_and_installs_something() {
        for tool in TOOLS {
            assert!(!tool.probe.is_empty(), "{}", tool.name);
            assert!(
                !tool.install.is_empty() && tool.install.iter().all(|argv| !argv.is_empty()),
                "{}",
                tool.name
            );
        }
    }
}
