//! The command line and the environment: [`Cli`] (clap, every flag with its variable) and the
//! checked [`Settings`] built from it with the core's and the replay crate's own readers.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use http::uri::{Authority, Scheme, Uri};
use qiscus_webhook::env::{PREVIOUS_TOKEN_VAR, TOKEN_VAR};
use qiscus_webhook::{EnvError, Token, Verifier};
use qiscus_webhook_replay::{REPLAY_VAR, ReplayConfig, ReplayEnvError, ReplayMode};
use zeroize::Zeroizing;

/// The variables of the webhook's own configuration, shown at the end of `--help`.
const ENVIRONMENT_HELP: &str = "\
Webhook configuration, as every qiscus-webhook receiver reads it:
  QISCUS_WEBHOOK_TOKEN           the signature token from the Qiscus dashboard (required,
                                 unless --token-file)
  QISCUS_WEBHOOK_PREVIOUS_TOKEN  a second token still accepted while rotating
  QISCUS_WEBHOOK_TOKEN_VERBATIM  1: keep leading or trailing whitespace in tokens
  QISCUS_WEBHOOK_BODY_LIMIT      body limit in bytes (default 1048576)
  QISCUS_WEBHOOK_BODY_TIMEOUT    seconds for the whole body to arrive (default 30)
  QISCUS_WEBHOOK_REPLAY          off, memory (the default here) or redis://HOST:PORT[/DB]
  QISCUS_WEBHOOK_MAX_AGE         the freshness window in seconds (default 300)
  RUST_LOG                       what goes to stderr (default: info)";

/// The most upstream retries `--upstream-retries` allows: retries are bounded.
pub const MAX_RETRIES: u32 = 10;

/// `qiscus-webhook-gateway [OPTIONS] [check]`: every option is a flag and an environment
/// variable (the flag wins).
#[derive(Debug, Parser)]
#[command(
    name = "qiscus-webhook-gateway",
    version,
    about = "Verifies Qiscus webhooks (QISCUS-SDK-SIGNATURE on the raw body), refuses replays, \
             and forwards the exact verified bytes to your backend.",
    after_help = ENVIRONMENT_HELP
)]
pub struct Cli {
    /// What to do: nothing (serve) or `check`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The gateway's options.
    #[command(flatten)]
    pub options: Options,
}

/// The subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Check the configuration (flags and environment) and exit: 0 and a summary on stdout
    /// when it is valid, 2 and one line on stderr otherwise. Connects to nothing.
    Check,
}

/// The gateway's flags, each with its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Options {
    /// The backend's base URL (http or https); the request's path and query are appended
    /// (`http://127.0.0.1:3000/qiscus` + `/webhook?x=1`). Required.
    #[arg(
        long,
        value_name = "URL",
        env = "QISCUS_GATEWAY_UPSTREAM",
        global = true
    )]
    pub upstream: Option<String>,

    /// Where Qiscus's webhooks arrive.
    #[arg(
        long,
        value_name = "ADDR",
        env = "QISCUS_GATEWAY_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Where /healthz, /readyz and /metrics are served (keep it private).
    #[arg(
        long,
        value_name = "ADDR",
        env = "QISCUS_GATEWAY_ADMIN_LISTEN",
        default_value = "127.0.0.1:9090",
        global = true
    )]
    pub admin_listen: SocketAddr,

    /// Read the signature token from this file (its one final newline is dropped) instead of
    /// QISCUS_WEBHOOK_TOKEN.
    #[arg(
        long,
        value_name = "PATH",
        env = "QISCUS_GATEWAY_TOKEN_FILE",
        global = true
    )]
    pub token_file: Option<PathBuf>,

    /// Read the previous token (still accepted while rotating) from this file instead of
    /// QISCUS_WEBHOOK_PREVIOUS_TOKEN. Needs --token-file.
    #[arg(
        long,
        value_name = "PATH",
        env = "QISCUS_GATEWAY_PREVIOUS_TOKEN_FILE",
        global = true
    )]
    pub previous_token_file: Option<PathBuf>,

    /// Seconds the upstream has to answer one request, every attempt included.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "QISCUS_GATEWAY_UPSTREAM_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub upstream_timeout: u64,

    /// How many times a request is tried again when the upstream is unreachable or answers
    /// 5xx (within --upstream-timeout), at most 10.
    #[arg(
        long,
        value_name = "N",
        env = "QISCUS_GATEWAY_UPSTREAM_RETRIES",
        default_value_t = 2,
        global = true
    )]
    pub upstream_retries: u32,

    /// Seconds the requests in flight have to finish after SIGTERM before they are cut.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "QISCUS_GATEWAY_DRAIN_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub drain_timeout: u64,
}

