//! The replay guard (feature `replay`): [`guarded_body`] and [`guarded_json`], what they
//! extract ([`GuardedBody`], [`GuardedJson`]), and [`DuplicateDelivery`].

use std::future::Future;

use bytes::Bytes;
use qiscus_webhook::{Rejection as Refusal, Verified};
use qiscus_webhook_replay::{DUPLICATE_BODY, DUPLICATE_STATUS, NotRun, ReplayGuard, Ticket};
use serde::de::DeserializeOwned;
use warp::http::header::CONTENT_TYPE;
use warp::http::{HeaderValue, StatusCode};
use warp::reject::Reject;
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use crate::filter::reject;
use crate::{VerifiedBody, VerifiedJson, VerifierHandle, verified_body};

/// The verified body of a delivery the [`ReplayGuard`] admitted, and its [`Ticket`].
/// Extracted by [`guarded_body`].
///
/// Either let [`respond`](Self::respond) run the handler and finish the ticket with its
/// response's status (2xx commits, anything else releases), or finish it yourself
/// ([`Ticket::commit`], [`Ticket::release`], [`Ticket::finish`]). A ticket dropped unfinished
/// releases the claim, so a retry of the same bytes runs the handler again.
#[derive(Debug)]
pub struct GuardedBody(pub Bytes, pub Verified, pub Ticket);

/// The parsed body of a delivery the [`ReplayGuard`] admitted, and its [`Ticket`]. Extracted
/// by [`guarded_json`]; finished as [`GuardedBody`] is.
#[derive(Debug)]
pub struct GuardedJson<T>(pub T, pub Verified, pub Ticket);

/// A filter that verifies the request as [`verified_body`] does, then asks `guard` whether
/// the delivery runs ([`ReplayGuard::admit`]), and extracts the exact body with its
/// [`Ticket`] ([`GuardedBody`]).
///
/// Refusals are rejections that [`recover`](crate::recover) answers:
///
/// - a delivery already committed: [`DuplicateDelivery`], answered
///   200 `{"status":"duplicate"}`, so Qiscus stops retrying; the handler does not run;
/// - the same delivery still running: 409 `{"error":"delivery_in_progress"}` with
///   `Retry-After`;
/// - the store unavailable or full: 503 `{"error":"replay_store_unavailable"}` with
///   `Retry-After`;
/// - an event time outside the guard's window: 401 `{"error":"stale_event"}`;
/// - and every refusal of [`verified_body`], before the guard is asked (a refused signature
///   is never recorded).
///
/// ```
/// use qiscus_webhook_warp::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_warp::{GuardedBody, Token, VerifiedBody, Verifier, guarded_body};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let webhook = warp::path!("webhook")
///     .and(warp::post())
///     .and(guarded_body(verifier, guard))
///     // `respond`: the handler runs, then a 2xx commits the delivery, anything else
///     // releases it.
///     .then(|guarded: GuardedBody| {
///         guarded.respond(|VerifiedBody(body, _)| async move { format!("{} bytes", body.len()) })
///     })
///     .recover(qiscus_webhook_warp::recover);
///
/// let body = br#"{"payload":{},"type":"post_comment_mobile"}"#;
/// let signature = qiscus_webhook_testkit::sign("signature token", body);
/// let deliver = || {
///     warp::test::request()
///         .method("POST")
///         .path("/webhook")
///         .header("qiscus-sdk-signature", signature.as_str())
///         .body(body)
/// };
/// assert_eq!(deliver().reply(&webhook).await.body(), "43 bytes");
/// // Delivered again: answered without running the handler.
/// let again = deliver().reply(&webhook).await;
/// assert_eq!(again.status(), 200);
/// assert_eq!(again.body(), r#"{"status":"duplicate"}"#);
/// # Ok(())
/// # }
/// ```
pub fn guarded_body(
    verifier: impl Into<VerifierHandle>,
    guard: ReplayGuard,
) -> impl Filter<Extract = (GuardedBody,), Error = Rejection> + Clone {
    verified_body(verifier).and_then(move |VerifiedBody(body, verified)| {
        let guard = guard.clone();
        async move {
            match guard.admit(&verified, &body).await {
                Ok(ticket) => Ok(GuardedBody(body, verified, ticket)),
                Err(not_run) => Err(not_run_rejection(not_run)),
            }
        }
    })
}

