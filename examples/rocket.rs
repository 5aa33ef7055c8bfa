//! A Qiscus webhook receiver with Rocket.
//!
//! ```sh
//! QISCUS_WEBHOOK_TOKEN=<signature token from the dashboard> \
//!     cargo run -p qiscus-webhook-examples --example rocket
//! ```
//!
//! Optional: `QISCUS_WEBHOOK_PREVIOUS_TOKEN` (still accepted while rotating),
//! `QISCUS_WEBHOOK_BODY_LIMIT` (bytes, default 1 MiB), `QISCUS_WEBHOOK_BODY_TIMEOUT` (seconds
//! for the whole body to arrive, default 30), `BIND` (default `127.0.0.1:3000`), `RUST_LOG`
//! (what the core logs to stderr, default `info`: every refusal, with its reason),
//! `QISCUS_WEBHOOK_REPLAY` (`off` by default, `memory`, or `redis://HOST:PORT[/DB]` shared by
//! several receivers) and `QISCUS_WEBHOOK_MAX_AGE` (seconds, default 300): the replay guard.
//! `BIND` wins over Rocket's own `address` and `port` (Rocket.toml, `ROCKET_*`); Rocket's
//! own logging is off (it writes to stdout), so the one line on stdout is
//! `listening on http://ADDR`.
//!
//! - `POST /webhook`: `{"bytes": <length>, "sha256": "<hex>"}` of the verified raw body (test
//!   hooks: `X-Example-Fail: 1` answers 500, `X-Example-Delay-Ms: N` sleeps first);
//! - `POST /events`: `{"type": "<event type>"}` of the verified, parsed event;
//! - with the replay guard on, both: 200 `{"status":"duplicate"}` for a delivery already
//!   handled, 401 `stale_event`, 409 `delivery_in_progress`, 503 `replay_store_unavailable`;
//! - `POST /unverified`: the same receipt with no verification at all: a benchmark baseline
//!   for `cargo xtask bench receivers` (the cost of verifying), never for production;
//! - refusals: `{"error": "<code>"}` with 401, 413, 400 (see qiscus-webhook-rocket).

use std::convert::Infallible;
use std::net::SocketAddr;

use qiscus_webhook::events::Event;
use qiscus_webhook_examples::{
    Config, Hooks, event_reply, init_logging_or_exit, print_listening, receipt, reply,
};
use qiscus_webhook_rocket::replay::ReplayGuard;
use qiscus_webhook_rocket::{GuardedBody, GuardedJson, VerifiedBody, VerifiedJson, Verifier};
use rocket::config::{LogLevel, Shutdown};
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::{self, FromRequest, Request};
use rocket::serde::json::{Json, Value};
use rocket::{Build, Rocket, post, routes};

/// The test hooks of `/webhook`, from the request's headers (a request guard that never
/// fails).
struct TestHooks(Hooks);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for TestHooks {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Infallible> {
        let header = |name| request.headers().get_one(name).map(str::as_bytes);
        let hooks = Hooks::from_values(header(Hooks::FAIL_HEADER), header(Hooks::DELAY_HEADER));
        request::Outcome::Success(Self(hooks))
    }
}

/// The `/webhook` answer: the receipt, or the test hooks' 500.
type Answer = Result<Json<Value>, (Status, Json<Value>)>;

async fn answer(TestHooks(hooks): TestHooks, body: &[u8]) -> Answer {
    let reply = reply(hooks, body).await;
    reply
        .map(Json)
        .map_err(|failure| (Status::InternalServerError, Json(failure)))
}

/// The exact bytes Qiscus signed, only once the signature matched.
#[post("/webhook", data = "<body>")]
async fn webhook(hooks: TestHooks, body: VerifiedBody) -> Answer {
    answer(hooks, &body).await
}

/// Benchmark baseline only, NEVER for production: the same receipt from the raw body, with no
/// verification (what `cargo xtask bench receivers` compares `webhook` against). Rocket's
/// `Vec<u8>` data guard reads up to its `bytes` limit (8 KiB by default).
#[post("/unverified", data = "<body>")]
fn unverified(body: Vec<u8>) -> Json<Value> {
    Json(receipt(&body))
}

