//! The receiver examples' configuration: `QISCUS_WEBHOOK_REPLAY` and `QISCUS_WEBHOOK_MAX_AGE`.

use std::ffi::OsString;
use std::fmt;
use std::time::Duration;

use qiscus_webhook::replay::{DEFAULT_MAX_AGE, Freshness};

use crate::guard::ReplayGuard;
use crate::memory::MemoryStore;
use crate::store::StoreError;

/// `off` (the default when unset or empty), `memory`, or a Redis URL `redis://HOST:PORT[/DB]`.
pub const REPLAY_VAR: &str = "QISCUS_WEBHOOK_REPLAY";

/// The freshness window in seconds, a whole number from 1 (unset or empty: 300). Also the
/// largest skew into the future that an event time may have.
pub const MAX_AGE_VAR: &str = "QISCUS_WEBHOOK_MAX_AGE";

/// Which store the guard uses, as [`REPLAY_VAR`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayMode {
    /// No guard (`off`, unset or empty).
    Off,
    /// A [`MemoryStore`] of [`DEFAULT_CAPACITY`](crate::DEFAULT_CAPACITY) (`memory`).
    Memory,
    /// A `RedisStore` (feature `redis`) at this URL.
    Redis(RedisUrl),
}

/// A Redis URL from the configuration. It may hold a password (`redis://:PASSWORD@HOST`), so
/// `Display` and `Debug` show it with the user information and any query replaced by `***`:
/// only [`expose`](Self::expose) gives it whole, to connect with.
///
/// ```
/// use qiscus_webhook_replay::RedisUrl;
///
/// let url = RedisUrl::new("redis://:hunter2@cache.internal:6379/2");
/// assert_eq!(url.to_string(), "redis://***@cache.internal:6379/2");
/// assert_eq!(format!("{url:?}"), r#"RedisUrl("redis://***@cache.internal:6379/2")"#);
/// assert_eq!(RedisUrl::new("redis://127.0.0.1:6379").to_string(), "redis://127.0.0.1:6379");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// The scheme every accepted URL starts with.
    pub const SCHEME: &'static str = "redis://";

    /// Wraps `url` (not checked: [`ReplayConfig::from_env`] checks it).
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The whole URL, password included: for connecting, never for a message.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
            return f.write_str("***");
        };
        let (scheme, rest) = url.split_at(scheme_end);
        let (rest, query) = match rest.find(['?', '#']) {
            Some(at) => (&rest[..at], true),
            None => (rest, false),
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        f.write_str(scheme)?;
        match authority.rfind('@') {
            Some(at) => write!(f, "***@{}", &authority[at + 1..])?,
            None => f.write_str(authority)?,
        }
        f.write_str(path)?;
        if query {
            f.write_str("?***")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl(\"{self}\")")
    }
}

/// The replay configuration read from the environment: which store, and the window.
///
/// ```
/// use std::time::Duration;
/// use qiscus_webhook_replay::{ReplayConfig, ReplayEnvError, ReplayMode};
///
/// let config = ReplayConfig::from_env_with(|name| match name {
///     "QISCUS_WEBHOOK_REPLAY" => Some("memory".into()),
///     "QISCUS_WEBHOOK_MAX_AGE" => Some("120".into()),
///     _ => None,
/// })?;
/// assert_eq!(config.mode(), &ReplayMode::Memory);
/// assert_eq!(config.max_age(), Duration::from_secs(120));
///
/// let off = ReplayConfig::from_env_with(|_| None)?;
/// assert_eq!((off.mode(), off.max_age()), (&ReplayMode::Off, Duration::from_secs(300)));
///
/// let typo = ReplayConfig::from_env_with(|name| {
///     (name == "QISCUS_WEBHOOK_REPLAY").then(|| "redis:/:hunter2@cache".into())
/// });
/// let error = typo.unwrap_err();
/// assert_eq!(error, ReplayEnvError::InvalidMode);
/// assert!(!error.to_string().contains("hunter2"));
/// # Ok::<(), ReplayEnvError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayConfig {
    mode: ReplayMode,
    max_age: Duration,
}

