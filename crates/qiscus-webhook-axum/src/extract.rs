//! The extractors: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed after
//! verification).

use axum::extract::{FromRef, FromRequest, Request};
use bytes::Bytes;
use qiscus_webhook::{Verified, Verifier};
use serde::de::DeserializeOwned;

use crate::WebhookRejection;

/// The request body, byte for byte, after its `QISCUS-SDK-SIGNATURE` matched; with which
/// token matched ([`Verified`]).
///
/// Consumes the body, so it must be the handler's **last argument**. The body limit is the
/// verifier's own (axum's `DefaultBodyLimit` does not apply), enforced on the bytes counted
/// while the body streams in, with `Content-Length` as an early reject. Refusals are
/// [`WebhookRejection`]s.
///
/// The [`Verifier`] comes from the router state, through `Verifier: FromRef<S>`: the state is
/// the verifier itself (`.with_state(verifier)`), or your own state with a `Verifier` field and
/// `#[derive(FromRef)]` (axum's `macros` feature) or one `impl FromRef<AppState> for Verifier`.
/// A router that has no verifier does not compile, so a receiver can't be deployed
/// unconfigured:
///
/// ```compile_fail
/// use axum::{Router, routing::post};
/// use qiscus_webhook_axum::VerifiedBody;
///
/// async fn webhook(VerifiedBody(body, _): VerifiedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// // error: `Verifier: FromRef<()>` is not satisfied (no state gives a verifier).
/// let app: Router = Router::new().route("/webhook", post(webhook));
/// ```
///
/// With the application's own state:
///
/// ```
/// use axum::{Router, extract::{FromRef, State}, routing::post};
/// use qiscus_webhook_axum::{Token, VerifiedBody, Verifier};
///
/// #[derive(Clone)]
/// struct AppState {
///     webhook: Verifier,
///     greeting: &'static str,
/// }
///
/// // What `#[derive(FromRef)]` (axum's `macros` feature) writes for the field.
/// impl FromRef<AppState> for Verifier {
///     fn from_ref(state: &AppState) -> Self {
///         state.webhook.clone()
///     }
/// }
///
/// async fn webhook(State(state): State<AppState>, VerifiedBody(body, _): VerifiedBody) -> String {
///     format!("{}: {} bytes", state.greeting, body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app: Router = Router::new()
///     .route("/webhook", post(webhook))
///     .with_state(AppState { webhook: verifier, greeting: "hello" });
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
///
/// ```
/// use axum::{Json, Router, routing::post};
/// use qiscus_webhook_axum::{Token, VerifiedBody, Verifier};
///
/// async fn webhook(VerifiedBody(body, verified): VerifiedBody) -> Json<serde_json::Value> {
///     if !verified.is_primary() {
///         eprintln!("Qiscus still signs with the previous token");
///     }
///     Json(serde_json::json!({ "bytes": body.len() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app: Router = Router::new().route("/webhook", post(webhook)).with_state(verifier);
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub Bytes, pub Verified);

/// A JSON body deserialised into `T`, only after its `QISCUS-SDK-SIGNATURE` matched; with
/// which token matched ([`Verified`]).
///
/// Verification is [`VerifiedBody`]'s, then the verified bytes are parsed by the core's
/// [`json::parse`](qiscus_webhook::json::parse): a forged body is refused with 401 even when it
/// is not JSON, and a verified body that does not parse as `T` with `400 invalid_payload`. The `Content-Type` is not
/// checked: the signature already proves the sender. Must be the handler's **last argument**.
///
/// ```
/// use axum::{Json, Router, routing::post};
/// use qiscus_webhook_axum::events::Event;
/// use qiscus_webhook_axum::{Token, VerifiedJson, Verifier};
///
/// async fn events(VerifiedJson(event, _): VerifiedJson<Event>) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "type": event.event_type() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app: Router = Router::new().route("/events", post(events)).with_state(verifier);
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson<T>(pub T, pub Verified);

impl<S> FromRequest<S> for VerifiedBody
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let verifier = Verifier::from_ref(state);
        let (bytes, verified) = crate::verify(&verifier, &parts.headers, body).await?;
        Ok(Self(bytes, verified))
    }
}

impl<S, T> FromRequest<S> for VerifiedJson<T>
where
    S: Send + Sync,
    Verifier: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let VerifiedBody(bytes, verified) = VerifiedBody::from_request(request, state).await?;
        Ok(Self(qiscus_webhook::json::parse(&bytes)?, verified))
    }
}

qiscus_webhook::__impl_verified_deref!(VerifiedBody => Bytes, VerifiedJson);