/// A checked configuration: what [`run`](crate::run) serves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The backend's base URL.
    pub upstream: Upstream,
    /// The webhook listener.
    pub listen: SocketAddr,
    /// The admin listener.
    pub admin_listen: SocketAddr,
    /// The tokens, the body limit and the body timeout.
    pub verifier: Verifier,
    /// The replay guard's store and window.
    pub replay: ReplayConfig,
    /// The upstream's deadline per request, every attempt included.
    pub upstream_timeout: Duration,
    /// Retries after an unreachable upstream or a 5xx.
    pub upstream_retries: u32,
    /// How long requests in flight may take to finish after SIGTERM.
    pub drain_timeout: Duration,
}

impl Settings {
    /// Checks `options` and reads the webhook variables through `lookup` (the process
    /// environment, or a test's map): the tokens, body limit and body timeout by the core's
    /// [`Verifier::from_env_with`] (or the token files by [`Token::file_content`] and the
    /// same rule), the replay guard by [`ReplayConfig::from_env_with`], with `memory` when
    /// `QISCUS_WEBHOOK_REPLAY` is unset or empty.
    ///
    /// ```
    /// use clap::Parser;
    /// use qiscus_webhook_gateway::{Cli, ConfigError, Settings};
    ///
    /// let cli = Cli::parse_from(["qiscus-webhook-gateway", "--upstream", "http://127.0.0.1:3000"]);
    /// let env = |name: &str| (name == "QISCUS_WEBHOOK_TOKEN").then(|| "dashboard-token".into());
    /// let settings = Settings::from_options(&cli.options, env)?;
    /// assert_eq!(settings.upstream.to_string(), "http://127.0.0.1:3000");
    /// assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    ///
    /// let error = Settings::from_options(&cli.options, |_| None).unwrap_err();
    /// assert!(error.to_string().starts_with("QISCUS_WEBHOOK_TOKEN is not set"));
    /// # Ok::<(), ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the flag, variable or file at fault, never a token.
    pub fn from_options<F>(options: &Options, mut lookup: F) -> Result<Self, ConfigError>
    where
        F: FnMut(&str) -> Option<OsString>,
    {
        let upstream = Upstream::parse(
            options
                .upstream
                .as_deref()
                .ok_or(ConfigError::MissingUpstream)?,
        )?;
        if options.listen == options.admin_listen && options.listen.port() != 0 {
            return Err(ConfigError::SameAddress);
        }
        if options.upstream_timeout == 0 {
            return Err(ConfigError::ZeroUpstreamTimeout);
        }
        if options.upstream_retries > MAX_RETRIES {
            return Err(ConfigError::TooManyRetries);
        }
        let verifier = verifier(options, &mut lookup)?;
        let replay = ReplayConfig::from_env_with(|name| {
            let value = lookup(name);
            if name != REPLAY_VAR {
                return value;
            }
            // The gateway's default is `memory`, not `off`.
            let unset = value
                .as_ref()
                .is_none_or(|value| value.to_str().is_some_and(|value| value.trim().is_empty()));
            if unset { Some("memory".into()) } else { value }
        })
        .map_err(ConfigError::Replay)?;
        Ok(Self {
            upstream,
            listen: options.listen,
            admin_listen: options.admin_listen,
            verifier,
            replay,
            upstream_timeout: Duration::from_secs(options.upstream_timeout),
            upstream_retries: options.upstream_retries,
            drain_timeout: Duration::from_secs(options.drain_timeout),
        })
    }

    /// What `check` prints: one line per setting, no secret (a Redis URL's password is
    /// shown as `***`).
    #[must_use]
    pub fn summary(&self) -> String {
        let replay = match self.replay.mode() {
            ReplayMode::Off => "off".to_owned(),
            ReplayMode::Memory => "memory".to_owned(),
            ReplayMode::Redis(url) => url.to_string(),
            other => format!("{other:?}"),
        };
        format!(
            "upstream: {}\nlisten: {}\nadmin listen: {}\ntokens: {}\nbody limit: {} bytes\n\
             body timeout: {} s\nreplay: {replay}\nmax age: {} s\nupstream timeout: {} s\n\
             upstream retries: {}\ndrain timeout: {} s",
            self.upstream,
            self.listen,
            self.admin_listen,
            self.verifier.token_count(),
            self.verifier.body_limit(),
            self.verifier.body_timeout().as_secs(),
            self.replay.max_age().as_secs(),
            self.upstream_timeout.as_secs(),
            self.upstream_retries,
            self.drain_timeout.as_secs(),
        )
    }
}

