//! `RUST_LOG`: when set, the core's events (one per verification, see `qiscus_webhook::drive`)
//! are printed to standard error, one line each. Unset or empty, nothing is: the command's
//! output stays what its README says.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::exit::CliError;

/// The variable, in `tracing-subscriber`'s `EnvFilter` syntax (`info`, `qiscus_webhook=debug`).
const LOG_VAR: &str = "RUST_LOG";

/// Installs the stderr subscriber if `RUST_LOG` is set and not empty.
pub fn init() -> Result<(), CliError> {
    let Some(filter) = filter(std::env::var_os(LOG_VAR))? else {
        return Ok(());
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    Ok(())
}

/// The filter `value` says; `None` when unset or empty.
fn filter(value: Option<std::ffi::OsString>) -> Result<Option<EnvFilter>, CliError> {
    let invalid = || {
        CliError::new(format!(
            "{LOG_VAR} must be a log filter such as info, warn or qiscus_webhook=debug"
        ))
    };
    let Some(value) = value else {
        return Ok(None);
    };
    let value = value.into_string().map_err(|_| invalid())?;
    if value.trim().is_empty() {
        return Ok(None);
    }
    EnvFilter::try_new(value).map(Some).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_empty_is_no_logging_and_a_bad_filter_names_the_variable() {
        assert!(filter(None).unwrap().is_none());
        assert!(filter(Some(" ".into())).unwrap().is_none());
        let debug = filter(Some("qiscus_webhook=debug".into()))
            .unwrap()
            .unwrap();
        assert_eq!(debug.to_string(), "qiscus_webhook=debug");
        let error = filter(Some("qiscus_webhook=loud".into())).unwrap_err();
        assert!(error.to_string().starts_with("RUST_LOG must be"), "{error}");
    }
}
