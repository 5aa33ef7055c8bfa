#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod extract;
#[cfg(feature = "replay")]
mod guarded;
mod layer;
mod rejection;

pub use extract::{VerifiedBody, VerifiedJson};
#[cfg(feature = "replay")]
pub use guarded::{GuardedBody, GuardedJson, ReplayRejection};
pub use layer::{VerifyQiscus, VerifyQiscusLayer};
pub use rejection::WebhookRejection;

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

/// The extractors' and the layer's one path: the core's checks over the headers, then its
/// drive loop over the body (`http_body::Body`, as axum hands it).
async fn verify<B>(
    verifier: &Verifier,
    headers: &http::HeaderMap,
    body: B,
) -> Result<(bytes::Bytes, Verified), qiscus_webhook::Rejection>
where
    B: http_body::Body,
    B::Error: Into<qiscus_webhook::BoxError>,
{
    let started = qiscus_webhook::drive::begin(verifier, headers, None)
        .map(qiscus_webhook::Verification::collect_bytes);
    qiscus_webhook::drive::http_body(started, body, tokio::time::sleep).await
}
