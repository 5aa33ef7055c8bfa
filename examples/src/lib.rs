//! What the receiver examples (`axum.rs`, `actix.rs`, `warp.rs`, `rocket.rs`) share, so that
//! each one shows only its framework's part of the contract (docs/DESIGN.md, "The receiver
//! examples"):
//!
//! - [`Config::from_env_or_exit`]: the verifier, the address and the replay configuration from
//!   the environment, or one line on stderr and exit code 2;
//! - [`Config::replay_guard_or_exit`]: the replay guard, when `QISCUS_WEBHOOK_REPLAY` turns it
//!   on (see "The replay guard" below);
//! - [`receipt`] and [`event_reply`]: the bodies of `POST /webhook` and `POST /events`;
//! - [`Hooks`]: the test hooks of `POST /webhook` (`X-Example-Fail`, `X-Example-Delay-Ms`);
//! - [`print_listening`]: the one line printed once listening;
//! - [`shutdown_signal`]: Ctrl-C or SIGTERM, for graceful shutdown;
//! - [`init_logging_or_exit`]: the core's events (one per verification) on stderr, filtered
//!   by `RUST_LOG`;
//! - [`HEADER_READ_TIMEOUT`], [`KEEP_ALIVE_TIMEOUT`] and [`serve_http1`]: the server-level
//!   timeouts a deployed receiver needs, set by each example in its framework's own way.
//!
//! Nothing here prints a token: errors name the variable at fault, never its value.
//!
//! # The replay guard
//!
//! `QISCUS_WEBHOOK_REPLAY` is `off` (the default), `memory` (this process's own seen-set) or a
//! Redis URL `redis://HOST:PORT[/DB]` (one seen-set for every receiver on that Redis, whatever
//! its framework); `QISCUS_WEBHOOK_MAX_AGE` is the freshness window in seconds (default 300),
//! also the largest skew into the future an event time may have (qiscus-webhook-replay reads
//! both: [`ReplayConfig`]). When not `off`, each example puts `POST /webhook` and
//! `POST /events` behind its adapter's guarded form, which commits a delivery when the handler
//! answers 2xx and releases it otherwise; `POST /unverified` stays unguarded.
//!
//! - An invalid value of either variable: one line on stderr naming the variable (never
//!   quoting it: a Redis URL may hold a password), exit code 2, as for every variable.
//! - Redis unreachable at start (the replay crate keeps trying for its connect timeout, 5 s,
//!   so a Redis started alongside is found): one line on stderr (the URL shown as
//!   `redis://***@HOST:PORT` when it holds a password) and exit code 1, before listening, as
//!   when the address cannot be bound. A receiver asked to guard never serves unguarded, and
//!   the same configuration works once Redis is up: the supervisor's restart is the retry.
//! - Redis lost while running: 503 `replay_store_unavailable` with `Retry-After`, the handler
//!   not run, until the store has reconnected by itself (no restart needed).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use qiscus_webhook::events::Event;
use qiscus_webhook::{EnvError, Verifier};
use qiscus_webhook_replay::{ReplayConfig, ReplayEnvError, ReplayGuard};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The variable holding the address to listen on.
pub const BIND_VAR: &str = "BIND";
/// The address to listen on when [`BIND_VAR`] is unset or empty.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 3000);

/// A receiver's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// From `QISCUS_WEBHOOK_TOKEN`, `QISCUS_WEBHOOK_PREVIOUS_TOKEN`,
    /// `QISCUS_WEBHOOK_BODY_LIMIT`, `QISCUS_WEBHOOK_BODY_TIMEOUT` and
    /// `QISCUS_WEBHOOK_TOKEN_VERBATIM` (see [`Verifier::from_env`]: a token with leading or
    /// trailing whitespace is refused).
    pub verifier: Verifier,
    /// From `BIND` (an IP address and port, default `127.0.0.1:3000`).
    pub bind: SocketAddr,
    /// From `QISCUS_WEBHOOK_REPLAY` and `QISCUS_WEBHOOK_MAX_AGE` (see [`ReplayConfig`]):
    /// build the guard with [`replay_guard_or_exit`](Self::replay_guard_or_exit).
    pub replay: ReplayConfig,
}