impl ReplayConfig {
    /// Reads [`REPLAY_VAR`] and [`MAX_AGE_VAR`] from the process environment.
    ///
    /// # Errors
    ///
    /// A [`ReplayEnvError`] naming the variable at fault, never quoting its value.
    pub fn from_env() -> Result<Self, ReplayEnvError> {
        Self::from_env_with(|name| std::env::var_os(name))
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// `QISCUS_WEBHOOK_REPLAY`: `off` or `memory` (any case), or a URL starting with
    /// `redis://` that the `redis` crate parses; spaces around it are ignored, and unset or
    /// empty means `off`. `QISCUS_WEBHOOK_MAX_AGE`: whole seconds, from 1 to
    /// [`Freshness::LONGEST`]; unset or empty means 300.
    ///
    /// # Errors
    ///
    /// A [`ReplayEnvError`] naming the variable at fault, never quoting its value.
    pub fn from_env_with<F>(mut lookup: F) -> Result<Self, ReplayEnvError>
    where
        F: FnMut(&str) -> Option<OsString>,
    {
        let mode = match read(&mut lookup, REPLAY_VAR)?.as_deref().map(str::trim) {
            None | Some("") => ReplayMode::Off,
            Some(value) if value.eq_ignore_ascii_case("off") => ReplayMode::Off,
            Some(value) if value.eq_ignore_ascii_case("memory") => ReplayMode::Memory,
            Some(value) if value.starts_with(RedisUrl::SCHEME) => {
                ReplayMode::Redis(redis_url(value)?)
            }
            Some(_) => return Err(ReplayEnvError::InvalidMode),
        };
        let max_age = match read(&mut lookup, MAX_AGE_VAR)?.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_MAX_AGE,
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|seconds| (1..=Freshness::LONGEST.as_secs()).contains(seconds))
                .map(Duration::from_secs)
                .ok_or(ReplayEnvError::InvalidMaxAge)?,
        };
        Ok(Self { mode, max_age })
    }

    /// The store the variables chose.
    #[must_use]
    pub const fn mode(&self) -> &ReplayMode {
        &self.mode
    }

    /// The freshness window.
    #[must_use]
    pub const fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Builds the guard: `None` when the mode is [`Off`](ReplayMode::Off); a memory store
    /// of [`DEFAULT_CAPACITY`](crate::DEFAULT_CAPACITY); or a Redis store, connected (so a
    /// wrong URL or an unreachable Redis stops the receiver at start, not at its first
    /// webhook). Must be called within a tokio runtime for Redis.
    ///
    /// # Errors
    ///
    /// [`ReplayEnvError::Connect`] when Redis cannot be reached.
    pub async fn build(&self) -> Result<Option<ReplayGuard>, ReplayEnvError> {
        let guard = match &self.mode {
            ReplayMode::Off => return Ok(None),
            ReplayMode::Memory => ReplayGuard::new(MemoryStore::default()),
            ReplayMode::Redis(url) => ReplayGuard::new(connect(url).await?),
        };
        Ok(Some(guard.with_max_age(self.max_age)))
    }
}

#[cfg(feature = "redis")]
async fn connect(url: &RedisUrl) -> Result<crate::RedisStore, ReplayEnvError> {
    crate::RedisStore::connect(url.expose())
        .await
        .map_err(|source| ReplayEnvError::Connect {
            url: url.clone(),
            source,
        })
}

#[cfg(not(feature = "redis"))]
#[allow(clippy::unused_async)]
async fn connect(_: &RedisUrl) -> Result<MemoryStore, ReplayEnvError> {
    Err(ReplayEnvError::RedisNotEnabled)
}

