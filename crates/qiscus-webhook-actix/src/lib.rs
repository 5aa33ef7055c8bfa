#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod error;
mod extract;
mod middleware;

pub use config::WebhookConfig;
pub use error::WebhookError;
pub use extract::{VerifiedBody, VerifiedJson};
pub use middleware::VerifyQiscus;
#[doc(hidden)]
pub use middleware::VerifyQiscusMiddleware;

/// The core crate, for everything this one does not re-export.
pub use qiscus_webhook;
/// The core's typed Qiscus events (feature `events`), for `VerifiedJson<events::Event>`.
#[cfg(feature = "events")]
pub use qiscus_webhook::events;
pub use qiscus_webhook::{Error, Token, Verified, Verifier};

/// The extractors' and the middleware's one path: the request's signature values and raw
/// `Content-Length` to the core's checks, then its drive loop over the payload stream.
async fn verify<S, E>(
    verifier: &Verifier,
    headers: &actix_web::http::header::HeaderMap,
    payload: S,
) -> Result<(actix_web::web::Bytes, Verified), qiscus_webhook::Rejection>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>>,
    E: Into<qiscus_webhook::BoxError>,
{
    use actix_web::http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
    const SIGNATURE: HeaderName = HeaderName::from_static(qiscus_webhook::SIGNATURE_HEADER);
    // Every value: `get` would show only the first and hide a duplicate.
    let signatures = headers.get_all(SIGNATURE).map(HeaderValue::as_bytes);
    let content_length = headers.get(CONTENT_LENGTH).map(HeaderValue::as_bytes);
    let started = verifier
        .begin_request(signatures, content_length, None)
        .map(qiscus_webhook::Verification::collect_bytes);
    // actix-web runs on tokio: its timer is the body deadline's.
    qiscus_webhook::drive::stream(started, payload, tokio::time::sleep).await
}