impl Config {
    /// Reads the configuration from the process environment; on error, prints one line to
    /// stderr and exits with code 2.
    #[must_use]
    pub fn from_env_or_exit() -> Self {
        Self::from_lookup(|name| std::env::var_os(name)).unwrap_or_else(|error| {
            eprintln!("error: {error}");
            std::process::exit(2)
        })
    }

    /// Reads the configuration through `lookup` (the process environment, or a test's map).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the variable at fault.
    pub fn from_lookup<F>(mut lookup: F) -> Result<Self, ConfigError>
    where
        F: FnMut(&str) -> Option<OsString>,
    {
        let verifier = Verifier::from_env_with(&mut lookup).map_err(ConfigError::Verifier)?;
        let bind = match lookup(BIND_VAR) {
            None => DEFAULT_BIND,
            Some(value) if value.is_empty() => DEFAULT_BIND,
            Some(value) => value
                .to_str()
                .and_then(|value| value.trim().parse().ok())
                .ok_or(ConfigError::InvalidBind)?,
        };
        let replay = ReplayConfig::from_env_with(&mut lookup).map_err(ConfigError::Replay)?;
        Ok(Self {
            verifier,
            bind,
            replay,
        })
    }

    /// The replay guard [`replay`](Self::replay) asks for: `None` when it is `off`; a memory
    /// store; or a Redis store, connected now. When Redis cannot be reached, prints one line
    /// to stderr (naming `QISCUS_WEBHOOK_REPLAY`, the URL without its password) and exits with
    /// code 1 (see "The replay guard" in the crate docs). Within a tokio runtime.
    pub async fn replay_guard_or_exit(&self) -> Option<ReplayGuard> {
        self.replay.build().await.unwrap_or_else(|error| {
            eprintln!("error: {error}");
            std::process::exit(1)
        })
    }
}

/// Why the configuration could not be read. Names the variable, never a token or a Redis
/// password.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A `QISCUS_WEBHOOK_*` variable of the verifier is missing or invalid.
    Verifier(EnvError),
    /// `BIND` is not an IP address and port.
    InvalidBind,
    /// `QISCUS_WEBHOOK_REPLAY` or `QISCUS_WEBHOOK_MAX_AGE` is invalid.
    Replay(ReplayEnvError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verifier(error) => error.fmt(f),
            Self::Replay(error) => error.fmt(f),
            Self::InvalidBind => write!(
                f,
                "{BIND_VAR} must be an IP address and port, such as {DEFAULT_BIND} or [::1]:8080"
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Verifier(error) => Some(error),
            Self::Replay(error) => Some(error),
            Self::InvalidBind => None,
        }
    }
}

/// The `POST /webhook` reply: `{"bytes": <length>, "sha256": "<hex SHA-256>"}` of the body
/// the handler received (proof that it got the exact bytes).
///
/// ```
/// let receipt = qiscus_webhook_examples::receipt(b"abc");
/// assert_eq!(
///     receipt.to_string(),
///     r#"{"bytes":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#,
/// );
/// ```
#[must_use]
pub fn receipt(body: &[u8]) -> Value {
    json!({ "bytes": body.len(), "sha256": hex::encode(Sha256::digest(body)) })
}

/// The `POST /events` reply: `{"type": "<the event's type>"}`, also for types not known yet.
///
/// ```
/// use qiscus_webhook::events::Event;
///
/// let event = Event::from_slice(br#"{"type":"room_archived","payload":{}}"#)?;
/// assert_eq!(qiscus_webhook_examples::event_reply(&event).to_string(), r#"{"type":"room_archived"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[must_use]
pub fn event_reply(event: &Event) -> Value {
    json!({ "type": event.event_type() })
}

/// The test hooks of the examples' `POST /webhook` (the receiver contract, docs/DESIGN.md),
/// as the testkit defines them for the replay conformance rows:
/// [`FAIL_HEADER`](Hooks::FAIL_HEADER)`: 1` makes the handler answer 500,
/// [`DELAY_HEADER`](Hooks::DELAY_HEADER)`: N` makes it sleep N ms (at most
/// [`MAX_DELAY`](Hooks::MAX_DELAY)) first. Read by the handler, so after verification, and
/// after the replay guard's admission when it is on: a failure is then released, a delay holds
/// the claim. `POST /events` has none.
pub use qiscus_webhook_testkit::conformance::replay::Hooks;

