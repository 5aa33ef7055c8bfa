//! A Qiscus webhook receiver with axum.
//!
//! ```sh
//! QISCUS_WEBHOOK_TOKEN=<signature token from the dashboard> \
//!     cargo run -p qiscus-webhook-examples --example axum
//! ```
//!
//! Optional: `QISCUS_WEBHOOK_PREVIOUS_TOKEN` (still accepted while rotating),
//! `QISCUS_WEBHOOK_BODY_LIMIT` (bytes, default 1 MiB), `QISCUS_WEBHOOK_BODY_TIMEOUT` (seconds
//! for the whole body to arrive, default 30), `BIND` (default `127.0.0.1:3000`), `RUST_LOG`
//! (what is logged to stderr, default `info`: every refusal, with its reason),
//! `QISCUS_WEBHOOK_REPLAY` (`off` by default, `memory`, or `redis://HOST:PORT[/DB]` shared by
//! several receivers) and `QISCUS_WEBHOOK_MAX_AGE` (seconds, default 300): the replay guard.
//!
//! - `POST /webhook`: `{"bytes": <length>, "sha256": "<hex>"}` of the verified raw body (test
//!   hooks: `X-Example-Fail: 1` answers 500, `X-Example-Delay-Ms: N` sleeps first);
//! - `POST /events`: `{"type": "<event type>"}` of the verified, parsed event;
//! - with the replay guard on, both: 200 `{"status":"duplicate"}` for a delivery already
//!   handled, 401 `stale_event`, 409 `delivery_in_progress`, 503 `replay_store_unavailable`;
//! - `POST /unverified`: the same receipt with no verification at all: a benchmark baseline
//!   for `cargo xtask bench receivers` (the cost of verifying), never for production;
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-axum).

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::{Json, Router, routing::post};
use qiscus_webhook::events::Event;
use qiscus_webhook_axum::replay::ReplayGuard;
use qiscus_webhook_axum::{Verifier, VerifyQiscusLayer, WebhookRejection};
use qiscus_webhook_examples::{
    Config, Hooks, event_reply, init_logging_or_exit, print_listening, receipt, reply, serve_http1,
    shutdown_signal,
};
use serde_json::Value;

/// The exact bytes Qiscus signed: the layer lets the request through only once the signature
/// matched (and the guard admitted it).
async fn webhook(
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let reply = reply(Hooks::from_http(&headers), &body).await;
    reply
        .map(Json)
        .map_err(|failure| (StatusCode::INTERNAL_SERVER_ERROR, Json(failure)))
}

/// Benchmark baseline only, NEVER for production: the same receipt from the raw body, with no
/// verification (what `cargo xtask bench receivers` compares `webhook` against).
async fn unverified(body: Bytes) -> Json<Value> {
    Json(receipt(&body))
}

/// The event, parsed from the verified bytes (else 400 `invalid_payload`, as `VerifiedJson`
/// answers).
async fn events(body: Bytes) -> Result<Json<Value>, WebhookRejection> {
    let event: Event = qiscus_webhook::json::parse(&body)?;
    Ok(Json(event_reply(&event)))
}

/// The receiver (`pub(crate)`: tests/axum.rs runs the conformance table against it), guarded
/// when `guard` is given.
pub(crate) fn app(verifier: Verifier, guard: Option<ReplayGuard>) -> Router {
    // The middleware form, so that replay on or off is one line: the layer verifies, then
    // (with a guard) runs the handler only for a new delivery and commits it on a 2xx or
    // releases it, on its own.
    let mut verify = VerifyQiscusLayer::new(verifier);
    if let Some(guard) = guard {
        verify = verify.with_replay(guard);
    }
    Router::new()
        .route("/webhook", post(webhook))
        .route("/events", post(events))
        // On the routes above only (and after routing: an unknown path is still 404).
        .route_layer(verify)
        // The verified body is within the verifier's limit already: axum's own default limit
        // (2 MB) must not refuse it again when `QISCUS_WEBHOOK_BODY_LIMIT` is larger.
        .route_layer(DefaultBodyLimit::disable())
        .route("/unverified", post(unverified))
}

#[tokio::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
    let guard = config.replay_guard_or_exit().await;
    let listener = match tokio::net::TcpListener::bind(config.bind).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", config.bind);
            std::process::exit(1);
        }
    };
    if let Ok(addr) = listener.local_addr() {
        print_listening(addr);
    }
    // Not `axum::serve`: it cannot set a header-read or keep-alive timeout, so a client that
    // connects and never finishes its headers (or idles on a kept-alive connection) would hold
    // a socket forever. `serve_http1` runs the same router on hyper's HTTP/1 connection with
    // both (`HEADER_READ_TIMEOUT`), and the same graceful shutdown. The body's own deadline is
    // the verifier's (`QISCUS_WEBHOOK_BODY_TIMEOUT`).
    serve_http1(listener, app(config.verifier, guard), shutdown_signal()).await;
}
