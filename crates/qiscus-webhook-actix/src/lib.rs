#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod error;
mod extract;
#[cfg(feature = "replay")]
mod guarded;
mod middleware;

pub use config::WebhookConfig;
pub use error::WebhookError;
pub use extract::{VerifiedBody, VerifiedJson};
#[cfg(feature = "replay")]
pub use guarded::{DuplicateDelivery, GuardedBody, GuardedJson};
pub use middleware::VerifyQiscus;
#[doc(hidden)]
pub use middleware::VerifyQiscusMiddleware;

/// The core crate, for everything this one does not re-export.
pub use qiscus_webhook;
/// The core's typed Qiscus events (feature `events`), for `VerifiedJson<events::Event>`.
#[cfg(feature = "events")]
pub use qiscus_webhook::events;
pub use qiscus_webhook::{Error, Token, Verified, Verifier};
/// The replay guard's crate (feature `replay`): its stores and configuration.
#[cfg(feature = "replay")]
pub use qiscus_webhook_replay as replay;
#[cfg(feature = "replay")]
pub use qiscus_webhook_replay::{ReplayGuard, Ticket};

/// The extractors' and the middleware's one path: the request's signature values and raw
/// `Content-Length` to the core's checks, then its drive loop over the payload stream.
async fn verify(
    verifier: &Verifier,
    headers: &actix_web::http::header::HeaderMap,
    mut payload: actix_web::dev::Payload,
) -> Result<(actix_web::web::Bytes, Verified), qiscus_webhook::Rejection> {
    use actix_web::http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
    const SIGNATURE: HeaderName = HeaderName::from_static(qiscus_webhook::SIGNATURE_HEADER);
    // Every value: `get` would show only the first and hide a duplicate.
    let signatures = headers.get_all(SIGNATURE).map(HeaderValue::as_bytes);
    let content_length = headers.get(CONTENT_LENGTH).map(HeaderValue::as_bytes);
    let started = verifier
        .begin_request(signatures, content_length, None)
        .map(qiscus_webhook::Verification::collect_bytes);
    // actix-web runs on tokio: its timer is the body deadline's.
    let outcome = qiscus_webhook::drive::stream(started, &mut payload, tokio::time::sleep).await;
    if outcome
        .as_ref()
        .is_err_and(qiscus_webhook::Rejection::closes_connection)
    {
        park(payload);
    }
    outcome
}

/// How long a refused request's payload is held at most (see [`park`]); far more than actix
/// takes to write a refusal and close.
const PARKED_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// Holds a payload refused before its end, unread, until actix-web lets go of the connection.
///
/// actix-web (actix-http 3) reads a *dropped* chunked payload to its end before it closes or
/// answers the next request: an upload refused at the limit would still be read whole, however
/// long, with `Connection: close` or without. A payload still held when the response is written
/// makes it answer with `Connection: close` and close instead, so the core's closing refusals
/// are honoured. Polled only to learn when actix drops its sending side (the payload then
/// fails); what arrives meanwhile (at most the request's buffer) is discarded.
fn park(mut payload: actix_web::dev::Payload) {
    use futures_util::StreamExt;

    // Outside actix's runtime (an extractor called by hand under plain tokio) there is no
    // connection to close, and nowhere to hold the payload.
    if !actix_web::rt::System::is_registered() {
        return;
    }
    actix_web::rt::spawn(async move {
        let held = async { while let Some(Ok(_)) = payload.next().await {} };
        let _ = tokio::time::timeout(PARKED_AT_MOST, held).await;
    });
}
