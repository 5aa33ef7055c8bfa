//! Where tokens come from: `--token`, else `--token-file`, else the environment.
//!
//! Every source follows the core's configuration rule (`Token::from_config`): leading or
//! trailing whitespace is refused unless `--verbatim-token` (or, for the environment,
//! `QISCUS_WEBHOOK_TOKEN_VERBATIM=1`) says to keep it; a file's content is its bytes without its
//! one final line ending (`Token::file_content`).
//!
//! Nothing here ever puts a token's bytes in a message: errors name the option, the file or the
//! variable.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use qiscus_webhook::env::{PREVIOUS_TOKEN_VAR, TOKEN_VAR, token_verbatim_from_env_with};
use qiscus_webhook::{EnvError, MAX_TOKENS, Token, TokenError};
use zeroize::Zeroizing;

use crate::cli::{SigningToken, VerifyingTokens};
use crate::exit::CliError;

/// The one token `sign` and `send` sign with.
pub fn signing_token(args: &SigningToken) -> Result<Token, CliError> {
    let sources = Sources {
        flags: args.token.as_slice(),
        files: args.token_file.as_slice(),
        verbatim: args.verbatim_token,
    };
    let tokens = resolve(&sources, |name| std::env::var_os(name), false)?;
    tokens.into_iter().next().ok_or_else(missing)
}

/// The tokens `verify` accepts, in the order given (index 0 first).
pub fn verifying_tokens(args: &VerifyingTokens) -> Result<Vec<Token>, CliError> {
    let sources = Sources {
        flags: &args.tokens,
        files: &args.token_files,
        verbatim: args.verbatim_token,
    };
    let tokens = resolve(&sources, |name| std::env::var_os(name), true)?;
    if tokens.len() > MAX_TOKENS {
        return Err(CliError::new(format!(
            "{} tokens given: verify accepts at most {MAX_TOKENS}",
            tokens.len()
        )));
    }
    Ok(tokens)
}

/// What the command line says about tokens.
struct Sources<'a> {
    flags: &'a [String],
    files: &'a [PathBuf],
    /// `--verbatim-token`: keep every token exactly, whatever its source.
    verbatim: bool,
}

/// `--token` values if any, else `--token-file` contents if any, else the environment
/// (`QISCUS_WEBHOOK_TOKEN`, then `QISCUS_WEBHOOK_PREVIOUS_TOKEN` when `with_previous`).
/// Never empty on success.
fn resolve<F>(sources: &Sources<'_>, env: F, with_previous: bool) -> Result<Vec<Token>, CliError>
where
    F: Fn(&str) -> Option<OsString>,
{
    if !sources.flags.is_empty() {
        return sources
            .flags
            .iter()
            .map(|token| from_flag(token, sources.verbatim))
            .collect();
    }
    if !sources.files.is_empty() {
        return sources
            .files
            .iter()
            .map(|path| from_file(path, sources.verbatim))
            .collect();
    }
    // QISCUS_WEBHOOK_TOKEN_VERBATIM is read only when the environment is the source: a bad
    // value there should not break a run that passes its token on the command line.
    let verbatim = sources.verbatim || token_verbatim_from_env_with(&env).map_err(env_error)?;
    let mut tokens = vec![from_env(&env, TOKEN_VAR, verbatim)?.ok_or_else(missing)?];
    if with_previous && let Some(previous) = from_env(&env, PREVIOUS_TOKEN_VAR, verbatim)? {
        tokens.push(previous);
    }
    Ok(tokens)
}

/// The core's rule, or the exact bytes when `verbatim`.
fn token(bytes: &[u8], verbatim: bool) -> Result<Token, TokenError> {
    if verbatim {
        Token::new(bytes)
    } else {
        Token::from_config(bytes)
    }
}

fn from_flag(value: &str, verbatim: bool) -> Result<Token, CliError> {
    token(value.as_bytes(), verbatim).map_err(|error| match error {
        TokenError::Empty => CliError::new("--token is empty"),
        TokenError::SurroundingWhitespace => CliError::new(
            "--token has leading or trailing whitespace; remove it, or pass --verbatim-token \
             to use the value exactly",
        ),
        other => CliError::new(format!("--token: {other}")),
    })
}

/// Reads a token file: its content is its bytes without the one final line ending
/// (`Token::file_content`), under the same rule as any other value.
fn from_file(path: &Path, verbatim: bool) -> Result<Token, CliError> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|error| {
        CliError::new(format!(
            "cannot read token file {}: {error}",
            path.display()
        ))
    })?);
    token(Token::file_content(&bytes), verbatim).map_err(|error| match error {
        TokenError::Empty => CliError::new(format!("token file {} is empty", path.display())),
        TokenError::SurroundingWhitespace => CliError::new(format!(
            "token file {} has leading or trailing whitespace beyond its final line ending \
             (often a blank line or an indent); remove it, or pass --verbatim-token to use the \
             content exactly",
            path.display()
        )),
        other => CliError::new(format!("token file {}: {other}", path.display())),
    })
}

