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
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-actix).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use qiscus_webhook::events::Event;
use qiscus_webhook_actix::replay::ReplayGuard;
use qiscus_webhook_actix::{Verifier, VerifyQiscus, WebhookConfig, WebhookError};
use qiscus_webhook_examples::{
    Config, HEADER_READ_TIMEOUT, Hooks, KEEP_ALIVE_TIMEOUT, event_reply, init_logging_or_exit,
    print_listening, receipt, reply, shutdown_signal,
};

/// The exact bytes Qiscus signed: the middleware lets the request through only once the
/// signature matched (and the guard admitted it).
async fn webhook(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |name| request.headers().get(name).map(|value| value.as_bytes());
    let hooks = Hooks::from_values(header(Hooks::FAIL_HEADER), header(Hooks::DELAY_HEADER));
    match reply(hooks, &body).await {
        Ok(receipt) => HttpResponse::Ok().json(receipt),
        Err(failure) => HttpResponse::InternalServerError().json(failure),
    }
}

/// Benchmark baseline only, NEVER for production: the same receipt from the raw body, with no
/// verification (what `cargo xtask bench receivers` compares `webhook` against).
async fn unverified(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(receipt(&body))
}

/// The event, parsed from the verified bytes (else 400 `invalid_payload`, as `VerifiedJson`
/// answers).
async fn events(body: web::Bytes) -> Result<HttpResponse, WebhookError> {
    let event: Event = qiscus_webhook::json::parse(&body)?;
    Ok(HttpResponse::Ok().json(event_reply(&event)))
}

/// The receiver's routes and configuration, for `App::configure` (`pub(crate)`:
/// tests/actix.rs runs the conformance table against them), guarded when `guard` is given.
pub(crate) fn app(
    verifier: Verifier,
    guard: Option<ReplayGuard>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    // The handlers read the verified bytes again with `web::Bytes`: up to the verifier's limit
    // (actix-web's own default is 256 KiB).
    let verified_bytes = web::PayloadConfig::new(verifier.body_limit());
    // The middleware form, so that replay on or off is one line: it verifies, then (with a
    // guard) runs the handler only for a new delivery and commits it on a 2xx or releases it,
    // on its own. On each POST route (after routing: another method is still 405).
    let mut webhook_config = WebhookConfig::new(verifier);
    if let Some(guard) = guard {
        webhook_config = webhook_config.replay(guard);
    }
    let verify = VerifyQiscus::new(webhook_config);
    move |config| {
        config
            .service(
                web::resource("/webhook")
                    .app_data(verified_bytes.clone())
                    .route(web::post().to(webhook).wrap(verify.clone())),
            )
            .service(
                web::resource("/events")
                    .app_data(verified_bytes)
                    .route(web::post().to(events).wrap(verify)),
            )
            .route("/unverified", web::post().to(unverified));
    }
}

#[actix_web::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
    let guard = config.replay_guard_or_exit().await;
    let verifier = config.verifier;
    // actix-web logs (workers, shutdown) through `tracing` to stderr, with the core's events;
    // stdout keeps only the listening line.
    let server =
        HttpServer::new(move || App::new().configure(app(verifier.clone(), guard.clone())))
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
