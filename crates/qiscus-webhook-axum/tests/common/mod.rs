//! The receiver contract's two routes, built every way the adapter offers, for the
//! conformance table (in process and over a socket).

use axum::body::Bytes;
use axum::extract::FromRef;
use axum::{Extension, Json, Router, routing::post};
use qiscus_webhook::events::Event;
use qiscus_webhook_axum::{
    Error, Verified, VerifiedBody, VerifiedJson, Verifier, VerifyQiscusLayer, WebhookRejection,
};
use qiscus_webhook_testkit::{event_reply, raw_receipt};
use serde_json::Value;

async fn raw(VerifiedBody(body, _): VerifiedBody) -> Json<Value> {
    Json(raw_receipt(&body))
}

async fn typed(VerifiedJson(event, _): VerifiedJson<Event>) -> Json<Value> {
    Json(event_reply(event.event_type()))
}

/// The extractor routes, for any state that gives a [`Verifier`].
fn extractor_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Verifier: FromRef<S>,
{
    Router::new()
        .route("/webhook", post(raw))
        .route("/events", post(typed))
}

/// The extractors, with the verifier as the router state.
pub fn with_verifier_state(verifier: Verifier) -> Router {
    extractor_routes().with_state(verifier)
}

/// An application state that holds the [`Verifier`] next to its own things.
#[derive(Clone)]
struct AppState {
    webhook: Verifier,
    #[allow(dead_code, reason = "stands for the rest of an app's state")]
    name: &'static str,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.webhook.clone()
    }
}

/// The extractors, with the verifier in the app's own state.
pub fn with_app_state(verifier: Verifier) -> Router {
    extractor_routes().with_state(AppState {
        webhook: verifier,
        name: "conformance",
    })
}

/// The layer in front of handlers that use axum's own extractors.
pub fn with_layer(verifier: Verifier) -> Router {
    async fn raw(Extension(_): Extension<Verified>, body: Bytes) -> Json<Value> {
        Json(raw_receipt(&body))
    }
    async fn typed(
        Extension(_): Extension<Verified>,
        body: Bytes,
    ) -> Result<Json<Value>, WebhookRejection> {
        let event = Event::from_slice(&body).map_err(|_| Error::InvalidPayload)?;
        Ok(Json(event_reply(event.event_type())))
    }
    Router::new()
        .route("/webhook", post(raw))
        .route("/events", post(typed))
        .route_layer(VerifyQiscusLayer::new(verifier))
}
