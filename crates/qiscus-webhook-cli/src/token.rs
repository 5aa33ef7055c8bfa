//! Where tokens come from: `--token`, else `--token-file`, else the environment.
//!
//! Nothing here ever puts a token's bytes in a message: errors name the option, the file or the
//! variable.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use qiscus_webhook::{MAX_TOKENS, PREVIOUS_TOKEN_VAR, TOKEN_VAR, Token};
use zeroize::Zeroizing;

use crate::cli::{SigningToken, VerifyingTokens};
use crate::exit::CliError;

/// The one token `sign` and `send` sign with.
pub fn signing_token(args: &SigningToken) -> Result<Token, CliError> {
    let tokens = resolve(
        args.token.as_slice(),
        args.token_file.as_slice(),
        |name| std::env::var_os(name),
        false,
    )?;
    tokens.into_iter().next().ok_or_else(missing)
}

/// The tokens `verify` accepts, in the order given (index 0 first).
pub fn verifying_tokens(args: &VerifyingTokens) -> Result<Vec<Token>, CliError> {
    let tokens = resolve(
        &args.tokens,
        &args.token_files,
        |name| std::env::var_os(name),
        true,
    )?;
    if tokens.len() > MAX_TOKENS {
        return Err(CliError::new(format!(
            "{} tokens given: verify accepts at most {MAX_TOKENS}",
            tokens.len()
        )));
    }
    Ok(tokens)
}

/// `--token` values if any, else `--token-file` contents if any, else the environment
/// (`QISCUS_WEBHOOK_TOKEN`, then `QISCUS_WEBHOOK_PREVIOUS_TOKEN` when `with_previous`).
/// Never empty on success.
fn resolve<F>(
    flags: &[String],
    files: &[PathBuf],
    env: F,
    with_previous: bool,
) -> Result<Vec<Token>, CliError>
where
    F: Fn(&str) -> Option<OsString>,
{
    if !flags.is_empty() {
        return flags
            .iter()
            .map(|token| Token::new(token).map_err(|_| CliError::new("--token is empty")))
            .collect();
    }
    if !files.is_empty() {
        return files.iter().map(|path| from_file(path)).collect();
    }
    let mut tokens = vec![from_env(&env, TOKEN_VAR)?.ok_or_else(missing)?];
    if with_previous && let Some(previous) = from_env(&env, PREVIOUS_TOKEN_VAR)? {
        tokens.push(previous);
    }
    Ok(tokens)
}

/// Reads a token file; trailing CR and LF bytes are trimmed (an editor's final newline),
/// nothing else is.
fn from_file(path: &Path) -> Result<Token, CliError> {
    let bytes = Zeroizing::new(fs::read(path).map_err(|error| {
        CliError::new(format!(
            "cannot read token file {}: {error}",
            path.display()
        ))
    })?);
    Token::new(trim_line_end(&bytes))
        .map_err(|_| CliError::new(format!("token file {} is empty", path.display())))
}

/// A variable's token; unset or empty reads as none.
fn from_env<F>(env: &F, name: &'static str) -> Result<Option<Token>, CliError>
where
    F: Fn(&str) -> Option<OsString>,
{
    let Some(value) = env(name) else {
        return Ok(None);
    };
    let value = Zeroizing::new(
        value
            .into_string()
            .map_err(|_| CliError::new(format!("{name} is not valid UTF-8")))?,
    );
    Ok(Token::new(value.as_str()).ok())
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| *b != b'\r' && *b != b'\n')
        .map_or(0, |i| i + 1);
    &bytes[..end]
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

    #[test]
    fn trims_only_trailing_cr_and_lf() {
        assert_eq!(trim_line_end(b"secret\r\n\n"), b"secret");
        assert_eq!(trim_line_end(b" secret \t\n"), b" secret \t");
        assert_eq!(trim_line_end(b"se\ncret"), b"se\ncret");
        assert_eq!(trim_line_end(b"\r\n"), b"");
        assert_eq!(trim_line_end(b""), b"");
    }

    #[test]
    fn flags_win_over_the_environment() {
        let tokens = resolve(
            &["a".to_owned(), "b".to_owned()],
            &[],
            env(&[(TOKEN_VAR, "env")]),
            true,
        );
        assert_eq!(tokens.map(|t| t.len()).ok(), Some(2));
    }

    #[test]
    fn environment_gives_the_previous_token_only_for_verify() {
        let vars = [(TOKEN_VAR, "current"), (PREVIOUS_TOKEN_VAR, "previous")];
        let verify = resolve(&[], &[], env(&vars), true).map(|t| t.len());
        let sign = resolve(&[], &[], env(&vars), false).map(|t| t.len());
        assert_eq!((verify.ok(), sign.ok()), (Some(2), Some(1)));
    }

    #[test]
    fn empty_environment_value_is_missing() {
        let error = resolve(&[], &[], env(&[(TOKEN_VAR, "")]), true).err();
        assert_eq!(error.map(|e| e.to_string()), Some(missing().to_string()),);
    }

    #[test]
    fn empty_flag_is_refused() {
        let error = resolve(&[String::new()], &[], env(&[]), false).err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("--token is empty")
        );
    }
}