/// The `/webhook` handler's answer for the verified `body` under `hooks`: after the delay,
/// `Err` with the body of its 500 if `fail`, else `Ok` with the [`receipt`] (200).
///
/// ```
/// use qiscus_webhook_examples::{Hooks, reply};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(reply(Hooks::default(), b"abc").await, Ok(qiscus_webhook_examples::receipt(b"abc")));
/// let failing = Hooks { fail: true, ..Hooks::default() };
/// assert_eq!(reply(failing, b"abc").await.unwrap_err().to_string(), r#"{"error":"example_failure"}"#);
/// # }
/// ```
///
/// # Errors
///
/// `{"error":"example_failure"}`, to answer with 500, when `hooks.fail` is set.
pub async fn reply(hooks: Hooks, body: &[u8]) -> Result<Value, Value> {
    if !hooks.delay.is_zero() {
        tokio::time::sleep(hooks.delay).await;
    }
    if hooks.fail {
        Err(json!({ "error": "example_failure" }))
    } else {
        Ok(receipt(body))
    }
}

/// Prints the one line a receiver prints once it listens: `listening on http://ADDR`.
pub fn print_listening(addr: SocketAddr) {
    println!("listening on http://{addr}");
}

/// Completes on Ctrl-C or (on Unix) SIGTERM: pass it to the server's graceful shutdown.
///
/// If a signal handler cannot be installed, that signal is not waited for (the other still
/// is; the process can always be killed).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

// ---- Hostile clients (issue 14): logging and server-level timeouts ----

/// The variable that says what is logged, in `tracing-subscriber`'s `EnvFilter` syntax
/// (`info`, `qiscus_webhook=warn`, `debug,hyper=off`, ...).
pub const LOG_VAR: &str = "RUST_LOG";
/// What is logged when [`LOG_VAR`] is unset or empty: every refusal (the core logs a forged
/// signature at `WARN`, a scanner's malformed request at `INFO`), not each verified webhook
/// (`DEBUG`).
pub const DEFAULT_LOG: &str = "info";

/// The log filter from `RUST_LOG`'s value ([`DEFAULT_LOG`] when unset or empty).
///
/// ```
/// use qiscus_webhook_examples::log_filter;
///
/// assert_eq!(log_filter(None)?.to_string(), "info");
/// assert_eq!(log_filter(Some("qiscus_webhook=debug".as_ref()))?.to_string(), "qiscus_webhook=debug");
/// assert!(log_filter(Some("qiscus_webhook=loud".as_ref())).is_err());
/// # Ok::<(), qiscus_webhook_examples::LogFilterError>(())
/// ```
///
/// # Errors
///
/// [`LogFilterError`] when the value is not valid Unicode or not a filter.
pub fn log_filter(value: Option<&OsStr>) -> Result<tracing_subscriber::EnvFilter, LogFilterError> {
    let value = match value {
        None => DEFAULT_LOG,
        Some(value) => value.to_str().ok_or(LogFilterError)?,
    };
    let value = if value.trim().is_empty() {
        DEFAULT_LOG
    } else {
        value
    };
    tracing_subscriber::EnvFilter::try_new(value).map_err(|_| LogFilterError)
}

/// `RUST_LOG` is not a log filter. Names the variable, not the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogFilterError;

impl fmt::Display for LogFilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{LOG_VAR} must be a log filter such as info, warn or qiscus_webhook=debug"
        )
    }
}

impl std::error::Error for LogFilterError {}

