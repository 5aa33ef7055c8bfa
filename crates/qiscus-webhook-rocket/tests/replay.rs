//! The replay rows of the conformance table (the testkit's `conformance::replay`), on the
//! memory store and on a real `redis-server` the harness starts, through every way the
//! adapter guards: `replay_stage` (the response's status finishes the claim), the handler
//! finishing the claim itself (committed on its 2xx, dropped on a failure), and
//! `Result<GuardedBody, ReplayRejection>` answered by the handler (no catchers). Sent in
//! process through Rocket's local client (fairings and catchers run as they do when served).
//! Then what the rows do not reach: `GuardedJson`, the launch checks, `verification` on a
//! duplicate.

use std::convert::Infallible;

use qiscus_webhook::events::Event;
use qiscus_webhook_rocket::replay::{MemoryStore, ReplayGuard};
use qiscus_webhook_rocket::{GuardedBody, GuardedJson, ReplayRejection, verification};
use qiscus_webhook_testkit::conformance::replay::{Answer, Harness, Hooks, Receiver, Setup, Store};
use qiscus_webhook_testkit::conformance::{TOKEN, verifier};
use qiscus_webhook_testkit::spec::RequestSpec;
use rocket::config::LogLevel;
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket::request::{self, FromRequest};
use rocket::serde::json::{Json, Value};
use rocket::{Build, Config, Request, Rocket, State, post, routes};

/// A Rocket that prints nothing.
fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
}

/// The request's test hooks (`X-Example-Fail`, `X-Example-Delay-Ms`), as a request guard.
struct TestHooks(Hooks);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for TestHooks {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Infallible> {
        let value = |name| request.headers().get_one(name).map(str::as_bytes);
        let hooks = Hooks::from_values(value(Hooks::FAIL_HEADER), value(Hooks::DELAY_HEADER));
        request::Outcome::Success(Self(hooks))
    }
}

type Answered = (Status, Json<Value>);

async fn answer(receiver: &Receiver, hooks: Hooks, body: &[u8]) -> Answered {
    let (status, json) = receiver.answer(hooks, body).await;
    (Status::new(status), Json(json))
}

/// With `replay_stage`: the handler never touches the claim.
#[post("/webhook", data = "<body>")]
async fn by_response(body: GuardedBody, hooks: TestHooks, receiver: &State<Receiver>) -> Answered {
    answer(receiver, hooks.0, &body).await
}

/// Without it: the handler commits its success, and drops the claim of a failure.
#[post("/webhook", data = "<body>")]
async fn by_handler(body: GuardedBody, hooks: TestHooks, receiver: &State<Receiver>) -> Answered {
    let GuardedBody(bytes, _, claim) = body;
    let answered = answer(receiver, hooks.0, &bytes).await;
    if answered.0.class().is_success() {
        claim.commit().await.expect("the store answers");
    } else {
        drop(claim);
    }
    answered
}

/// The guard's `Result`, answered by the handler with `?` (no catchers registered).
#[post("/webhook", data = "<body>")]
async fn by_result(
    body: Result<GuardedBody, ReplayRejection>,
    hooks: TestHooks,
    receiver: &State<Receiver>,
) -> Result<Answered, ReplayRejection> {
    let GuardedBody(bytes, _, claim) = body?;
    let answered = answer(receiver, hooks.0, &bytes).await;
    claim
        .finish(answered.0.code)
        .await
        .expect("the store answers");
    Ok(answered)
}

/// How the app under test guards.
#[derive(Debug, Clone, Copy)]
enum Form {
    ReplayStage,
    HandlerFinishes,
    Result,
}

fn app(setup: Setup, form: Form) -> Rocket<Build> {
    let Setup {
        verifier,
        guard,
        receiver,
    } = setup;
    let rocket = quiet().manage(receiver);
    match form {
        Form::ReplayStage => rocket
            .attach(qiscus_webhook_rocket::stage(verifier))
            .attach(qiscus_webhook_rocket::replay_stage(guard))
            .mount("/", routes![by_response]),
        Form::HandlerFinishes => rocket
            .attach(qiscus_webhook_rocket::stage(verifier))
            .manage(guard)
            .mount("/", routes![by_handler]),
        Form::Result => rocket
            .manage(verifier)
            .manage(guard)
            .mount("/", routes![by_result]),
    }
}

