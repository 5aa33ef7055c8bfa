//! The filters: [`verified_body`] and [`verified_json`].

use bytes::Buf;
use futures_util::Stream;
use http::HeaderMap;
use qiscus_webhook::Error;
use serde::de::DeserializeOwned;
use warp::{Filter, Rejection};

use crate::{VerifiedBody, VerifiedJson, WebhookConfig, WebhookRejection, body};

/// A filter that verifies the request's `QISCUS-SDK-SIGNATURE` against its raw body, and
/// extracts the exact body ([`VerifiedBody`]: the bytes and which token matched).
///
/// Takes a [`Verifier`](crate::Verifier) (or a [`WebhookConfig`], for a verifier set later
/// or replaced while running). The checks run in the core's order and reading stops at the
/// first failure: every `QISCUS-SDK-SIGNATURE` value (a repeated header is refused, never
/// resolved), `Content-Length` against the verifier's body limit (before reading), the body
/// streamed in and counted against that limit (chunked bodies without `Content-Length`
/// included: no `content_length_limit` is needed, and none should be added, as it answers
/// `411` to them), then the constant-time comparison.
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
    config: impl Into<WebhookConfig>,
) -> impl Filter<Extract = (VerifiedBody,), Error = Rejection> + Clone {
    let config = config.into();
    warp::any()
        .map(move || config.clone())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .and_then(verify)
}

/// A filter that verifies the request as [`verified_body`] does, then deserialises the
/// verified bytes into `T` ([`VerifiedJson`]: the value and which token matched).
///
/// Parsing (`serde_json::from_slice`) happens only after the signature matched: a forged
/// body is refused with `401` even when it is not JSON, and a verified body that is not a `T`
/// with `400 invalid_payload` (serde's error is the rejection's
/// [`source`](std::error::Error::source), for logs). The `Content-Type` is not checked: the
/// signature already proves the sender.
///
/// ```
/// use qiscus_webhook::events::Event;
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
    config: impl Into<WebhookConfig>,
) -> impl Filter<Extract = (VerifiedJson<T>,), Error = Rejection> + Clone
where
    T: DeserializeOwned + Send + 'static,
{
    verified_body(config).and_then(|VerifiedBody(bytes, verified): VerifiedBody| async move {
        serde_json::from_slice(&bytes)
            .map(|value| VerifiedJson(value, verified))
            .map_err(|error| warp::reject::custom(WebhookRejection::invalid_payload(error)))
    })
}

/// The verification behind both filters: the configuration first (nothing is read without a
/// verifier), then the core's checks over the headers and the streamed body.
async fn verify<S, B>(
    config: WebhookConfig,
    headers: HeaderMap,
    body: S,
) -> Result<VerifiedBody, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let reject = |error: Error| warp::reject::custom(WebhookRejection::from(error));
    let verifier = config
        .verifier()
        .ok_or_else(|| reject(Error::NotConfigured))?;
    let (bytes, verified) = body::verify(&verifier, &headers, body)
        .await
        .map_err(reject)?;
    Ok(VerifiedBody(bytes, verified))
}