/// A variable's token; unset or empty reads as none.
fn from_env<F>(env: &F, name: &'static str, verbatim: bool) -> Result<Option<Token>, CliError>
where
    F: Fn(&str) -> Option<OsString>,
{
    let Some(value) = env(name) else {
        return Ok(None);
    };
    let value = Zeroizing::new(
        value
            .into_string()
            .map_err(|_| env_error(EnvError::NotUnicode(name)))?,
    );
    match token(value.as_bytes(), verbatim) {
        Ok(token) => Ok(Some(token)),
        Err(TokenError::Empty) => Ok(None),
        Err(TokenError::SurroundingWhitespace) => Err(env_error(EnvError::TokenWhitespace(name))),
        Err(other) => Err(CliError::new(format!("{name}: {other}"))),
    }
}

/// The core's message for the environment, the same as the receiver examples print.
fn env_error(error: EnvError) -> CliError {
    CliError::new(error.to_string())
}

fn missing() -> CliError {
    CliError::new(format!(
        "no token: pass --token or --token-file, or set {TOKEN_VAR}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    fn flags(flags: &[String]) -> Sources<'_> {
        Sources {
            flags,
            files: &[],
            verbatim: false,
        }
    }

    const NONE: Sources<'static> = Sources {
        flags: &[],
        files: &[],
        verbatim: false,
    };

    const VERBATIM: Sources<'static> = Sources {
        flags: &[],
        files: &[],
        verbatim: true,
    };

    fn message(result: Result<Vec<Token>, CliError>) -> Option<String> {
        result.err().map(|error| error.to_string())
    }

    /// The four cases the rule is about: a trailing LF or CRLF, a leading space, only whitespace.
    const SURROUNDED: [&str; 4] = ["secret\n", "secret\r\n", " secret", " \t\r\n"];

    #[test]
    fn flags_win_over_the_environment() {
        let given = ["a".to_owned(), "b".to_owned()];
        let tokens = resolve(&flags(&given), env(&[(TOKEN_VAR, "env")]), true);
        assert_eq!(tokens.map(|t| t.len()).ok(), Some(2));
    }

    #[test]
    fn environment_gives_the_previous_token_only_for_verify() {
        let vars = [(TOKEN_VAR, "current"), (PREVIOUS_TOKEN_VAR, "previous")];
        let verify = resolve(&NONE, env(&vars), true).map(|t| t.len());
        let sign = resolve(&NONE, env(&vars), false).map(|t| t.len());
        assert_eq!((verify.ok(), sign.ok()), (Some(2), Some(1)));
    }

    #[test]
    fn empty_environment_value_is_missing() {
        let error = message(resolve(&NONE, env(&[(TOKEN_VAR, "")]), true));
        assert_eq!(error, Some(missing().to_string()));
    }

    #[test]
    fn empty_flag_is_refused() {
        let error = message(resolve(&flags(&[String::new()]), env(&[]), false));
        assert_eq!(error.as_deref(), Some("--token is empty"));
    }

    #[test]
    fn environment_whitespace_is_the_core_error_naming_the_variable() {
        for value in SURROUNDED {
            let error = message(resolve(&NONE, env(&[(TOKEN_VAR, value)]), false));
            assert_eq!(
                error,
                Some(EnvError::TokenWhitespace(TOKEN_VAR).to_string()),
                "{value:?}"
            );
            let vars = [(TOKEN_VAR, "current"), (PREVIOUS_TOKEN_VAR, value)];
            let error = message(resolve(&NONE, env(&vars), true));
            assert_eq!(
                error,
                Some(EnvError::TokenWhitespace(PREVIOUS_TOKEN_VAR).to_string()),
                "{value:?}"
            );
        }
    }

    #[test]
    fn environment_whitespace_is_kept_when_verbatim() {
        for value in SURROUNDED {
            let by_flag = resolve(&VERBATIM, env(&[(TOKEN_VAR, value)]), false);
            assert_eq!(by_flag.map(|t| t.len()).ok(), Some(1), "{value:?}");
            for opt_in in ["1", "true", "TRUE"] {
                let vars = [
                    (TOKEN_VAR, value),
                    ("QISCUS_WEBHOOK_TOKEN_VERBATIM", opt_in),
                ];
                let by_env = resolve(&NONE, env(&vars), false);
                assert_eq!(by_env.map(|t| t.len()).ok(), Some(1), "{value:?} {opt_in}");
            }
            let vars = [(TOKEN_VAR, value), ("QISCUS_WEBHOOK_TOKEN_VERBATIM", "0")];
            assert!(resolve(&NONE, env(&vars), false).is_err(), "{value:?}");
        }
    }

    #[test]
    fn a_bad_verbatim_variable_matters_only_for_environment_tokens() {
        let vars = [(TOKEN_VAR, "t"), ("QISCUS_WEBHOOK_TOKEN_VERBATIM", "yes")];
        let error = message(resolve(&NONE, env(&vars), false));
        assert_eq!(error, Some(EnvError::InvalidVerbatim.to_string()));
        let given = ["t".to_owned()];
        assert!(resolve(&flags(&given), env(&vars), false).is_ok());
    }

    #[test]
    fn flag_whitespace_is_refused_unless_verbatim() {
        for value in SURROUNDED {
            let given = [value.to_owned()];
            let error = message(resolve(&flags(&given), env(&[]), false)).unwrap_or_default();
            assert!(
                error.starts_with("--token has leading or trailing whitespace")
                    && error.contains("--verbatim-token")
                    && !error.contains("secret"),
                "{value:?}: {error}"
            );
            let verbatim = Sources {
                verbatim: true,
                ..flags(&given)
            };
            assert!(resolve(&verbatim, env(&[]), false).is_ok(), "{value:?}");
        }
    }
}