async fn send(client: &Client, request: RequestSpec) -> Answer {
    let mut local = client.post(request.path);
    for (name, value) in request.headers {
        let name = String::from_utf8(name).expect("UTF-8 names");
        let value = String::from_utf8(value).expect("UTF-8 values");
        local = local.header(Header::new(name, value));
    }
    if let Some(len) = request.content_length {
        local = local.header(Header::new("content-length", len.to_string()));
    }
    let response = local.body(request.body.bytes()).dispatch().await;
    let header = |name| response.headers().get_one(name).map(String::from);
    let (content_type, retry_after) = (header("content-type"), header("retry-after"));
    Answer {
        status: response.status().code,
        content_type,
        retry_after,
        body: response.into_bytes().await.unwrap_or_default(),
    }
}

async fn rows(store: Store, form: Form) {
    let harness = Harness::start(store).await;
    let client = Client::untracked(app(harness.setup(), form))
        .await
        .expect("the rocket launches");
    harness
        .check(async |request| send(&client, request).await)
        .await;
}

#[rocket::async_test]
async fn replay_rows_memory_replay_stage() {
    rows(Store::Memory, Form::ReplayStage).await;
}

#[rocket::async_test]
async fn replay_rows_memory_handler_finishes() {
    rows(Store::Memory, Form::HandlerFinishes).await;
}

#[rocket::async_test]
async fn replay_rows_memory_result() {
    rows(Store::Memory, Form::Result).await;
}

#[rocket::async_test]
async fn replay_rows_redis_replay_stage() {
    rows(Store::Redis, Form::ReplayStage).await;
}

#[rocket::async_test]
async fn replay_rows_redis_handler_finishes() {
    rows(Store::Redis, Form::HandlerFinishes).await;
}

#[rocket::async_test]
async fn replay_rows_redis_result() {
    rows(Store::Redis, Form::Result).await;
}

#[post("/events", data = "<event>")]
fn events(event: GuardedJson<Event>) -> String {
    event.event_type().to_owned()
}

