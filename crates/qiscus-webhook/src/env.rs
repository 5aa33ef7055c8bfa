//! Building a verifier from the environment, the way the receiver examples are configured.

use std::ffi::OsString;
use std::fmt;
use std::string::String;

use crate::{Token, Verifier};

/// The primary token: required.
pub const TOKEN_VAR: &str = "QISCUS_WEBHOOK_TOKEN";
/// A second accepted token, while rotating: optional (unset or empty means none).
pub const PREVIOUS_TOKEN_VAR: &str = "QISCUS_WEBHOOK_PREVIOUS_TOKEN";
/// The body limit in bytes, as a decimal number: optional (unset or empty means the default).
pub const BODY_LIMIT_VAR: &str = "QISCUS_WEBHOOK_BODY_LIMIT";

impl Verifier {
    /// Builds a verifier from [`QISCUS_WEBHOOK_TOKEN`](TOKEN_VAR),
    /// [`QISCUS_WEBHOOK_PREVIOUS_TOKEN`](PREVIOUS_TOKEN_VAR) and
    /// [`QISCUS_WEBHOOK_BODY_LIMIT`](BODY_LIMIT_VAR).
    ///
    /// # Errors
    ///
    /// An [`EnvError`] naming the variable at fault (never its value).
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_env_with(|name| std::env::var_os(name))
    }

    /// As [`from_env`](Verifier::from_env), reading variables through `lookup` (for tests and
    /// for configuration that is not in the process environment).
    ///
    /// ```
    /// use qiscus_webhook::{EnvError, Verifier};
    ///
    /// let verifier = Verifier::from_env_with(|name| match name {
    ///     "QISCUS_WEBHOOK_TOKEN" => Some("current".into()),
    ///     "QISCUS_WEBHOOK_PREVIOUS_TOKEN" => Some("previous".into()),
    ///     "QISCUS_WEBHOOK_BODY_LIMIT" => Some("65536".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!((verifier.token_count(), verifier.body_limit()), (2, 65536));
    ///
    /// let missing = Verifier::from_env_with(|_| None).unwrap_err();
    /// assert_eq!(missing, EnvError::MissingToken);
    /// # Ok::<(), EnvError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An [`EnvError`] naming the variable at fault (never its value).
    pub fn from_env_with<F>(mut lookup: F) -> Result<Self, EnvError>
    where
        F: FnMut(&str) -> Option<OsString>,
    {
        let mut read = |name: &'static str| -> Result<Option<String>, EnvError> {
            lookup(name)
                .map(|value| value.into_string().map_err(|_| EnvError::NotUnicode(name)))
                .transpose()
        };
        // An empty value reads as unset: `Token::new` refuses it.
        let primary = read(TOKEN_VAR)?.and_then(|value| Token::new(value).ok());
        let previous = read(PREVIOUS_TOKEN_VAR)?.and_then(|value| Token::new(value).ok());
        let limit = read(BODY_LIMIT_VAR)?.filter(|value| !value.trim().is_empty());

        let mut verifier = Verifier::new(primary.ok_or(EnvError::MissingToken)?);
        if let Some(previous) = previous {
            verifier = verifier
                .also_accept(previous)
                .expect("a verifier with one token accepts a second");
        }
        if let Some(limit) = limit {
            let bytes = limit
                .trim()
                .parse::<usize>()
                .map_err(|_| EnvError::InvalidBodyLimit)?;
            verifier = verifier.with_body_limit(bytes);
        }
        Ok(verifier)
    }
}

/// Why [`Verifier::from_env`] could not build a verifier. Names the variable, never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvError {
    /// `QISCUS_WEBHOOK_TOKEN` is unset or empty.
    MissingToken,
    /// The named variable is not valid Unicode.
    NotUnicode(&'static str),
    /// `QISCUS_WEBHOOK_BODY_LIMIT` is not a whole number of bytes.
    InvalidBodyLimit,
}

impl EnvError {
    /// The variable at fault.
    #[must_use]
    pub const fn variable(&self) -> &'static str {
        match self {
            Self::MissingToken => TOKEN_VAR,
            Self::NotUnicode(name) => name,
            Self::InvalidBodyLimit => BODY_LIMIT_VAR,
        }
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingToken => write!(
                f,
                "{TOKEN_VAR} is not set: set it to the webhook signature token from the Qiscus dashboard"
            ),
            Self::NotUnicode(name) => write!(f, "{name} is not valid UTF-8"),
            Self::InvalidBodyLimit => {
                write!(f, "{BODY_LIMIT_VAR} must be a whole number of bytes")
            }
        }
    }
}

impl std::error::Error for EnvError {}
