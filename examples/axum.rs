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
//! (what is logged to stderr, default `info`: every refusal, with its reason).
//!
//! - `POST /webhook`: `{"bytes": <length>, "sha256": "<hex>"}` of the verified raw body;
//! - `POST /events`: `{"type": "<event type>"}` of the verified, parsed event;
//! - `POST /unverified`: the same receipt with no verification at all: a benchmark baseline
//!   for `cargo xtask bench receivers` (the cost of verifying), never for production;
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-axum).

use axum::body::Bytes;
use axum::{Json, Router, routing::post};
use qiscus_webhook::events::Event;
use qiscus_webhook_axum::{VerifiedBody, VerifiedJson, Verifier};
use qiscus_webhook_examples::{
    Config, event_reply, init_logging_or_exit, print_listening, receipt, serve_http1,
    shutdown_signal,
};
use serde_json::Value;

/// The exact bytes Qiscus signed, only once the signature matched.
async fn webhook(VerifiedBody(body, _): VerifiedBody) -> Json<Value> {
    Json(receipt(&body))
}

/// Benchmark baseline only, NEVER for production: the same receipt from the raw body, with no
/// verification (what `cargo xtask bench receivers` compares `webhook` against).
async fn unverified(body: Bytes) -> Json<Value> {
    Json(receipt(&body))
}

/// The event, parsed only once the signature matched (else 400 `invalid_payload`).
async fn events(VerifiedJson(event, _): VerifiedJson<Event>) -> Json<Value> {
    Json(event_reply(&event))
}

/// The receiver (`pub(crate)`: tests/axum.rs runs the conformance table against it).
pub(crate) fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/webhook", post(webhook))
        .route("/events", post(events))
        .route("/unverified", post(unverified))
        .with_state(verifier)
}

#[tokio::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
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
    serve_http1(listener, app(config.verifier), shutdown_signal()).await;
}