/// The verifier: the core's reader of the environment, with the token variables replaced by
/// the files' contents when `--token-file` is given.
fn verifier<F>(options: &Options, lookup: &mut F) -> Result<Verifier, ConfigError>
where
    F: FnMut(&str) -> Option<OsString>,
{
    let Some(primary) = &options.token_file else {
        if options.previous_token_file.is_some() {
            return Err(ConfigError::PreviousTokenFileAlone);
        }
        return Verifier::from_env_with(lookup).map_err(ConfigError::Verifier);
    };
    for name in [TOKEN_VAR, PREVIOUS_TOKEN_VAR] {
        if lookup(name).is_some_and(|value| !value.is_empty()) {
            return Err(ConfigError::TokenTwice(name));
        }
    }
    let primary_content = read_token_file(primary)?;
    let previous = match &options.previous_token_file {
        Some(path) => Some((path, read_token_file(path)?)),
        None => None,
    };
    let file_of = |name: &str| match name {
        TOKEN_VAR => Some(primary.as_path()),
        _ => previous.as_ref().map(|(path, _)| path.as_path()),
    };
    let result = Verifier::from_env_with(|name| match name {
        TOKEN_VAR => Some(OsString::from(primary_content.as_str())),
        PREVIOUS_TOKEN_VAR => previous
            .as_ref()
            .map(|(_, content)| OsString::from(content.as_str())),
        other => lookup(other),
    });
    result.map_err(|error| match error {
        EnvError::TokenWhitespace(name) => ConfigError::TokenFile {
            path: file_of(name).unwrap_or(primary).to_path_buf(),
            why: TokenFileError::Whitespace,
        },
        other => ConfigError::Verifier(other),
    })
}

/// A token file's content by the core's rule: its bytes without the one final line ending
/// ([`Token::file_content`]); empty or not UTF-8 is an error naming the file.
fn read_token_file(path: &Path) -> Result<Zeroizing<String>, ConfigError> {
    let failed = |why| ConfigError::TokenFile {
        path: path.to_path_buf(),
        why,
    };
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|error| failed(TokenFileError::Unreadable(error.kind())))?,
    );
    let content = Token::file_content(&bytes);
    if content.is_empty() {
        return Err(failed(TokenFileError::Empty));
    }
    let content = std::str::from_utf8(content).map_err(|_| failed(TokenFileError::NotUtf8))?;
    Ok(Zeroizing::new(content.to_owned()))
}

/// The backend's base URL: `http` or `https`, a host, an optional path prefix; no query, no
/// user information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    scheme: Scheme,
    authority: Authority,
    /// The path prefix without its trailing `/` (empty for none).
    prefix: String,
}

impl Upstream {
    /// Parses and checks a base URL.
    ///
    /// ```
    /// use qiscus_webhook_gateway::Upstream;
    ///
    /// let upstream = Upstream::parse("http://127.0.0.1:3000/qiscus/")?;
    /// let uri = upstream.join(&"/webhook?tenant=7".parse()?)?;
    /// assert_eq!(uri.to_string(), "http://127.0.0.1:3000/qiscus/webhook?tenant=7");
    /// assert!(Upstream::parse("ftp://backend").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidUpstream`], saying what is wrong (never echoing the URL, which
    /// might hold a credential).
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let invalid = ConfigError::InvalidUpstream;
        let uri: Uri = url.trim().parse().map_err(|_| invalid("not a URL"))?;
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or(invalid("no scheme: write http:// or https://"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("the scheme must be http or https"));
        }
        let authority = uri.authority().cloned().ok_or(invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "user information (user:password@) is not supported",
            ));
        }
        if authority.host().is_empty() {
            return Err(invalid("no host"));
        }
        if uri.query().is_some() {
            return Err(invalid(
                "a base URL has no query: the request's own query is appended",
            ));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            authority,
            prefix,
        })
    }

    /// The URL a request for `path_and_query` goes to: the base, then the request's path and
    /// query as received.
    ///
    /// # Errors
    ///
    /// When the result is not a valid URI (it always is for a path hyper accepted).
    pub fn join(&self, request: &Uri) -> Result<Uri, http::Error> {
        let path = request.path_and_query().map_or("/", |pq| pq.as_str());
        let path = if path.starts_with('/') {
            format!("{}{path}", self.prefix)
        } else {
            format!("{}/{path}", self.prefix)
        };
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
    }

    /// Whether the upstream is `https`.
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

