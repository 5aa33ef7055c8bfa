//! A Qiscus webhook receiver with warp.
//!
//! ```sh
//! QISCUS_WEBHOOK_TOKEN=<signature token from the dashboard> \
//!     cargo run -p qiscus-webhook-examples --example warp
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
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-warp).

use qiscus_webhook::events::Event;
use qiscus_webhook_examples::{
    Config, Hooks, event_reply, init_logging_or_exit, print_listening, receipt, reply, serve_http1,
    shutdown_signal,
};
use qiscus_webhook_warp::replay::ReplayGuard;
use qiscus_webhook_warp::{
    GuardedBody, GuardedJson, VerifiedBody, VerifiedJson, Verifier, guarded_body, guarded_json,
    verified_body, verified_json,
};
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// The exact bytes Qiscus signed, only once the signature matched (and the guard admitted
/// them, when it is on).
async fn webhook(headers: HeaderMap, VerifiedBody(body, _): VerifiedBody) -> Response {
    match reply(Hooks::from_http(&headers), &body).await {
        Ok(receipt) => warp::reply::json(&receipt).into_response(),
        Err(failure) => {
            let failure = warp::reply::json(&failure);
            warp::reply::with_status(failure, StatusCode::INTERNAL_SERVER_ERROR).into_response()
        }
    }
}

/// The event, parsed only once the signature matched (else 400 `invalid_payload`).
async fn events(VerifiedJson(event, _): VerifiedJson<Event>) -> Response {
    warp::reply::json(&event_reply(&event)).into_response()
}

/// The receiver (`pub(crate)`: tests/warp.rs runs the conformance table against it), guarded
/// when `guard` is given.
pub(crate) fn routes(
    verifier: Verifier,
    guard: Option<ReplayGuard>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let limit = u64::try_from(verifier.body_limit()).unwrap_or(u64::MAX);
    let webhook_route = warp::path!("webhook")
        .and(warp::post())
        .and(warp::header::headers_cloned());
    let events_route = warp::path!("events").and(warp::post());
    // Replay on or off: the same handlers behind the guarded filters (whose `respond` runs the
    // handler, then commits the delivery on its 2xx or releases it) or behind the plain ones;
    // boxed, so that both arms have one type.
    let (webhook_route, events_route) = match guard {
        Some(guard) => (
            webhook_route
                .and(guarded_body(verifier.clone(), guard.clone()))
                .then(|headers: HeaderMap, guarded: GuardedBody| {
                    guarded.respond(|body| webhook(headers, body))
                })
                .boxed(),
            events_route
                .and(guarded_json::<Event>(verifier, guard))
                .then(|guarded: GuardedJson<Event>| guarded.respond(events))
                .boxed(),
        ),
        None => (
            webhook_route
                .and(verified_body(verifier.clone()))
                .then(webhook)
                .boxed(),
            events_route
                .and(verified_json::<Event>(verifier))
                .then(events)
                .boxed(),
        ),
    };
    // Benchmark baseline only, NEVER for production: the same receipt from the raw body, with
    // no verification (what `cargo xtask bench receivers` compares `webhook` against).
    let unverified = warp::path!("unverified")
        .and(warp::post())
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
        .map(|body: warp::hyper::body::Bytes| warp::reply::json(&receipt(&body)));
    // Refusals as `{"error": "<code>"}` with their status; anything else is warp's (404, 405).
    webhook_route
        .or(events_route)
        .or(unverified)
        .recover(qiscus_webhook_warp::recover)
}

#[tokio::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
    let guard = config.replay_guard_or_exit().await;
    // Bound here rather than by `warp::serve(..).run(addr)`, which panics when it cannot bind
    // and does not tell which port `BIND=127.0.0.1:0` got.
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
    // Not `warp::serve`: warp 0.4's server sets no header-read or keep-alive timeout (nor a
    // timer hyper could use for one), so a client that connects and never finishes its
    // headers (or idles on a kept-alive connection) would hold a socket forever.
    // `serve_http1` runs the same filter (`warp::service`) on hyper's HTTP/1 connection with
    // both (`HEADER_READ_TIMEOUT`), and the same graceful shutdown. The body's own deadline is
    // the verifier's (`QISCUS_WEBHOOK_BODY_TIMEOUT`).
    let service = warp::service(routes(config.verifier, guard));
    serve_http1(listener, service, shutdown_signal()).await;
}