/// A `redis://` value, checked by the `redis` crate's own parser when it is there.
fn redis_url(value: &str) -> Result<RedisUrl, ReplayEnvError> {
    #[cfg(feature = "redis")]
    {
        use redis::IntoConnectionInfo;
        value
            .into_connection_info()
            .map_err(|_| ReplayEnvError::InvalidRedisUrl)?;
        Ok(RedisUrl::new(value))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = value;
        Err(ReplayEnvError::RedisNotEnabled)
    }
}

impl ReplayGuard {
    /// [`ReplayConfig::from_env`], then [`build`](ReplayConfig::build): `None` when
    /// `QISCUS_WEBHOOK_REPLAY` is `off` or unset.
    ///
    /// # Errors
    ///
    /// A [`ReplayEnvError`] naming the variable at fault, never quoting its value.
    pub async fn from_env() -> Result<Option<Self>, ReplayEnvError> {
        ReplayConfig::from_env()?.build().await
    }
}

/// A variable as UTF-8, or `None` when unset.
fn read<F>(lookup: &mut F, name: &'static str) -> Result<Option<String>, ReplayEnvError>
where
    F: FnMut(&str) -> Option<OsString>,
{
    lookup(name)
        .map(|value| {
            value
                .into_string()
                .map_err(|_| ReplayEnvError::NotUnicode(name))
        })
        .transpose()
}

/// Why the replay configuration could not be read or built. The message names the variable
/// and never quotes its value (a Redis URL may hold a password; [`Connect`](Self::Connect)
/// shows the URL redacted).
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplayEnvError {
    /// The variable is set but not valid UTF-8.
    NotUnicode(&'static str),
    /// [`REPLAY_VAR`] is not `off`, `memory` or a `redis://` URL.
    InvalidMode,
    /// [`REPLAY_VAR`] starts with `redis://` but is not a Redis URL the `redis` crate parses.
    InvalidRedisUrl,
    /// [`REPLAY_VAR`] is a Redis URL, but this build has no `redis` feature.
    RedisNotEnabled,
    /// [`MAX_AGE_VAR`] is not a whole number of seconds from 1 to [`Freshness::LONGEST`].
    InvalidMaxAge,
    /// Redis could not be reached at start.
    Connect {
        /// The URL, shown redacted.
        url: RedisUrl,
        /// Why.
        source: StoreError,
    },
}

impl PartialEq for ReplayEnvError {
    /// Same variant and variable; two [`Connect`](Self::Connect) errors are equal when their
    /// URLs are (their causes are not compared).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::NotUnicode(a), Self::NotUnicode(b)) => a == b,
            (Self::Connect { url: a, .. }, Self::Connect { url: b, .. }) => a == b,
            _ => core::mem::discriminant(self) == core::mem::discriminant(other),
        }
    }
}

impl fmt::Display for ReplayEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotUnicode(name) => write!(f, "{name} is not valid UTF-8"),
            Self::InvalidMode => write!(
                f,
                "{REPLAY_VAR} must be `off`, `memory` or a Redis URL `redis://HOST:PORT[/DB]`"
            ),
            Self::InvalidRedisUrl => write!(
                f,
                "{REPLAY_VAR} is not a valid Redis URL (`redis://HOST:PORT[/DB]`)"
            ),
            Self::RedisNotEnabled => write!(
                f,
                "{REPLAY_VAR} is a Redis URL, but qiscus-webhook-replay was built without its \
                 `redis` feature"
            ),
            Self::InvalidMaxAge => write!(
                f,
                "{MAX_AGE_VAR} must be a whole number of seconds from 1 to {}",
                Freshness::LONGEST.as_secs()
            ),
            Self::Connect { url, source } => {
                write!(f, "{REPLAY_VAR}: cannot reach Redis at {url}: {source}")
            }
        }
    }
}

impl std::error::Error for ReplayEnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Connect { source, .. } => Some(source),
            _ => None,
        }
    }
}
