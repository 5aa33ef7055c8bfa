//! Running a receiver example's binary (built by `cargo test` next to the test binaries) the
//! way a user does, for every framework's example.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::{SignedRequest, fixtures, wire};

/// The token the examples are started with; it must never appear in their output.
pub const TOKEN: &str = "example-secret-token-do-not-print";

/// The example's binary, `target/<profile>/examples/<name>`, built (or found fresh) with the
/// same cargo and profile as this test: `cargo test --all-targets` builds examples only as
/// test harnesses, not as the program a user runs.
fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target/<profile>/deps/<test>");
            let profile = match profile_dir.file_name().and_then(|dir| dir.to_str()) {
                Some("debug") | None => "dev",
                Some(other) => other,
            };
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--manifest-path", manifest])
                .args(["--profile", profile, "--example", name])
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build --example {name}: {status}");
            let path = profile_dir.join("examples").join(name);
            assert!(path.exists(), "{} was not built", path.display());
            path
        })
        .clone()
}

fn command(name: &str, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary(name));
    command.env_clear().envs(vars.iter().copied());
    command
}

/// The example exits with code 2 and prints exactly one line, on stderr, naming `variable`.
///
/// An example that does not refuse would serve forever: it is killed after 30 s (on an
/// ephemeral port, unless `vars` sets `BIND`), and the test fails instead of hanging.
pub fn assert_refuses(name: &str, vars: &[(&str, &str)], variable: &str) {
    let mut command = command(name, vars);
    if !vars.iter().any(|(key, _)| *key == "BIND") {
        command.env("BIND", "127.0.0.1:0");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() >= Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{vars:?}: still running after 30 s, it did not refuse");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // It has exited: the pipes hold all it printed (a line, far below a pipe's capacity).
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the example's output");
    let stderr = String::from_utf8_lossy(&stderr);
    assert_eq!(
        status.code(),
        Some(2),
        "{vars:?}: {status}, stderr {stderr:?}"
    );
    assert!(
        stdout.is_empty(),
        "{vars:?}: stdout {:?}",
        String::from_utf8_lossy(&stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "{vars:?}: {stderr:?}");
    assert!(stderr.contains(variable), "{vars:?}: {stderr:?}");
    assert!(!stderr.contains(TOKEN), "{vars:?}: the token was printed");
}

/// Starts the example on an ephemeral port (`testkit::process::Example`), checks its one
/// listening line, sends a signed and a forged request, then stops it with SIGTERM and expects
/// a clean exit.
pub fn assert_serves(name: &str) {
    let example = Example::start(command(name, &[("QISCUS_WEBHOOK_TOKEN", TOKEN)]))
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let line = example.listening_line().to_owned();
    assert_eq!(line, format!("listening on http://{}", example.addr()));

    let signed = SignedRequest::new(TOKEN, fixtures::MULTICHANNEL_BOT_2025);
    let post = |path: &str, request: &SignedRequest| {
        let reply = wire::exchange_blocking(example.addr(), &request.to_spec(path))
            .unwrap_or_else(|error| panic!("{path}: {error}"));
        (
            reply.status,
            String::from_utf8_lossy(&reply.body).into_owned(),
        )
    };
    let (status, body) = post("/events", &signed);
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"type":"post_comment_mobile"}"#)
    );
    let (status, body) = post("/webhook", &signed.clone().tampered());
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"signature_mismatch"}"#)
    );

    let exited = example
        .terminate()
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert!(exited.status.success(), "exit after SIGTERM: {exited:?}");
    assert!(
        exited.stdout.is_empty(),
        "more than one line on stdout: {:?}",
        exited.stdout
    );
    assert!(
        !exited.stderr.contains(TOKEN) && !line.contains(TOKEN),
        "the token was printed"
    );
    // RUST_LOG unset: `info`, so the forged request's refusal is on stderr, the verified one
    // (DEBUG) is not.
    let refused: Vec<&str> = exited
        .stderr
        .lines()
        .filter(|line| line.contains("qiscus_webhook"))
        .collect();
    assert!(
        refused.len() == 1
            && refused[0].contains("WARN")
            && refused[0].contains("signature_mismatch")
            && refused[0].contains("status=401"),
        "{name}: the core's events on stderr: {:?}",
        exited.stderr
    );
}

/// The process tests every example has, for the example `$name` (its binary's name): without a
/// token, with bad values, and with a token read back with its newline, it exits 2 with one
/// line; with a token it listens, verifies and stops on SIGTERM.
macro_rules! tests {
    ($name:literal) => {
        #[test]
        fn without_a_token_it_exits_2_with_one_line() {
            $crate::process::assert_refuses($name, &[], "QISCUS_WEBHOOK_TOKEN");
            $crate::process::assert_refuses(
                $name,
                &[("QISCUS_WEBHOOK_TOKEN", "")],
                "QISCUS_WEBHOOK_TOKEN",
            );
        }

        #[test]
        fn bad_values_exit_2_with_one_line() {
            let token = ("QISCUS_WEBHOOK_TOKEN", $crate::process::TOKEN);
            $crate::process::assert_refuses(
                $name,
                &[token, ("QISCUS_WEBHOOK_BODY_LIMIT", "1MB")],
                "QISCUS_WEBHOOK_BODY_LIMIT",
            );
            $crate::process::assert_refuses($name, &[token, ("BIND", "localhost:3000")], "BIND");
            $crate::process::assert_refuses(
                $name,
                &[token, ("QISCUS_WEBHOOK_BODY_TIMEOUT", "30s")],
                "QISCUS_WEBHOOK_BODY_TIMEOUT",
            );
            $crate::process::assert_refuses(
                $name,
                &[token, ("QISCUS_WEBHOOK_BODY_TIMEOUT", "0")],
                "QISCUS_WEBHOOK_BODY_TIMEOUT",
            );
            $crate::process::assert_refuses(
                $name,
                &[token, ("RUST_LOG", "qiscus_webhook=loud")],
                "RUST_LOG",
            );
        }

        #[test]
        fn a_token_read_with_its_newline_exits_2_naming_the_variable() {
            let token = format!("{}\n", $crate::process::TOKEN);
            $crate::process::assert_refuses(
                $name,
                &[("QISCUS_WEBHOOK_TOKEN", &token)],
                "QISCUS_WEBHOOK_TOKEN has leading or trailing whitespace",
            );
        }

        #[test]
        fn it_listens_verifies_and_stops_on_sigterm() {
            $crate::process::assert_serves($name);
        }
    };
}
pub(crate) use tests;