/// `GuardedJson` with `replay_stage`: a duplicate (with `verification` still saying which
/// token matched), a stale event that is not an event either (the guard answers before
/// parsing), and bodies that are not events (400, released: never a duplicate).
#[rocket::async_test]
async fn guarded_json_guards_before_parsing_and_releases_a_payload_it_cannot_parse() {
    let seen = AdHoc::on_response("verification", |request, response| {
        Box::pin(async move {
            let verified = verification(request).and_then(Result::ok);
            let index = verified.map_or("none".to_owned(), |v| v.token_index().to_string());
            response.set_raw_header("x-token-index", index);
        })
    });
    let rocket = quiet()
        .attach(qiscus_webhook_rocket::stage(verifier()))
        .attach(qiscus_webhook_rocket::replay_stage(ReplayGuard::new(
            MemoryStore::default(),
        )))
        .attach(seen)
        .mount("/", routes![events]);
    let client = Client::untracked(rocket).await.expect("launches");
    let deliver = async |body: &[u8]| {
        let response = client
            .post("/events")
            .header(Header::new(
                "qiscus-sdk-signature",
                qiscus_webhook_testkit::sign(TOKEN, body),
            ))
            .body(body)
            .dispatch()
            .await;
        let token = response
            .headers()
            .get_one("x-token-index")
            .map(String::from);
        let answer = (response.status().code, response.into_string().await);
        (answer, token)
    };
    let some = |body: &str| Some(body.to_owned());

    let event = br#"{"payload":{},"type":"post_comment_mobile"}"#;
    let first = deliver(event).await;
    assert_eq!(first, ((200, some("post_comment_mobile")), some("0")));
    let again = deliver(event).await;
    assert_eq!(again, ((200, some(r#"{"status":"duplicate"}"#)), some("0")));

    // Captured in 2017, and its type is not a string: stale first.
    let old = br#"{"payload":{"message":{"timestamp":"2017-09-23T10:34:44Z"}},"type":7}"#;
    let stale = deliver(old).await;
    assert_eq!(
        stale,
        ((401, some(r#"{"error":"stale_event"}"#)), some("none"))
    );

    // Fresh (or without an event time) but not an event: 400 every time, never a duplicate.
    for body in [&br#"{"type":7}"#[..], b"not json"] {
        for _ in 0..2 {
            let invalid = deliver(body).await.0;
            assert_eq!(invalid, (400, some(r#"{"error":"invalid_payload"}"#)));
        }
    }
}

/// A full store: 503 with `Retry-After` through the catchers.
#[rocket::async_test]
async fn an_unavailable_store_is_503_with_retry_after_through_the_catchers() {
    let full = ReplayGuard::new(MemoryStore::with_shards(1, 1))
        .with_unavailable_retry_after(std::time::Duration::from_secs(3));
    let rocket = quiet()
        .attach(qiscus_webhook_rocket::stage(verifier()))
        .attach(qiscus_webhook_rocket::replay_stage(full))
        .mount("/", routes![events]);
    let client = Client::untracked(rocket).await.expect("launches");
    let deliver = |body: &'static str| {
        client
            .post("/events")
            .header(Header::new(
                "qiscus-sdk-signature",
                qiscus_webhook_testkit::sign(TOKEN, body.as_bytes()),
            ))
            .body(body)
            .dispatch()
    };
    // The only entry, committed.
    assert_eq!(deliver(r#"{"type":"a"}"#).await.status(), Status::Ok);
    let refused = deliver(r#"{"type":"b"}"#).await;
    assert_eq!(refused.status(), Status::ServiceUnavailable);
    assert_eq!(refused.headers().get_one("retry-after"), Some("3"));
    assert_eq!(
        refused.into_string().await.as_deref(),
        Some(r#"{"error":"replay_store_unavailable"}"#)
    );
}

#[rocket::async_test]
async fn a_guarded_route_without_a_managed_replay_guard_refuses_to_launch() {
    let rocket = quiet()
        .attach(qiscus_webhook_rocket::stage(verifier()))
        .manage(Receiver::default())
        .mount("/", routes![events, by_handler]);
    let error = rocket.ignite().await.expect_err("no managed ReplayGuard");
    let ErrorKind::SentinelAborts(aborts) = error.kind() else {
        panic!("not a sentinel abort: {error:?}");
    };
    let mut aborted: Vec<_> = aborts.iter().map(|sentry| sentry.type_name).collect();
    aborted.sort_unstable();
    assert_eq!(
        aborted,
        [
            "qiscus_webhook_rocket::guarded::GuardedBody",
            "qiscus_webhook_rocket::guarded::GuardedJson<qiscus_webhook::events::event::Event>",
        ]
    );
}

#[rocket::async_test]
async fn a_guarded_route_without_a_managed_verifier_refuses_to_launch() {
    let rocket = quiet()
        .manage(ReplayGuard::new(MemoryStore::default()))
        .mount("/", routes![events]);
    let error = rocket.ignite().await.expect_err("no managed Verifier");
    assert!(
        matches!(error.kind(), ErrorKind::SentinelAborts(_)),
        "{error:?}"
    );
}

#[rocket::async_test]
async fn replay_stage_refuses_a_second_guard() {
    let guard = || ReplayGuard::new(MemoryStore::default());
    let rocket = quiet()
        .manage(verifier())
        .manage(guard())
        .attach(qiscus_webhook_rocket::replay_stage(guard()))
        .mount("/", routes![events]);
    let error = rocket.ignite().await.expect_err("two guards");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(_)),
        "{error:?}"
    );
}
