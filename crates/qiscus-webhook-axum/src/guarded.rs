//! The replay guard (feature `replay`): [`GuardedBody`] and [`GuardedJson`], the extractors
//! that hand the handler a claim, and [`ReplayRejection`], their answer when the handler must
//! not run.

use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use qiscus_webhook::{Verified, Verifier};
use qiscus_webhook_replay::{DUPLICATE_BODY, NotRun, ReplayGuard, Ticket};
use serde::de::DeserializeOwned;

use crate::{VerifiedBody, WebhookRejection};

/// [`VerifiedBody`], then the [`ReplayGuard`]'s admission: the exact verified bytes, which
/// token matched, and the delivery's claim ([`Ticket`]), for the handler to
/// [`commit`](Ticket::commit) once it has succeeded (or [`finish`](Ticket::finish) with its
/// status). A claim dropped unfinished is released: a retry of the same bytes runs again.
///
/// The handler does not run for a duplicate (answered 200 `{"status":"duplicate"}`), a stale
/// event (401), a delivery in progress (409) or an unavailable store (503): see
/// [`ReplayRejection`]. The guard comes from the router state, as the verifier does
/// (`ReplayGuard: FromRef<S>`); a router without one does not compile:
///
/// ```compile_fail
/// use axum::{Router, routing::post};
/// use qiscus_webhook_axum::{GuardedBody, Token, Verifier};
///
/// async fn webhook(GuardedBody(body, _, ticket): GuardedBody) -> String {
///     let _ = ticket.commit().await;
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// // error: `ReplayGuard: FromRef<Verifier>` is not satisfied (no state gives a guard).
/// let app: Router = Router::new().route("/webhook", post(webhook)).with_state(verifier);
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
///
/// With both in the state:
///
/// ```
/// use axum::{Router, extract::FromRef, routing::post};
/// use qiscus_webhook_axum::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_axum::{GuardedBody, Token, Verifier};
///
/// #[derive(Clone)]
/// struct AppState {
///     verifier: Verifier,
///     guard: ReplayGuard,
/// }
///
/// impl FromRef<AppState> for Verifier {
///     fn from_ref(state: &AppState) -> Self {
///         state.verifier.clone()
///     }
/// }
///
/// impl FromRef<AppState> for ReplayGuard {
///     fn from_ref(state: &AppState) -> Self {
///         state.guard.clone()
///     }
/// }
///
/// async fn webhook(GuardedBody(body, _, ticket): GuardedBody) -> String {
///     // ... handle the event; then remember it, so that a redelivery is a duplicate.
///     let _ = ticket.commit().await;
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let app: Router = Router::new()
///     .route("/webhook", post(webhook))
///     .with_state(AppState { verifier, guard });
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct GuardedBody(pub Bytes, pub Verified, pub Ticket);

impl<S> FromRequest<S> for GuardedBody
where
    S: Send + Sync,
    Verifier: FromRef<S>,
    ReplayGuard: FromRef<S>,
{
    type Rejection = ReplayRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let VerifiedBody(bytes, verified) = VerifiedBody::from_request(request, state).await?;
        let ticket = ReplayGuard::from_ref(state)
            .admit(&verified, &bytes)
            .await?;
        Ok(Self(bytes, verified, ticket))
    }
}

/// [`GuardedBody`], then the body parsed as `T` ([`ReplayGuard::admit_json`]): the guard
/// answers first (a duplicate is a duplicate whatever it holds), and a verified body that
/// does not parse is refused 400 `invalid_payload` with its claim released. Finished as
/// [`GuardedBody`]'s ticket is. Must be the handler's **last argument**.
///
/// ```
/// use axum::{Router, extract::FromRef, routing::post};
/// use qiscus_webhook_axum::events::Event;
/// use qiscus_webhook_axum::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_axum::{GuardedJson, Token, Verifier};
///
/// #[derive(Clone)]
/// struct AppState {
///     verifier: Verifier,
///     guard: ReplayGuard,
/// }
/// # impl FromRef<AppState> for Verifier {
/// #     fn from_ref(state: &AppState) -> Self {
/// #         state.verifier.clone()
/// #     }
/// # }
/// # impl FromRef<AppState> for ReplayGuard {
/// #     fn from_ref(state: &AppState) -> Self {
/// #         state.guard.clone()
/// #     }
/// # }
/// // `impl FromRef<AppState>` for `Verifier` and `ReplayGuard`, as for `GuardedBody`.
///
/// async fn events(GuardedJson(event, _, ticket): GuardedJson<Event>) -> String {
///     // ... handle the event; then remember it, so that a redelivery is a duplicate.
///     let _ = ticket.commit().await;
///     event.event_type().to_owned()
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let app: Router = Router::new()
///     .route("/events", post(events))
///     .with_state(AppState { verifier, guard });
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct GuardedJson<T>(pub T, pub Verified, pub Ticket);

impl<S, T> FromRequest<S> for GuardedJson<T>
where
    S: Send + Sync,
    Verifier: FromRef<S>,
    ReplayGuard: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = ReplayRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let VerifiedBody(bytes, verified) = VerifiedBody::from_request(request, state).await?;
        let (value, ticket) = ReplayGuard::from_ref(state)
            .admit_json(&verified, &bytes)
            .await?;
        Ok(Self(value, verified, ticket))
    }
}

/// Why [`GuardedBody`] or [`GuardedJson`] did not reach the handler, as an axum response: a duplicate, answered
/// 200 `{"status":"duplicate"}` (`application/json`), or a refusal, answered as
/// [`WebhookRejection`] answers it (the guard's 401 `stale_event`, 409
/// `delivery_in_progress` and 503 `replay_store_unavailable` with `Retry-After`, or
/// verification's own).
#[derive(Debug)]
pub struct ReplayRejection(pub NotRun);

impl IntoResponse for ReplayRejection {
    fn into_response(self) -> Response {
        match self.0 {
            NotRun::Duplicate => {
                let content_type = HeaderValue::from_static(NotRun::CONTENT_TYPE);
                ([(CONTENT_TYPE, content_type)], DUPLICATE_BODY).into_response()
            }
            NotRun::Rejected(rejection) => WebhookRejection::from(rejection).into_response(),
        }
    }
}

impl From<NotRun> for ReplayRejection {
    fn from(not_run: NotRun) -> Self {
        Self(not_run)
    }
}

impl From<WebhookRejection> for ReplayRejection {
    fn from(rejection: WebhookRejection) -> Self {
        Self(NotRun::Rejected(rejection.into_rejection()))
    }
}

/// The layer's guarded call: `inner()` runs only if the guard admits the request, and its
/// status commits (2xx) or releases the claim (an error of the inner service releases too).
pub(crate) async fn run<F, Fut, E>(
    guard: &ReplayGuard,
    verified: &Verified,
    body: &[u8],
    inner: F,
) -> Result<Response, E>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Response, E>>,
{
    let status = |answer: &Result<Response, E>| {
        answer
            .as_ref()
            .map_or(500, |response| response.status().as_u16())
    };
    guard
        .run(verified, body, inner, status)
        .await
        .unwrap_or_else(|not_run| Ok(ReplayRejection(not_run).into_response()))
}
