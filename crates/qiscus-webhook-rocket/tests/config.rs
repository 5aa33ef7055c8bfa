//! Where the verifier and the limit come from (and the launch refused without a verifier),
//! what the handler learns about the match, and what fairings see.

use std::sync::{Arc, Mutex};

use qiscus_webhook_rocket::{
    Error, LIMIT_NAME, Verified, VerifiedBody, VerifiedJson, WebhookRejection, verification,
};
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, BODY_LIMIT, PREVIOUS_TOKEN, TOKEN};
use rocket::config::LogLevel;
use rocket::data::{Limits, ToByteUnit};
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::serde::json::Value;
use rocket::{Build, Config, Rocket, get, post, routes};

/// Answers which token matched.
#[post("/webhook", data = "<body>")]
fn token_index(body: VerifiedBody) -> String {
    let VerifiedBody(bytes, verified) = body;
    format!(
        "token #{} primary={} over {} bytes",
        verified.token_index(),
        verified.is_primary(),
        bytes.len()
    )
}

#[get("/elsewhere")]
fn elsewhere() -> &'static str {
    "not a webhook"
}

#[post("/events", data = "<event>")]
fn typed(event: VerifiedJson<Value>) -> String {
    event.0.to_string()
}

#[post("/own-answer", data = "<body>")]
fn own_answer(body: Result<VerifiedBody, WebhookRejection>) -> String {
    body.map_or_else(
        |rejection| rejection.to_string(),
        |body| body.len().to_string(),
    )
}

fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
}

#[rocket::async_test]
async fn without_a_managed_verifier_ignite_fails_naming_each_guard() {
    let ignited = quiet()
        .mount("/", routes![token_index, typed, own_answer, elsewhere])
        .ignite()
        .await;
    let error = ignited.expect_err("no managed Verifier: launch is refused");
    let ErrorKind::SentinelAborts(sentries) = error.kind() else {
        panic!("not a sentinel abort: {error}");
    };
    // `Result<VerifiedBody, _>` is no sentinel itself (its error type is not): Rocket asks its
    // `VerifiedBody`.
    let names: Vec<&str> = sentries.iter().map(|sentry| sentry.type_name).collect();
    let ours = |name: &&str| name.starts_with("qiscus_webhook_rocket::");
    assert!(names.iter().all(ours), "{names:?}");
    assert!(
        names.iter().any(|name| name.ends_with("::VerifiedBody")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|name| name.contains("::VerifiedJson<")),
        "{names:?}"
    );
}

#[rocket::async_test]
async fn a_verifier_managed_by_hand_or_by_stage_satisfies_the_guards() {
    let routes = routes![token_index, typed, own_answer];
    let by_hand = quiet()
        .manage(conformance::verifier())
        .mount("/", routes.clone());
    assert!(by_hand.ignite().await.is_ok());
    // `stage` manages it in an ignite fairing: the sentinels run after those.
    let staged = quiet()
        .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
        .mount("/", routes);
    assert!(staged.ignite().await.is_ok());
}

fn rocket(limits: Limits) -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        limits,
        ..Config::debug_default()
    })
    .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
    .mount("/", routes![token_index, elsewhere])
}

async fn post(
    client: &Client,
    signed: &SignedRequest,
    content_length: Option<u64>,
) -> (Status, String) {
    let mut request = client.post("/webhook").body(signed.body());
    for (name, value) in signed.headers() {
        request = request.header(Header::new(*name, value.clone()));
    }
    if let Some(len) = content_length {
        request = request.header(Header::new("content-length", len.to_string()));
    }
    let response = request.dispatch().await;
    (
        response.status(),
        response.into_string().await.unwrap_or_default(),
    )
}

