//! Building a verifier from the environment, the way the receiver examples are configured.
//!
//! Token variables follow the configuration rule of [`Token::from_config`]: an empty value
//! reads as unset, and a value with leading or trailing whitespace is refused
//! ([`EnvError::TokenWhitespace`]) unless [`QISCUS_WEBHOOK_TOKEN_VERBATIM`](TOKEN_VERBATIM_VAR)
//! says to keep it exactly.

use std::ffi::OsString;
use std::fmt;
use std::string::String;

use zeroize::Zeroizing;

use crate::{Token, TokenError, Verifier};

/// The primary token: required.
pub const TOKEN_VAR: &str = "QISCUS_WEBHOOK_TOKEN";
/// A second accepted token, while rotating: optional (unset or empty means none).
pub const PREVIOUS_TOKEN_VAR: &str = "QISCUS_WEBHOOK_PREVIOUS_TOKEN";
/// The body limit in bytes, as a decimal number: optional (unset or empty means the default).
pub const BODY_LIMIT_VAR: &str = "QISCUS_WEBHOOK_BODY_LIMIT";
/// The body timeout in whole seconds, at least 1 (see [`Verifier::with_body_timeout`]):
/// optional (unset or empty means the [default](crate::DEFAULT_BODY_TIMEOUT), 30 s).
pub const BODY_TIMEOUT_VAR: &str = "QISCUS_WEBHOOK_BODY_TIMEOUT";
/// `1` or `true`: use the token variables exactly as set, leading and trailing whitespace
/// included ([`Token::new`] instead of [`Token::from_config`]). Optional: unset, empty, `0` or
/// `false` means the rule applies. See [`token_verbatim_from_env_with`].
pub const TOKEN_VERBATIM_VAR: &str = "QISCUS_WEBHOOK_TOKEN_VERBATIM";

impl Verifier {
    /// Builds a verifier from [`QISCUS_WEBHOOK_TOKEN`](TOKEN_VAR),
    /// [`QISCUS_WEBHOOK_PREVIOUS_TOKEN`](PREVIOUS_TOKEN_VAR),
    /// [`QISCUS_WEBHOOK_BODY_LIMIT`](BODY_LIMIT_VAR),
    /// [`QISCUS_WEBHOOK_BODY_TIMEOUT`](BODY_TIMEOUT_VAR) and
    /// [`QISCUS_WEBHOOK_TOKEN_VERBATIM`](TOKEN_VERBATIM_VAR).
    ///
    /// The tokens follow [the configuration rule](Token::from_config): empty means unset, and
    /// leading or trailing whitespace (a newline left by the file or secret store the value
    /// came from) is an error rather than a token that silently matches nothing, unless
    /// `QISCUS_WEBHOOK_TOKEN_VERBATIM` is `1` or `true`.
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
    ///     "QISCUS_WEBHOOK_BODY_TIMEOUT" => Some("5".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!((verifier.token_count(), verifier.body_limit()), (2, 65536));
    /// assert_eq!(verifier.body_timeout(), std::time::Duration::from_secs(5));
    ///
    /// let missing = Verifier::from_env_with(|_| None).unwrap_err();
    /// assert_eq!(missing, EnvError::MissingToken);
    ///
    /// // A token read back from a file with its newline:
    /// let newline = |name: &str| (name == "QISCUS_WEBHOOK_TOKEN").then(|| "current\n".into());
    /// let error = Verifier::from_env_with(newline).unwrap_err();
    /// assert_eq!(error, EnvError::TokenWhitespace("QISCUS_WEBHOOK_TOKEN"));
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
        let verbatim = token_verbatim_from_env_with(&mut lookup)?;
        let primary = read_token(&mut lookup, TOKEN_VAR, verbatim)?;
        let previous = read_token(&mut lookup, PREVIOUS_TOKEN_VAR, verbatim)?;
        let limit = read(&mut lookup, BODY_LIMIT_VAR)?.filter(|value| !value.trim().is_empty());
        let timeout = read(&mut lookup, BODY_TIMEOUT_VAR)?.filter(|value| !value.trim().is_empty());

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
        if let Some(timeout) = timeout {
            // Zero would refuse every body before its first byte: a mistake, not a policy.
            let seconds = timeout
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&seconds| seconds > 0)
                .ok_or(EnvError::InvalidBodyTimeout)?;
            verifier = verifier.with_body_timeout(core::time::Duration::from_secs(seconds));
        }
        Ok(verifier)
    }
}

