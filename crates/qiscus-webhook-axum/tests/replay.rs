//! The conformance replay rows (the testkit's `conformance::replay`), in process, on both
//! guarded forms: the layer (`VerifyQiscusLayer::with_replay`, in front of a handler with
//! axum's own extractors) and the extractor (`GuardedBody`, the handler commits its claim, or
//! drops it on a failure); each with the memory store and with a real `redis-server`. Then
//! the typed extractor, `GuardedJson`, through the testkit's `check_typed`.

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router, routing::post};
use qiscus_webhook_axum::events::Event;
use qiscus_webhook_axum::replay::MemoryStore;
use qiscus_webhook_axum::{
    GuardedBody, GuardedJson, ReplayGuard, Verified, Verifier, VerifyQiscusLayer,
};
use qiscus_webhook_testkit::conformance::replay::{
    Answer, Harness, Hooks, Receiver, Setup, Store, TYPED_PATH, check_typed,
};
use qiscus_webhook_testkit::spec::RequestSpec;
use tower::ServiceExt;

/// The receiver's answer as a response.
fn respond((status, json): (u16, serde_json::Value)) -> Response {
    let status = StatusCode::from_u16(status).expect("the receiver's statuses are valid");
    (status, Json(json)).into_response()
}

/// The layer in front of a handler that reads the body with axum's `Bytes`.
fn with_layer(setup: Setup) -> Router {
    async fn webhook(
        State(receiver): State<Receiver>,
        Extension(_): Extension<Verified>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        respond(receiver.answer(Hooks::from_http(&headers), &body).await)
    }
    let layer = VerifyQiscusLayer::new(setup.verifier).with_replay(setup.guard);
    Router::new()
        .route("/webhook", post(webhook))
        .route_layer(layer)
        .with_state(setup.receiver)
}

/// The app's state for the extractor: the verifier, the guard and the handler.
#[derive(Clone)]
struct AppState(Setup);

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.0.verifier.clone()
    }
}

impl FromRef<AppState> for ReplayGuard {
    fn from_ref(state: &AppState) -> Self {
        state.0.guard.clone()
    }
}

/// `GuardedBody`: the handler commits the claim on success; on a failure it drops it
/// (released by the ticket's drop).
fn with_extractor(setup: Setup) -> Router {
    async fn webhook(
        State(state): State<AppState>,
        headers: HeaderMap,
        GuardedBody(body, _, ticket): GuardedBody,
    ) -> Response {
        let (status, json) = state
            .0
            .receiver
            .answer(Hooks::from_http(&headers), &body)
            .await;
        if (200..300).contains(&status) {
            ticket.commit().await.expect("the store answers");
        } else {
            drop(ticket);
        }
        respond((status, json))
    }
    Router::new()
        .route("/webhook", post(webhook))
        .with_state(AppState(setup))
}

async fn send(app: &Router, request: RequestSpec) -> Answer {
    let request = request.into_http().expect("a valid request").map(Body::new);
    let response = app.clone().oneshot(request).await.expect("infallible");
    Answer::from_http(response).await.expect("a readable body")
}

async fn run(store: Store, app: fn(Setup) -> Router) {
    let harness = Harness::start(store).await;
    let app = app(harness.setup());
    harness
        .check(async |request| send(&app, request).await)
        .await;
}

/// `GuardedJson<Event>`: the guard answers before the body is parsed, and a body that is not
/// an event is refused 400 with its claim released.
#[tokio::test]
async fn typed_extractor() {
    async fn events(GuardedJson(event, _, ticket): GuardedJson<Event>) -> Json<String> {
        ticket.commit().await.expect("the store answers");
        Json(event.event_type().to_owned())
    }
    let setup = Setup {
        verifier: qiscus_webhook_testkit::conformance::verifier(),
        guard: ReplayGuard::new(MemoryStore::default()),
        receiver: Receiver::default(),
    };
    let app = Router::new()
        .route(TYPED_PATH, post(events))
        .with_state(AppState(setup));
    check_typed(async |request| send(&app, request).await).await;
}

#[tokio::test]
async fn layer_on_the_memory_store() {
    run(Store::Memory, with_layer).await;
}

#[tokio::test]
async fn layer_on_redis() {
    run(Store::Redis, with_layer).await;
}

#[tokio::test]
async fn extractor_on_the_memory_store() {
    run(Store::Memory, with_extractor).await;
}

#[tokio::test]
async fn extractor_on_redis() {
    run(Store::Redis, with_extractor).await;
}