/// The event, parsed only once the signature matched (else 400 `invalid_payload`).
#[post("/events", data = "<event>")]
fn events(event: VerifiedJson<Event>) -> Json<Value> {
    Json(event_reply(&event))
}

/// `webhook` with the replay guard: only for a new delivery (or a retry of a failed one). The
/// delivery's claim, left in `GuardedBody`, is finished by `replay_stage` with the response's
/// status.
#[post("/webhook", data = "<body>")]
async fn guarded_webhook(hooks: TestHooks, body: GuardedBody) -> Answer {
    answer(hooks, &body).await
}

/// `events` with the replay guard, as `guarded_webhook`.
#[post("/events", data = "<event>")]
fn guarded_events(event: GuardedJson<Event>) -> Json<Value> {
    Json(event_reply(&event))
}

/// The receiver, silent (`pub(crate)`: tests/rocket.rs runs the conformance table against it),
/// guarded when `guard` is given. `stage` manages the verifier and registers the catchers
/// that answer refusals (and duplicates) in JSON.
pub(crate) fn app(verifier: Verifier, guard: Option<ReplayGuard>) -> Rocket<Build> {
    let rocket = rocket::custom(quiet(rocket::Config::figment()))
        .attach(qiscus_webhook_rocket::stage(verifier))
        .mount("/", routes![unverified]);
    // Replay on or off: a route's data guard is in its signature, so the two routes come in
    // both forms. On: the guarded ones, and `replay_stage`, which manages the guard and
    // commits each delivery on the response's 2xx or releases it (the handlers never touch
    // the claim). Rocket refuses to launch a guarded route without its guard.
    match guard {
        Some(guard) => rocket
            .attach(qiscus_webhook_rocket::replay_stage(guard))
            .mount("/", routes![guarded_webhook, guarded_events]),
        None => rocket.mount("/", routes![webhook, events]),
    }
}

/// No log output: Rocket logs to stdout, where only the listening line may appear.
fn quiet(figment: Figment) -> Figment {
    figment
        .merge(("log_level", LogLevel::Off))
        .merge(("cli_colors", false))
}

/// Rocket's configuration (Rocket.toml, `ROCKET_*`), then `bind` as its address and port, a
/// graceful shutdown on Ctrl-C and SIGTERM (Rocket's defaults, made explicit so that a
/// configuration file cannot turn them off), and no HTTP/1 keep-alive.
fn figment(bind: SocketAddr) -> Figment {
    let shutdown = Shutdown {
        ctrlc: true,
        #[cfg(unix)]
        signals: [rocket::config::Sig::Term].into_iter().collect(),
        ..Shutdown::default()
    };
    quiet(rocket::Config::figment())
        .merge(("address", bind.ip()))
        .merge(("port", bind.port()))
        .merge(("shutdown", shutdown))
        // The server-level timeouts Rocket 0.5 has: none. Its `keep_alive` only turns HTTP/1
        // keep-alive on or off (hyper 0.14 under it has no idle timeout), and it sets no
        // header-read timeout. So keep-alive is off: each connection closes after its answer,
        // and idle kept-alive sockets cannot pile up. A client that never finishes its headers
        // is still held: deploy behind a proxy that times them out (nginx's
        // `client_header_timeout`). The body's deadline is the verifier's
        // (`QISCUS_WEBHOOK_BODY_TIMEOUT`).
        .merge(("keep_alive", 0))
}

#[rocket::main]
async fn main() {
    init_logging_or_exit();
    let config = Config::from_env_or_exit();
    let guard = config.replay_guard_or_exit().await;
    let rocket = app(config.verifier.clone(), guard)
        .configure(figment(config.bind))
        // At liftoff the configuration holds the port actually bound (`BIND` may say port 0).
        .attach(AdHoc::on_liftoff("listening line", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                print_listening(SocketAddr::new(config.address, config.port));
            })
        }));
    if let Err(error) = rocket.launch().await {
        match error.kind() {
            ErrorKind::Bind(why) => eprintln!("error: cannot listen on {}: {why}", config.bind),
            _ => eprintln!("error: {error}"),
        }
        std::process::exit(1);
    }
}
