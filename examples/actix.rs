//! A Qiscus webhook receiver with actix-web.
//!
//! ```sh
//! QISCUS_WEBHOOK_TOKEN=<signature token from the dashboard> \
//!     cargo run -p qiscus-webhook-examples --example actix
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
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-actix).

use actix_web::{App, HttpResponse, HttpServer, web};
use qiscus_webhook::events::Event;
use qiscus_webhook_actix::{VerifiedBody, VerifiedJson, Verifier, WebhookConfig};
use qiscus_webhook_examples::{
    Config, HEADER_READ_TIMEOUT, KEEP_ALIVE_TIMEOUT, event_reply, init_logging_or_exit,
    print_listening, receipt, shutdown_signal,
};

/// The exact bytes Qiscus signed, only once the signature matched.
async fn webhook(VerifiedBody(body, _): VerifiedBody) -> HttpResponse {
    HttpResponse::Ok().json(receipt(&body))
}

/// Benchmark baseline only, NEVER for production: the same receipt from the raw body, with no
/// verification (what `cargo xtask bench receivers` compares `webhook` against).
async fn unverified(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(receipt(&body))
}

/// The event, parsed only once the signature matched (else 400 `invalid_payload`).
async fn events(VerifiedJson(event, _): VerifiedJson<Event>) -> HttpResponse {
    HttpResponse::Ok().json(event_reply(&event))
}

/// The receiver's routes and configuration, for `App::configure` (`pub(crate)`:
/// tests/actix.rs runs the conformance table against them).
pub(crate) fn app(verifier: Verifier) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            .app_data(WebhookConfig::new(verifier))
            .route("/webhook", web::post().to(webhook))
            .route("/events", web::post().to(events))
            .route("/unverified", web::post().to(unverified));
    }
}

#[actix_web::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
    let verifier = config.verifier;
    // actix-web logs (workers, shutdown) through `tracing` to stderr, with the core's events;
    // stdout keeps only the listening line.
    let server = HttpServer::new(move || App::new().configure(app(verifier.clone())))
        // The server-level timeouts, set rather than left to defaults that may change: the
        // request head must arrive within `HEADER_READ_TIMEOUT`, an idle kept-alive connection
        // is closed after `KEEP_ALIVE_TIMEOUT`, and a connection the server closes (after a
        // refusal before the body's end) gets 1 s for the client to hang up first. The body's
        // own deadline is the verifier's (`QISCUS_WEBHOOK_BODY_TIMEOUT`).
        .client_request_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(KEEP_ALIVE_TIMEOUT)
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .shutdown_signal(shutdown_signal())
        .bind(config.bind);
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", config.bind);
            std::process::exit(1);
        }
    };
    if let Some(addr) = server.addrs().first() {
        print_listening(*addr);
    }
    if let Err(error) = server.run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
