//! The core's `tracing` events (feature `tracing`): emitted here and nowhere else. Without the
//! feature, these are empty and vanish at compile time.
//!
//! The fields and levels are documented once, in [`drive`](crate::drive#tracing).

use core::time::Duration;

use crate::{Error, Rejection, Verified};

/// How loud a refusal is: `WARN` for what an operator must look at, `INFO` for the rest.
/// Nothing a client can trigger is louder than `WARN`.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
const fn warns(error: Error) -> bool {
    matches!(
        error,
        Error::SignatureMismatch
            | Error::StaleEvent
            | Error::NotConfigured
            | Error::ReplayStoreUnavailable
    )
}

/// One verification's outcome, with the bytes read and the time it took.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
#[cfg_attr(
    not(any(
        feature = "http-body",
        feature = "stream",
        feature = "tokio-io",
        feature = "io"
    )),
    allow(dead_code)
)]
pub(crate) fn verification(
    outcome: Result<&Verified, &Rejection>,
    body_bytes: usize,
    elapsed: Duration,
) {
    #[cfg(feature = "tracing")]
    {
        let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        match outcome {
            Ok(verified) => tracing::debug!(
                target: "qiscus_webhook",
                outcome = "verified",
                token_index = verified.token_index(),
                body_bytes,
                elapsed_us,
                "webhook verified"
            ),
            Err(rejection) => refusal(rejection, body_bytes, elapsed_us, "webhook refused"),
        }
    }
}

/// A refusal after verification (a verified body that is not the expected JSON).
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub(crate) fn after_verification(rejection: &Rejection, body_bytes: usize) {
    #[cfg(feature = "tracing")]
    refusal(rejection, body_bytes, 0, "verified webhook refused");
}

#[cfg(feature = "tracing")]
fn refusal(rejection: &Rejection, body_bytes: usize, elapsed_us: u64, message: &'static str) {
    use std::string::ToString;

    // The cause's text: a body error or a JSON position, never body bytes (see Rejection).
    let cause = std::error::Error::source(rejection).map(ToString::to_string);
    let cause = cause.as_deref().unwrap_or("");
    let outcome = rejection.code();
    if warns(rejection.error()) {
        tracing::warn!(
            target: "qiscus_webhook",
            outcome,
            status = rejection.status_code(),
            body_bytes,
            elapsed_us,
            error = %rejection,
            cause,
            "{message}"
        );
    } else {
        tracing::info!(
            target: "qiscus_webhook",
            outcome,
            status = rejection.status_code(),
            body_bytes,
            elapsed_us,
            error = %rejection,
            cause,
            "{message}"
        );
    }
}
