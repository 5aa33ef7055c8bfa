//! The receiver contract's two routes, set up every way the adapter offers, for the
//! conformance table (in process and over a socket).

use qiscus_webhook::events::Event;
use qiscus_webhook_rocket::{VerifiedBody, VerifiedJson, Verifier, WebhookRejection};
use qiscus_webhook_testkit::{event_reply, raw_receipt};
use rocket::config::LogLevel;
use rocket::serde::json::{Json, Value};
use rocket::{Build, Config, Rocket, post, routes};

#[post("/webhook", data = "<body>")]
fn raw(body: VerifiedBody) -> Json<Value> {
    Json(raw_receipt(&body))
}

#[post("/events", data = "<event>")]
fn typed(event: VerifiedJson<Event>) -> Json<Value> {
    Json(event_reply(event.event_type()))
}

/// A Rocket that prints nothing (the tests' output stays readable).
pub fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
}

/// The recommended setup: `stage(verifier)` (managed verifier, catchers at `/`).
pub fn with_stage(verifier: Verifier) -> Rocket<Build> {
    quiet()
        .attach(qiscus_webhook_rocket::stage(verifier))
        .mount("/", routes![raw, typed])
}

/// The verifier managed and the catchers registered by hand (`None`: no verifier managed).
pub fn with_catchers(verifier: Option<Verifier>) -> Rocket<Build> {
    let rocket = quiet()
        .register("/", qiscus_webhook_rocket::catchers())
        .mount("/", routes![raw, typed]);
    match verifier {
        Some(verifier) => rocket.manage(verifier),
        None => rocket,
    }
}

#[post("/webhook", data = "<body>")]
fn raw_or_rejection(
    body: Result<VerifiedBody, WebhookRejection>,
) -> Result<Json<Value>, WebhookRejection> {
    Ok(Json(raw_receipt(&body?)))
}

#[post("/events", data = "<event>")]
fn typed_or_rejection(
    event: Result<VerifiedJson<Event>, WebhookRejection>,
) -> Result<Json<Value>, WebhookRejection> {
    Ok(Json(event_reply(event?.event_type())))
}

/// No catcher: the handlers take `Result<Guard, WebhookRejection>` and return the rejection
/// (`None`: no verifier managed).
pub fn with_responder(verifier: Option<Verifier>) -> Rocket<Build> {
    let rocket = quiet().mount("/", routes![raw_or_rejection, typed_or_rejection]);
    match verifier {
        Some(verifier) => rocket.manage(verifier),
        None => rocket,
    }
}