/// Why a token file could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFileError {
    /// It could not be read.
    Unreadable(std::io::ErrorKind),
    /// It is empty, or holds only its final line ending.
    Empty,
    /// It is not valid UTF-8.
    NotUtf8,
    /// It begins or ends with whitespace beyond its one final line ending.
    Whitespace,
}

/// Why the configuration is refused. Names the flag, variable or file at fault; never a
/// token's value, never the upstream URL (it might hold a credential).
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither `--upstream` nor `QISCUS_GATEWAY_UPSTREAM` is set.
    MissingUpstream,
    /// The upstream URL is not usable; the text says why.
    InvalidUpstream(&'static str),
    /// `--listen` and `--admin-listen` are the same address.
    SameAddress,
    /// `--upstream-timeout` is 0.
    ZeroUpstreamTimeout,
    /// `--upstream-retries` is above [`MAX_RETRIES`].
    TooManyRetries,
    /// A `QISCUS_WEBHOOK_*` variable of the verifier is missing or invalid.
    Verifier(EnvError),
    /// `--token-file` is given and this token variable is set too: which one counts would be
    /// a guess.
    TokenTwice(&'static str),
    /// `--previous-token-file` without `--token-file`.
    PreviousTokenFileAlone,
    /// A token file cannot be used.
    TokenFile {
        /// The file.
        path: PathBuf,
        /// Why.
        why: TokenFileError,
    },
    /// `QISCUS_WEBHOOK_REPLAY` or `QISCUS_WEBHOOK_MAX_AGE` is invalid.
    Replay(ReplayEnvError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingUpstream => f.write_str(
                "--upstream (or QISCUS_GATEWAY_UPSTREAM) is required: the backend's base URL, \
                 such as http://127.0.0.1:3000",
            ),
            Self::InvalidUpstream(why) => write!(f, "--upstream (QISCUS_GATEWAY_UPSTREAM): {why}"),
            Self::SameAddress => f.write_str(
                "--listen and --admin-listen (QISCUS_GATEWAY_LISTEN, QISCUS_GATEWAY_ADMIN_LISTEN) \
                 must differ",
            ),
            Self::ZeroUpstreamTimeout => f.write_str(
                "--upstream-timeout (QISCUS_GATEWAY_UPSTREAM_TIMEOUT) must be at least 1 second",
            ),
            Self::TooManyRetries => write!(
                f,
                "--upstream-retries (QISCUS_GATEWAY_UPSTREAM_RETRIES) must be at most {MAX_RETRIES}"
            ),
            Self::Verifier(error) => error.fmt(f),
            Self::TokenTwice(name) => write!(
                f,
                "--token-file (QISCUS_GATEWAY_TOKEN_FILE) and {name} are both set: use one"
            ),
            Self::PreviousTokenFileAlone => f.write_str(
                "--previous-token-file (QISCUS_GATEWAY_PREVIOUS_TOKEN_FILE) needs --token-file",
            ),
            Self::TokenFile { path, why } => {
                let path = path.display();
                match why {
                    TokenFileError::Unreadable(kind) => {
                        write!(f, "cannot read token file {path}: {kind}")
                    }
                    TokenFileError::Empty => write!(f, "token file {path} is empty"),
                    TokenFileError::NotUtf8 => write!(f, "token file {path} is not UTF-8"),
                    TokenFileError::Whitespace => write!(
                        f,
                        "token file {path} has leading or trailing whitespace beyond its final \
                         line ending (often a blank line or an indent); remove it, or set \
                         QISCUS_WEBHOOK_TOKEN_VERBATIM=1 to use the content exactly"
                    ),
                }
            }
            Self::Replay(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Verifier(error) => Some(error),
            Self::Replay(error) => Some(error),
            _ => None,
        }
    }
}
