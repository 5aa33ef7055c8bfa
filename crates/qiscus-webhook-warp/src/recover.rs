//! [`recover`]: the ready rejection handler.

use warp::Rejection;
use warp::reply::Response;

use crate::WebhookRejection;
use crate::rejection::reply;

/// Answers a [`WebhookRejection`] with its status and JSON body (the table in the crate
/// docs), and passes every other rejection on unchanged, to your own `recover` or to warp's
/// defaults (`404`, `405`, ...).
///
/// Pass it to [`Filter::recover`](warp::Filter::recover), after the routes that verify:
///
/// ```
/// use qiscus_webhook_warp::{Token, VerifiedBody, Verifier, verified_body};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let routes = warp::path!("webhook")
///     .and(warp::post())
///     .and(verified_body(verifier))
///     .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
///     .recover(qiscus_webhook_warp::recover);
///
/// let unsigned = warp::test::request().method("POST").path("/webhook").body("{}");
/// let response = unsigned.reply(&routes).await;
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.body(), r#"{"error":"missing_signature"}"#);
///
/// // Not a webhook rejection: left to warp.
/// let elsewhere = warp::test::request().method("POST").path("/elsewhere");
/// assert_eq!(elsewhere.reply(&routes).await.status(), 404);
/// # Ok(())
/// # }
/// ```
///
/// A route that catches everything (`warp::any()...`) combined with `or` after a verifying
/// route would answer the requests that route refused: in that case, put `.recover(recover)`
/// on the verifying route itself, so that its refusals are answered there.
///
/// # Errors
///
/// The rejection itself, when it is not a [`WebhookRejection`].
pub async fn recover(rejection: Rejection) -> Result<Response, Rejection> {
    #[cfg(feature = "replay")]
    if let Some(duplicate) = rejection.find::<crate::DuplicateDelivery>() {
        return Ok(warp::Reply::into_response(*duplicate));
    }
    match rejection.find::<WebhookRejection>() {
        Some(webhook) => Ok(reply(webhook.rejection())),
        None => Err(rejection),
    }
}
