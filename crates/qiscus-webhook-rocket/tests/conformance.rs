//! The conformance table in process (`rocket::local::asynchronous::Client`), through every way
//! the adapter is set up: `stage`, the catchers registered by hand, and the guards' `Result`
//! with the rejection as the handler's responder. Without a verifier there is no app to send
//! the unconfigured rows to: the guards' sentinels refuse to launch it, declared as
//! `Unconfigured::RefusedAtLaunch` with that refusal as the proof.
//!
//! The local client hands Rocket the body whole, from memory: a `Chunked` case is sent without
//! `Content-Length` (the limit is then enforced on the counted bytes alone), and an
//! `Interrupted` case cannot be expressed (no body stream can fail). Its header values are
//! `&str`, so a non-UTF-8 value cannot be expressed either. tests/socket.rs sends the streamed
//! cases over a real socket, chunked, and shows what Rocket does with a non-UTF-8 value.

mod common;

use qiscus_webhook::events::Event;
use qiscus_webhook_rocket::{VerifiedBody, VerifiedJson};
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Transfer, Unconfigured, assert_conformance, assert_unconfigured, no_app,
    unconfigured_cases,
};
use qiscus_webhook_testkit::{event_reply, raw_receipt};
use rocket::data::{self, Data, FromData};
use rocket::error::ErrorKind;
use rocket::http::Header;
use rocket::local::asynchronous::Client;
use rocket::serde::json::{Json, Value};
use rocket::{Build, Request, Rocket, post, routes};

/// Whether the local client can send the case as it is.
fn in_process(case: &Case) -> bool {
    case.transfer != Transfer::Interrupted && utf8_headers(case)
}

fn utf8_headers(case: &Case) -> bool {
    case.headers.iter().all(|(name, value)| {
        std::str::from_utf8(name).is_ok() && std::str::from_utf8(value).is_ok()
    })
}

/// The case's request (the testkit's `Case::request`) through the local client.
async fn send(client: &Client, case: &Case) -> Reply {
    let spec = case.request();
    let mut request = client.post(case.path());
    for (name, value) in spec.headers {
        let name = String::from_utf8(name).expect("in_process: UTF-8 names");
        let value = String::from_utf8(value).expect("in_process: UTF-8 values");
        request = request.header(Header::new(name, value));
    }
    if let Some(len) = spec.content_length {
        request = request.header(Header::new("content-length", len.to_string()));
    }
    let response = request.body(spec.body.bytes()).dispatch().await;
    let status = response.status().code;
    let content_type = response.headers().get_one("content-type").map(String::from);
    let body = response.into_bytes().await.unwrap_or_default();
    Reply {
        status,
        content_type,
        body,
    }
}

async fn run(rocket: Rocket<Build>, cases: Vec<Case>) {
    let client = Client::untracked(rocket).await.expect("a valid rocket");
    let cases = cases.into_iter().filter(in_process);
    assert_conformance(cases, async |case| send(&client, case).await).await;
}

#[rocket::async_test]
async fn stage() {
    run(
        common::with_stage(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[rocket::async_test]
async fn catchers_registered_by_hand() {
    run(
        common::with_catchers(Some(conformance::verifier())),
        conformance::cases(),
    )
    .await;
}

#[rocket::async_test]
async fn rejection_as_the_handlers_responder() {
    run(
        common::with_responder(Some(conformance::verifier())),
        conformance::cases(),
    )
    .await;
}

/// The unconfigured rows, as this adapter meets them: every setup without a managed verifier
/// (catchers by hand, or the rejection as the responder) fails to ignite, by the guards'
/// sentinels; and not for any other reason.
#[rocket::async_test]
async fn without_a_verifier_launch_is_refused() {
    for rocket in [common::with_catchers(None), common::with_responder(None)] {
        let ignited = rocket.ignite().await;
        if let Err(error) = &ignited {
            assert!(
                matches!(error.kind(), ErrorKind::SentinelAborts(_)),
                "{error}"
            );
        }
        let launch = ignited.map(drop).map_err(|error| error.to_string());
        assert_unconfigured(Unconfigured::RefusedAtLaunch { launch }, no_app).await;
    }
}

/// An application's own data guard that calls `VerifiedBody`'s: the route's signature names
/// only this type, so no sentinel checks the launch (a generic wrapper would not do: Rocket
/// also queries a type's parameters).
struct OwnBody(VerifiedBody);

/// As [`OwnBody`], for `VerifiedJson<Event>`.
struct OwnEvent(VerifiedJson<Event>);

#[rocket::async_trait]
impl<'r> FromData<'r> for OwnBody {
    type Error = <VerifiedBody as FromData<'r>>::Error;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        VerifiedBody::from_data(request, data).await.map(Self)
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for OwnEvent {
    type Error = <VerifiedJson<Event> as FromData<'r>>::Error;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        VerifiedJson::from_data(request, data).await.map(Self)
    }
}

#[post("/webhook", data = "<body>")]
fn own_raw(body: OwnBody) -> Json<Value> {
    Json(raw_receipt(&body.0))
}

#[post("/events", data = "<event>")]
fn own_typed(event: OwnEvent) -> Json<Value> {
    Json(event_reply(event.0.event_type()))
}

/// The defence behind the sentinels: a guard they cannot see launches without a verifier, and
/// then answers the unconfigured rows `500 webhook_not_configured` through the catchers.
#[rocket::async_test]
async fn a_guard_hidden_from_the_sentinels_answers_500_without_a_verifier() {
    let rocket = common::quiet()
        .register("/", qiscus_webhook_rocket::catchers())
        .mount("/", routes![own_raw, own_typed]);
    run(rocket, unconfigured_cases()).await;
}

/// What this file leaves out runs in tests/socket.rs: every `Interrupted` case, and the one
/// case with a non-UTF-8 header value (see its own test there).
#[test]
fn only_interrupted_bodies_and_non_utf8_values_are_left_to_the_socket() {
    let left: Vec<&str> = conformance::cases()
        .iter()
        .filter(|case| !in_process(case))
        .map(|case| case.name)
        .collect();
    assert_eq!(
        left,
        [
            "webhook/non_ascii_byte",
            "webhook/body_unreadable",
            "webhook/missing_signature_before_body",
            "webhook/unreadable_before_comparison",
            "events/body_unreadable",
        ]
    );
}
