//! The filters: [`verified_body`] and [`verified_json`].

use bytes::Buf;
use futures_util::Stream;
use qiscus_webhook::{Error, Verification, Verifier, drive, json};
use serde::de::DeserializeOwned;
use warp::http::HeaderMap;
use warp::{Filter, Rejection};

use crate::{VerifiedBody, VerifiedJson, VerifierHandle, WebhookRejection};

/// A filter that verifies the request's `QISCUS-SDK-SIGNATURE` against its raw body, and
/// extracts the exact body ([`VerifiedBody`]: the bytes and which token matched).
///
/// Takes a [`Verifier`] (or a [`VerifierHandle`], for a verifier set later or replaced while
/// running). The checks run in the core's order and reading stops at the first failure: every
/// `QISCUS-SDK-SIGNATURE` value (a repeated header is refused, never resolved),
/// `Content-Length` against the verifier's body limit (before reading), the body streamed in
/// and counted against that limit (chunked bodies without `Content-Length` included: no
/// `content_length_limit` is needed, and none should be added, as it answers `411` to them),
/// then the constant-time comparison.
///
/// A refused request is rejected with a [`WebhookRejection`]: end the route chain with
/// `.recover(`[`qiscus_webhook_warp::recover`](crate::recover)`)` to answer the status and
/// JSON body of the table in the crate docs (without it, warp answers any custom rejection
/// with `500`).
///
/// Like warp's own body filters, it consumes the body: put it **after** the path and method
/// filters of its route, and do not combine two body filters in one route. The filter is
/// `Clone`, `Send` and `Sync`, and composes with any other filter.
///
/// ```
/// use qiscus_webhook_warp::{Token, VerifiedBody, Verifier, verified_body};
/// use warp::Filter;
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let webhook = warp::path!("webhook")
///     .and(warp::post())
///     .and(verified_body(verifier))
///     .map(|VerifiedBody(body, verified)| {
///         if !verified.is_primary() {
///             eprintln!("Qiscus still signs with the previous token");
///         }
///         format!("{} verified bytes", body.len())
///     })
///     .recover(qiscus_webhook_warp::recover);
/// # Ok::<(), qiscus_webhook_warp::qiscus_webhook::TokenError>(())
/// ```
pub fn verified_body(
    verifier: impl Into<VerifierHandle>,
) -> impl Filter<Extract = (VerifiedBody,), Error = Rejection> + Clone {
    let handle = verifier.into();
    warp::any()
        // Taken once per request: a `set` while it verifies does not change its verifier.
        .map(move || handle.verifier())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .and_then(verify)
}

/// A filter that verifies the request as [`verified_body`] does, then deserialises the
/// verified bytes into `T` ([`VerifiedJson`]: the value and which token matched).
///
/// Parsing ([`qiscus_webhook::json::parse`]) happens only after the signature matched: a
/// forged body is refused with `401` even when it is not JSON, and a verified body that is not
/// a `T` with `400 invalid_payload`. The rejection's [`source`](std::error::Error::source) says
/// where serde stopped, for logs, never serde's message (it quotes the body). The
/// `Content-Type` is not checked: the signature already proves the sender.
///
/// ```
/// use qiscus_webhook_warp::events::Event;
/// use qiscus_webhook_warp::{Token, VerifiedJson, Verifier, verified_json};
/// use warp::Filter;
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let events = warp::path!("events")
///     .and(warp::post())
///     .and(verified_json::<Event>(verifier))
///     .map(|VerifiedJson(event, _): VerifiedJson<Event>| event.event_type().to_owned())
///     .recover(qiscus_webhook_warp::recover);
/// # Ok::<(), qiscus_webhook_warp::qiscus_webhook::TokenError>(())
/// ```
pub fn verified_json<T>(
    verifier: impl Into<VerifierHandle>,
) -> impl Filter<Extract = (VerifiedJson<T>,), Error = Rejection> + Clone
where
    T: DeserializeOwned + Send + 'static,
{
    verified_body(verifier).and_then(|VerifiedBody(bytes, verified): VerifiedBody| async move {
        json::parse(&bytes)
            .map(|value| VerifiedJson(value, verified))
            .map_err(reject)
    })
}

/// The verification behind both filters: a verifier first (nothing is read without one), then
/// the core's checks over the headers and the streamed body.
async fn verify<S, B>(
    verifier: Option<Verifier>,
    headers: HeaderMap,
    body: S,
) -> Result<VerifiedBody, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let verifier = verifier.ok_or_else(|| reject(drive::refuse(Error::NotConfigured)))?;
    let started = drive::begin(&verifier, &headers, None).map(Verification::collect_bytes);
    let (bytes, verified) = drive::stream(started, body, tokio::time::sleep)
        .await
        .map_err(reject)?;
    Ok(VerifiedBody(bytes, verified))
}

pub(crate) fn reject(refused: impl Into<WebhookRejection>) -> Rejection {
    warp::reject::custom(refused.into())
}