/// Prints log events (the core's one event per verification, the framework's own) to stderr,
/// one line each, filtered by `RUST_LOG` (default [`DEFAULT_LOG`]); stdout keeps only the
/// listening line. On an invalid `RUST_LOG`, prints one line to stderr and exits with code 2.
pub fn init_logging_or_exit() {
    use std::io::IsTerminal;

    let filter = log_filter(std::env::var_os(LOG_VAR).as_deref()).unwrap_or_else(|error| {
        eprintln!("error: {error}");
        std::process::exit(2)
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// How long a client has to send a request's head (request line and headers), on a new
/// connection and on a kept-alive one. Qiscus sends its whole request at once: only a stalled
/// or hostile client comes near it. The body has its own deadline, the verifier's
/// (`QISCUS_WEBHOOK_BODY_TIMEOUT`).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a kept-alive connection may stay idle between two requests before the server
/// closes it: long enough for Qiscus to reuse a connection in a burst, short enough that idle
/// sockets do not pile up. (hyper, under axum and warp, has no such setting: its
/// [`HEADER_READ_TIMEOUT`] runs while a connection is idle too, see [`serve_http1`].)
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 on `listener` with `service` (an axum `Router`, a `warp::service(..)`)
/// until `shutdown` completes; then stops accepting, closes idle connections and waits for the
/// requests in flight.
///
/// hyper's connection is configured here because neither `axum::serve` (0.8) nor
/// `warp::serve` (0.4) lets an app set its timeouts: with a timer, hyper's
/// `header_read_timeout` closes a connection whose request head has not arrived within
/// [`HEADER_READ_TIMEOUT`], and it starts again each time a kept-alive connection goes idle,
/// so it is the keep-alive idle timeout too (hyper 1 has no other).
pub async fn serve_http1<S, B>(
    listener: tokio::net::TcpListener,
    service: S,
    shutdown: impl Future<Output = ()>,
) where
    S: tower_service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, most often: wait for some to be freed.
                    tracing::error!("accept: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(service.clone());
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that hung up, stalled its head or sent garbage: nothing to answer.
            if let Err(error) = connection.await {
                tracing::debug!("connection: {error}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| vars.get(name).map(OsString::from))
    }

    #[test]
    fn defaults() {
        let config = config(&[("QISCUS_WEBHOOK_TOKEN", "secret-token")]).unwrap();
        assert_eq!(config.bind, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.verifier.token_count(), 1);
        assert_eq!(
            config.verifier.body_limit(),
            qiscus_webhook::DEFAULT_BODY_LIMIT
        );
    }

    #[test]
    fn every_variable() {
        let config = config(&[
            ("QISCUS_WEBHOOK_TOKEN", "secret-token"),
            ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", "old-token"),
            ("QISCUS_WEBHOOK_BODY_LIMIT", "65536"),
            ("QISCUS_WEBHOOK_BODY_TIMEOUT", "5"),
            ("BIND", "[::1]:8080"),
        ])
        .unwrap();
        assert_eq!(config.verifier.body_timeout(), Duration::from_secs(5));
        assert_eq!(config.bind, "[::1]:8080".parse().unwrap());
        assert_eq!(config.verifier.token_count(), 2);
        assert_eq!(config.verifier.body_limit(), 65536);
        assert!(!format!("{config:?}").contains("secret-token"));
    }

    #[test]
    fn errors_name_the_variable_never_the_token() {
        let missing = config(&[]).unwrap_err();
        assert_eq!(missing, ConfigError::Verifier(EnvError::MissingToken));
        let empty = config(&[("QISCUS_WEBHOOK_TOKEN", "")]).unwrap_err();
        assert_eq!(empty, missing);
        assert!(
            missing.to_string().contains("QISCUS_WEBHOOK_TOKEN"),
            "{missing}"
        );

        let limit = config(&[
            ("QISCUS_WEBHOOK_TOKEN", "secret-token"),
            ("QISCUS_WEBHOOK_BODY_LIMIT", "1MB"),
        ]);
        assert_eq!(
            limit.unwrap_err(),
            ConfigError::Verifier(EnvError::InvalidBodyLimit)
        );

        let timeout = config(&[
            ("QISCUS_WEBHOOK_TOKEN", "secret-token"),
            ("QISCUS_WEBHOOK_BODY_TIMEOUT", "30s"),
        ]);
        assert_eq!(
            timeout.unwrap_err(),
            ConfigError::Verifier(EnvError::InvalidBodyTimeout)
        );

        let bind = config(&[
            ("QISCUS_WEBHOOK_TOKEN", "secret-token"),
            ("BIND", "localhost"),
        ])
        .unwrap_err();
        assert_eq!(bind, ConfigError::InvalidBind);
        for error in [missing, bind] {
            let line = error.to_string();
            assert!(
                !line.contains("secret-token") && !line.contains('\n'),
                "{line}"
            );
        }
    }

    /// A trailing LF or CRLF, a leading space, nothing but whitespace.
    const SURROUNDED: [&str; 4] = [
        "secret-token\n",
        "secret-token\r\n",
        " secret-token",
        " \t\n",
    ];

    #[test]
    fn a_token_with_surrounding_whitespace_is_refused_naming_the_variable() {
        for value in SURROUNDED {
            for variable in ["QISCUS_WEBHOOK_TOKEN", "QISCUS_WEBHOOK_PREVIOUS_TOKEN"] {
                let mut vars = vec![("QISCUS_WEBHOOK_TOKEN", "current-token")];
                vars.push((variable, value));
                let error = config(&vars).unwrap_err();
                assert_eq!(
                    error,
                    ConfigError::Verifier(EnvError::TokenWhitespace(variable)),
                    "{value:?}"
                );
                let line = error.to_string();
                assert!(
                    line.starts_with(&format!("{variable} has leading or trailing whitespace"))
                        && line.contains("QISCUS_WEBHOOK_TOKEN_VERBATIM=1"),
                    "{line}"
                );
                assert!(
                    !line.contains("secret-token") && !line.contains('\n'),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn verbatim_keeps_a_token_with_surrounding_whitespace() {
        for value in SURROUNDED {
            let config = config(&[
                ("QISCUS_WEBHOOK_TOKEN", value),
                ("QISCUS_WEBHOOK_TOKEN_VERBATIM", "1"),
            ])
            .unwrap();
            let exact = Verifier::new(qiscus_webhook::Token::new(value).unwrap());
            assert_eq!(
                config.verifier.sign(b"body").to_string(),
                exact.sign(b"body").to_string(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn replay_is_off_by_default_and_read_with_its_window() {
        use qiscus_webhook_replay::{RedisUrl, ReplayMode};

        let token = ("QISCUS_WEBHOOK_TOKEN", "secret-token");
        let off = config(&[token]).unwrap().replay;
        assert_eq!(
            (off.mode(), off.max_age()),
            (&ReplayMode::Off, Duration::from_secs(300))
        );
        let memory = config(&[
            token,
            ("QISCUS_WEBHOOK_REPLAY", "memory"),
            ("QISCUS_WEBHOOK_MAX_AGE", "60"),
        ])
        .unwrap()
        .replay;
        assert_eq!(
            (memory.mode(), memory.max_age()),
            (&ReplayMode::Memory, Duration::from_secs(60))
        );
        let redis = config(&[token, ("QISCUS_WEBHOOK_REPLAY", "redis://127.0.0.1:6379/2")]);
        assert_eq!(
            redis.unwrap().replay.mode(),
            &ReplayMode::Redis(RedisUrl::new("redis://127.0.0.1:6379/2"))
        );
    }

    #[test]
    fn invalid_replay_values_name_the_variable_never_the_password() {
        let token = ("QISCUS_WEBHOOK_TOKEN", "secret-token");
        for (variable, value) in [
            ("QISCUS_WEBHOOK_REPLAY", "on"),
            ("QISCUS_WEBHOOK_REPLAY", "redis:/:hunter2@cache:6379"),
            ("QISCUS_WEBHOOK_REPLAY", "redis://:hunter2@cache:port"),
            ("QISCUS_WEBHOOK_MAX_AGE", "5m"),
            ("QISCUS_WEBHOOK_MAX_AGE", "0"),
        ] {
            let error = config(&[token, (variable, value)]).unwrap_err();
            assert!(
                matches!(error, ConfigError::Replay(_)),
                "{value}: {error:?}"
            );
            let line = error.to_string();
            assert!(line.starts_with(variable), "{value}: {line}");
            assert!(
                !line.contains("hunter2") && !line.contains('\n'),
                "{value}: {line}"
            );
        }
    }
}

/// The workspace README's snippets, compiled and run as doctests (with this package's
/// dev-dependencies: every framework), so the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadme;
