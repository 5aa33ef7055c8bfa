//! What the receiver examples (`axum.rs`, `actix.rs`, `warp.rs`, `rocket.rs`) share, so that
//! each one shows only its framework's part of the contract (docs/DESIGN.md, "The receiver
//! examples"):
//!
//! - [`Config::from_env_or_exit`]: the verifier and the address from the environment, or one
//!   line on stderr and exit code 2;
//! - [`receipt`] and [`event_reply`]: the bodies of `POST /webhook` and `POST /events`;
//! - [`print_listening`]: the one line printed once listening;
//! - [`shutdown_signal`]: Ctrl-C or SIGTERM, for graceful shutdown.
//!
//! Nothing here prints a token: errors name the variable at fault, never its value.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;

use qiscus_webhook::events::Event;
use qiscus_webhook::{EnvError, Verifier};
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
    /// `QISCUS_WEBHOOK_BODY_LIMIT` and `QISCUS_WEBHOOK_TOKEN_VERBATIM` (see
    /// [`Verifier::from_env`]: a token with leading or trailing whitespace is refused).
    pub verifier: Verifier,
    /// From `BIND` (an IP address and port, default `127.0.0.1:3000`).
    pub bind: SocketAddr,
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
        Ok(Self { verifier, bind })
    }
}

/// Why the configuration could not be read. Names the variable, never a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A `QISCUS_WEBHOOK_*` variable is missing or invalid.
    Verifier(EnvError),
    /// `BIND` is not an IP address and port.
    InvalidBind,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verifier(error) => error.fmt(f),
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
            ("BIND", "[::1]:8080"),
        ])
        .unwrap();
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
}

/// The workspace README's snippets, compiled and run as doctests (with this package's
/// dev-dependencies: every framework), so the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadme;
