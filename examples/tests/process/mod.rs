//! Running a receiver example's binary (built by `cargo test` next to the test binaries) the
//! way a user does, for every framework's example.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::spec::RequestSpec;
use qiscus_webhook_testkit::{SignedRequest, fixtures, wire};

/// The token the examples are started with; it must never appear in their output.
pub const TOKEN: &str = "example-secret-token-do-not-print";

/// The example's binary, `target/<profile>/examples/<name>`, built (or found fresh) with the
/// same cargo and profile as this test: `cargo test --all-targets` builds examples only as
/// test harnesses, not as the program a user runs. Built once per test binary and name (a
/// test binary may run several examples: tests/replay.rs).
fn binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(path) = built.get(name) {
        return path.clone();
    }
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
    built.insert(name.to_owned(), path.clone());
    path
}

fn command(name: &str, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary(name));
    command.env_clear().envs(vars.iter().copied());
    command
}

/// The example `name` started with exactly `vars` as its environment (on a free port, its
/// listening line awaited: `testkit::process::Example`).
///
/// # Panics
///
/// When it does not start listening.
pub fn start(name: &str, vars: &[(&str, &str)]) -> Example {
    Example::start(command(name, vars)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// The example exits with code 2 and prints exactly one line, on stderr, naming `variable`.
///
/// An example that does not refuse would serve forever: it is killed after 30 s (on an
/// ephemeral port, unless `vars` sets `BIND`), and the test fails instead of hanging.
pub fn assert_refuses(name: &str, vars: &[(&str, &str)], variable: &str) {
    assert_exits(name, vars, 2, variable);
}

/// The example exits with `code` and prints exactly one line, on stderr, containing `line`;
/// never the token, nor [`PASSWORD`] (as in `assert_refuses`).
pub fn assert_exits(name: &str, vars: &[(&str, &str)], code: i32, line: &str) {
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
        Some(code),
        "{vars:?}: {status}, stderr {stderr:?}"
    );
    assert!(
        stdout.is_empty(),
        "{vars:?}: stdout {:?}",
        String::from_utf8_lossy(&stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "{vars:?}: {stderr:?}");
    assert!(stderr.contains(line), "{vars:?}: {stderr:?}");
    assert!(!stderr.contains(TOKEN), "{vars:?}: the token was printed");
    assert!(
        !stderr.contains(PASSWORD),
        "{vars:?}: the Redis password was printed"
    );
}

/// The password of the Redis URLs in the refusal tests; it must never appear in the output.
pub const PASSWORD: &str = "redis-password-do-not-print";

/// `QISCUS_WEBHOOK_REPLAY` at a Redis URL with [`PASSWORD`], on a port nothing listens on.
pub fn unreachable_redis() -> String {
    let port = qiscus_webhook_testkit::redis_server::free_port();
    format!("redis://:{PASSWORD}@127.0.0.1:{port}")
}

/// Starts the example on an ephemeral port (`testkit::process::Example`), checks its one
/// listening line, sends signed requests (twice, and with a test hook) and a forged one, then
/// stops it with SIGTERM and expects a clean exit.
pub fn assert_serves(name: &str) {
    let example = start(name, &[("QISCUS_WEBHOOK_TOKEN", TOKEN)]);
    let line = example.listening_line().to_owned();
    assert_eq!(line, format!("listening on http://{}", example.addr()));

    let signed = SignedRequest::new(TOKEN, fixtures::MULTICHANNEL_BOT_2025);
    let exchange = |spec: &RequestSpec| {
        let reply = wire::exchange_blocking(example.addr(), spec)
            .unwrap_or_else(|error| panic!("{}: {error}", spec.path));
        (
            reply.status,
            String::from_utf8_lossy(&reply.body).into_owned(),
        )
    };
    let post = |path: &str, request: &SignedRequest| exchange(&request.to_spec(path));
    // Replay off (the default): the same delivery runs each time, even an event from 2025.
    for _ in 0..2 {
        let (status, body) = post("/events", &signed);
        assert_eq!(
            (status, body.as_str()),
            (200, r#"{"type":"post_comment_mobile"}"#)
        );
    }
    let mut failing = signed.to_spec("/webhook");
    failing
        .headers
        .push((b"X-Example-Fail".to_vec(), b"1".to_vec()));
    let (status, body) = exchange(&failing);
    assert_eq!(
        (status, body.as_str()),
        (500, r#"{"error":"example_failure"}"#)
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
/// line; with Redis unreachable at start, 1 with one line; with a token it listens, verifies
/// and stops on SIGTERM.
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
            let password = format!("redis:/:{}@cache:6379", $crate::process::PASSWORD);
            for (variable, value) in [
                ("QISCUS_WEBHOOK_REPLAY", "on"),
                ("QISCUS_WEBHOOK_REPLAY", password.as_str()),
                ("QISCUS_WEBHOOK_MAX_AGE", "5m"),
                ("QISCUS_WEBHOOK_MAX_AGE", "0"),
            ] {
                $crate::process::assert_refuses($name, &[token, (variable, value)], variable);
            }
        }

        #[test]
        fn an_unreachable_redis_at_start_exits_1_with_one_line() {
            let token = ("QISCUS_WEBHOOK_TOKEN", $crate::process::TOKEN);
            let redis = $crate::process::unreachable_redis();
            $crate::process::assert_exits(
                $name,
                &[token, ("QISCUS_WEBHOOK_REPLAY", &redis)],
                1,
                "QISCUS_WEBHOOK_REPLAY: cannot reach Redis at redis://***@127.0.0.1:",
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