/// Whether [`QISCUS_WEBHOOK_TOKEN_VERBATIM`](TOKEN_VERBATIM_VAR), read through `lookup`, asks
/// to keep token values exactly: `1` or `true` (any case) is `true`; unset, empty, `0` or
/// `false` is `false`. Spaces around the value are ignored.
///
/// [`Verifier::from_env_with`] calls this; it is public so that a program reading tokens from
/// the environment its own way (the `qiscus-webhook` command line) honours the same variable
/// the same way.
///
/// ```
/// use qiscus_webhook::{EnvError, env::token_verbatim_from_env_with};
///
/// assert!(!token_verbatim_from_env_with(|_| None)?);
/// assert!(token_verbatim_from_env_with(|_| Some("1".into()))?);
/// assert_eq!(
///     token_verbatim_from_env_with(|_| Some("yes".into())),
///     Err(EnvError::InvalidVerbatim),
/// );
/// # Ok::<(), EnvError>(())
/// ```
///
/// # Errors
///
/// [`EnvError::InvalidVerbatim`] for any other value, [`EnvError::NotUnicode`] if it is not
/// valid Unicode.
pub fn token_verbatim_from_env_with<F>(lookup: F) -> Result<bool, EnvError>
where
    F: FnOnce(&str) -> Option<OsString>,
{
    let Some(value) = read(lookup, TOKEN_VERBATIM_VAR)? else {
        return Ok(false);
    };
    let value = value.trim();
    if value.is_empty() || value == "0" || value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else if value == "1" || value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else {
        Err(EnvError::InvalidVerbatim)
    }
}

/// A variable's value as a string; `None` when unset.
fn read<F>(lookup: F, name: &'static str) -> Result<Option<Zeroizing<String>>, EnvError>
where
    F: FnOnce(&str) -> Option<OsString>,
{
    lookup(name)
        .map(|value| {
            value
                .into_string()
                .map(Zeroizing::new)
                .map_err(|_| EnvError::NotUnicode(name))
        })
        .transpose()
}

/// A token variable by the configuration rule: unset or empty is `None`.
fn read_token<F>(lookup: F, name: &'static str, verbatim: bool) -> Result<Option<Token>, EnvError>
where
    F: FnOnce(&str) -> Option<OsString>,
{
    let Some(value) = read(lookup, name)? else {
        return Ok(None);
    };
    let token = if verbatim {
        Token::new(value.as_bytes())
    } else {
        Token::from_config(value.as_bytes())
    };
    match token {
        Ok(token) => Ok(Some(token)),
        Err(TokenError::Empty) => Ok(None),
        Err(TokenError::SurroundingWhitespace) => Err(EnvError::TokenWhitespace(name)),
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
    /// `QISCUS_WEBHOOK_BODY_TIMEOUT` is not a whole number of seconds, at least 1.
    InvalidBodyTimeout,
    /// The named token variable ([`TOKEN_VAR`] or [`PREVIOUS_TOKEN_VAR`]) begins or ends with
    /// whitespace, and [`TOKEN_VERBATIM_VAR`] does not say to keep it: see
    /// [`Token::from_config`]. Also when the value is nothing but whitespace (it is set, but
    /// wrong).
    TokenWhitespace(&'static str),
    /// `QISCUS_WEBHOOK_TOKEN_VERBATIM` is not `1`, `true`, `0`, `false` or empty.
    InvalidVerbatim,
}

impl EnvError {
    /// The variable at fault.
    #[must_use]
    pub const fn variable(&self) -> &'static str {
        match self {
            Self::MissingToken => TOKEN_VAR,
            Self::NotUnicode(name) => name,
            Self::InvalidBodyLimit => BODY_LIMIT_VAR,
            Self::InvalidBodyTimeout => BODY_TIMEOUT_VAR,
            Self::TokenWhitespace(name) => name,
            Self::InvalidVerbatim => TOKEN_VERBATIM_VAR,
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
            Self::InvalidBodyTimeout => write!(
                f,
                "{BODY_TIMEOUT_VAR} must be a whole number of seconds, at least 1 (the time the \
                 whole body has to arrive)"
            ),
            Self::TokenWhitespace(name) => write!(
                f,
                "{name} has leading or trailing whitespace (often a newline from the file or \
                 secret store it was read from); remove it, or set {TOKEN_VERBATIM_VAR}=1 to use \
                 the value exactly"
            ),
            Self::InvalidVerbatim => write!(
                f,
                "{TOKEN_VERBATIM_VAR} must be 1 or true (use the token exactly as set), or 0, \
                 false or empty"
            ),
        }
    }
}

impl std::error::Error for EnvError {}