/// A filter that verifies and guards the request as [`guarded_body`] does, then deserialises
/// the verified bytes into `T` as [`verified_json`](crate::verified_json) does
/// ([`GuardedJson`]).
///
/// The guard decides first, so a stale event is `401 stale_event` whatever its body; a
/// verified body that is not a `T` is then `400 invalid_payload`, and its claim released (the
/// handler never ran).
///
/// ```
/// use qiscus_webhook_warp::events::Event;
/// use qiscus_webhook_warp::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_warp::{GuardedJson, Token, VerifiedJson, Verifier, guarded_json};
/// use warp::Filter;
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let events = warp::path!("events")
///     .and(warp::post())
///     .and(guarded_json::<Event>(verifier, guard))
///     .then(|GuardedJson(event, _, ticket): GuardedJson<Event>| async move {
///         // The handler finishes the ticket itself: commit once the event is handled.
///         let reply = event.event_type().to_owned();
///         let _ = ticket.commit().await;
///         reply
///     })
///     .recover(qiscus_webhook_warp::recover);
/// # Ok::<(), qiscus_webhook_warp::qiscus_webhook::TokenError>(())
/// ```
pub fn guarded_json<T>(
    verifier: impl Into<VerifierHandle>,
    guard: ReplayGuard,
) -> impl Filter<Extract = (GuardedJson<T>,), Error = Rejection> + Clone
where
    T: DeserializeOwned + Send + 'static,
{
    verified_body(verifier).and_then(move |VerifiedBody(body, verified)| {
        let guard = guard.clone();
        async move {
            match guard.admit_json(&verified, &body).await {
                Ok((value, ticket)) => Ok(GuardedJson(value, verified, ticket)),
                Err(not_run) => Err(not_run_rejection(not_run)),
            }
        }
    })
}

/// How the guarded filters reject what the guard did not let run.
fn not_run_rejection(not_run: NotRun) -> Rejection {
    match not_run {
        NotRun::Duplicate => warp::reject::custom(DuplicateDelivery),
        NotRun::Rejected(refused) => reject(refused),
    }
}

impl GuardedBody {
    /// Runs `handler` with the verified body, then finishes the ticket with the status of its
    /// response: a 2xx commits the delivery (a duplicate of it is answered 200 from now on),
    /// anything else releases it (a retry runs the handler again). The claim is finished
    /// before the response goes out.
    ///
    /// For `.then(|guarded: GuardedBody, other, values| guarded.respond(...))`: the handler
    /// is a closure, so it can use every other value the route extracted.
    pub async fn respond<F, Fut>(self, handler: F) -> Response
    where
        F: FnOnce(VerifiedBody) -> Fut,
        Fut: Future<Output: Reply>,
    {
        let Self(body, verified, ticket) = self;
        finish(ticket, handler(VerifiedBody(body, verified))).await
    }
}

impl<T> GuardedJson<T> {
    /// Runs `handler` with the parsed body, then finishes the ticket with the status of its
    /// response, as [`GuardedBody::respond`] does.
    pub async fn respond<F, Fut>(self, handler: F) -> Response
    where
        F: FnOnce(VerifiedJson<T>) -> Fut,
        Fut: Future<Output: Reply>,
    {
        let Self(value, verified, ticket) = self;
        finish(ticket, handler(VerifiedJson(value, verified))).await
    }
}

/// The handler's response, with `ticket` finished on its status.
async fn finish(ticket: Ticket, reply: impl Future<Output: Reply>) -> Response {
    let response = reply.await.into_response();
    // A store error cannot change the answer now: the claim then lapses with its lease.
    let _ = ticket.finish(response.status().as_u16()).await;
    response
}

/// The delivery was already handled (committed by the [`ReplayGuard`]): the rejection of
/// [`guarded_body`] and [`guarded_json`] that [`recover`](crate::recover) answers
/// 200 `{"status":"duplicate"}` (`application/json`), so that the sender stops retrying.
/// The handler does not run.
///
/// In your own `recover` function, answer it with its [`Reply`] impl:
///
/// ```
/// use qiscus_webhook_warp::{DuplicateDelivery, WebhookRejection};
/// use warp::{Rejection, Reply};
///
/// async fn my_recover(rejection: Rejection) -> Result<warp::reply::Response, Rejection> {
///     if let Some(duplicate) = rejection.find::<DuplicateDelivery>() {
///         return Ok(duplicate.into_response());
///     }
///     match rejection.find::<WebhookRejection>() {
///         Some(webhook) => Ok(qiscus_webhook_warp::error_reply(webhook.error())),
///         None => Err(rejection),
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateDelivery;

impl Reject for DuplicateDelivery {}

/// 200 `{"status":"duplicate"}`, `application/json`.
impl Reply for DuplicateDelivery {
    fn into_response(self) -> Response {
        let mut response = Response::new(DUPLICATE_BODY.into());
        // The core's constant is 200: the fallback is never taken.
        *response.status_mut() = StatusCode::from_u16(DUPLICATE_STATUS).unwrap_or(StatusCode::OK);
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static(Refusal::CONTENT_TYPE),
        );
        response
    }
}