const TOO_LARGE: (Status, &str) = (Status::PayloadTooLarge, r#"{"error":"body_too_large"}"#);

fn body(len: usize) -> SignedRequest {
    SignedRequest::new(TOKEN, vec![b' '; len])
}

#[rocket::async_test]
async fn the_guard_says_which_token_matched() {
    let client = Client::untracked(rocket(Limits::default()))
        .await
        .expect("valid rocket");
    let current = SignedRequest::new(TOKEN, "{}");
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{}");
    assert_eq!(
        post(&client, &current, None).await,
        (Status::Ok, "token #0 primary=true over 2 bytes".into())
    );
    assert_eq!(
        post(&client, &previous, None).await,
        (Status::Ok, "token #1 primary=false over 2 bytes".into())
    );
}

#[rocket::async_test]
async fn without_a_rocket_limit_the_verifiers_own_applies_and_rockets_others_do_not() {
    // Rocket's `bytes` limit (what `Vec<u8>` guards use) is far below the body: ignored.
    let limits = Limits::default().limit("bytes", 16.bytes());
    let client = Client::untracked(rocket(limits))
        .await
        .expect("valid rocket");
    let (status, _) = post(&client, &body(BODY_LIMIT), None).await;
    assert_eq!(status, Status::Ok);
    let (status, text) = post(&client, &body(BODY_LIMIT + 1), None).await;
    assert_eq!((status, text.as_str()), TOO_LARGE);
}

#[rocket::async_test]
async fn rockets_qiscus_webhook_limit_replaces_the_verifiers() {
    let lower = Limits::default().limit(LIMIT_NAME, 100.bytes());
    let client = Client::untracked(rocket(lower))
        .await
        .expect("valid rocket");
    assert_eq!(post(&client, &body(100), None).await.0, Status::Ok);
    let (status, text) = post(&client, &body(101), None).await;
    assert_eq!((status, text.as_str()), TOO_LARGE);
    // By Content-Length too, before reading.
    let (status, text) = post(&client, &body(50), Some(101)).await;
    assert_eq!((status, text.as_str()), TOO_LARGE);

    let higher = Limits::default().limit(LIMIT_NAME, 8.kibibytes());
    let client = Client::untracked(rocket(higher))
        .await
        .expect("valid rocket");
    assert_eq!(post(&client, &body(8 * 1024), None).await.0, Status::Ok);
    let (status, text) = post(&client, &body(8 * 1024 + 1), None).await;
    assert_eq!((status, text.as_str()), TOO_LARGE);
}

/// What `verification` showed a request fairing (before the guard) and a response fairing.
type Seen = Arc<Mutex<Vec<(&'static str, Option<Result<Verified, Error>>)>>>;

#[rocket::async_test]
async fn fairings_see_the_guards_outcome() {
    let seen = Seen::default();
    let (on_request, on_response) = (seen.clone(), seen.clone());
    let rocket = rocket(Limits::default())
        .attach(AdHoc::on_request("before", move |request, _| {
            let seen = on_request.clone();
            Box::pin(async move {
                let outcome = verification(request);
                seen.lock()
                    .expect("not poisoned")
                    .push(("request", outcome));
            })
        }))
        .attach(AdHoc::on_response("after", move |request, _| {
            let seen = on_response.clone();
            Box::pin(async move {
                let outcome = verification(request);
                seen.lock()
                    .expect("not poisoned")
                    .push(("response", outcome));
            })
        }));
    let client = Client::untracked(rocket).await.expect("valid rocket");

    post(&client, &SignedRequest::new(PREVIOUS_TOKEN, "{}"), None).await;
    post(&client, &SignedRequest::new(TOKEN, "{}").tampered(), None).await;
    client.get("/elsewhere").dispatch().await;

    let seen = seen.lock().expect("not poisoned").clone();
    let outcomes: Vec<_> = seen
        .iter()
        .map(|(when, outcome)| (*when, outcome.map(|result| result.map(|v| v.token_index()))))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("request", None),
            ("response", Some(Ok(1))),
            ("request", None),
            ("response", Some(Err(Error::SignatureMismatch))),
            ("request", None),
            ("response", None),
        ]
    );
}
