//! The replay rows of the conformance table (the testkit's `conformance::replay`), on the
//! memory store and on a real `redis-server` the harness starts, through both guarded forms:
//! `GuardedBody::respond` (the handler's status commits or releases) and the handler finishing
//! the ticket itself (committed on its 2xx, dropped on a failure). Sent in process through
//! `warp::service`; then the parts the rows do not reach: `guarded_json`, a user's own
//! recover, and a guard refusal's `Connection`/`Retry-After` headers.

use std::time::Duration;

use qiscus_webhook::events::Event;
use qiscus_webhook_testkit::conformance::replay::{
    Answer, Harness, Hooks, Setup, Store, check_typed,
};
use qiscus_webhook_testkit::spec::RequestSpec;
use qiscus_webhook_warp::replay::{MemoryStore, ReplayGuard};
use qiscus_webhook_warp::{
    DuplicateDelivery, GuardedBody, GuardedJson, VerifiedBody, VerifiedJson, WebhookRejection,
    guarded_body, guarded_json, recover,
};
use tower::ServiceExt;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// The handler's answer, as warp sends it: the status and the JSON as they are.
fn json_reply(status: u16, json: &serde_json::Value) -> warp::reply::Response {
    let status = StatusCode::from_u16(status).expect("the receiver's statuses are valid");
    warp::reply::with_status(warp::reply::json(json), status).into_response()
}

/// The request's test hooks (`X-Example-Fail`, `X-Example-Delay-Ms`).
fn hooks() -> impl Filter<Extract = (Hooks,), Error = std::convert::Infallible> + Clone {
    warp::header::headers_cloned().map(|headers| Hooks::from_http(&headers))
}

/// `POST /webhook`, guarded; `respond` finishes the ticket with the handler's status.
fn responding(setup: Setup) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let Setup {
        verifier,
        guard,
        receiver,
    } = setup;
    warp::path!("webhook")
        .and(warp::post())
        .and(guarded_body(verifier, guard))
        .and(hooks())
        .then(move |guarded: GuardedBody, hooks: Hooks| {
            let receiver = receiver.clone();
            guarded.respond(move |VerifiedBody(body, _)| async move {
                let (status, json) = receiver.answer(hooks, &body).await;
                json_reply(status, &json)
            })
        })
        .recover(recover)
}

/// `POST /webhook`, guarded; the handler commits its success and drops the ticket of a
/// failure (released by the ticket's drop).
fn finishing_itself(
    setup: Setup,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let Setup {
        verifier,
        guard,
        receiver,
    } = setup;
    warp::path!("webhook")
        .and(warp::post())
        .and(guarded_body(verifier, guard))
        .and(hooks())
        .then(move |GuardedBody(body, _, ticket), hooks: Hooks| {
            let receiver = receiver.clone();
            async move {
                let (status, json) = receiver.answer(hooks, &body).await;
                if (200..300).contains(&status) {
                    ticket.commit().await.expect("the store answers");
                } else {
                    drop(ticket);
                }
                json_reply(status, &json)
            }
        })
        .recover(recover)
}

async fn send<F>(routes: &F, request: RequestSpec) -> Answer
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let request = request.into_http().expect("a valid request");
    let response = warp::service(routes.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    Answer::from_http(response)
        .await
        .expect("the response body is readable")
}

/// The replay rows through the app `build` makes, on `store`.
async fn rows<F>(store: Store, build: impl FnOnce(Setup) -> F)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let harness = Harness::start(store).await;
    let routes = build(harness.setup());
    harness
        .check(async |request| send(&routes, request).await)
        .await;
}

#[tokio::test]
async fn replay_rows_memory_respond() {
    rows(Store::Memory, responding).await;
}

#[tokio::test]
async fn replay_rows_memory_handler_finishes() {
    rows(Store::Memory, finishing_itself).await;
}

#[tokio::test]
async fn replay_rows_redis_respond() {
    rows(Store::Redis, responding).await;
}

#[tokio::test]
async fn replay_rows_redis_handler_finishes() {
    rows(Store::Redis, finishing_itself).await;
}

/// `guarded_json` on the memory store, through the testkit's `check_typed`: the guard answers
/// before parsing, and bodies that are not events are 400 and released (never a duplicate).
#[tokio::test]
async fn guarded_json_guards_before_parsing_and_releases_a_payload_it_cannot_parse() {
    let guard = ReplayGuard::new(MemoryStore::default());
    let verifier = qiscus_webhook_testkit::conformance::verifier();
    let events = warp::path!("events")
        .and(warp::post())
        .and(guarded_json::<Event>(verifier, guard.clone()))
        .then(|guarded: GuardedJson<Event>| {
            guarded.respond(|event: VerifiedJson<Event>| async move {
                warp::reply::json(&event.event_type())
            })
        })
        .recover(recover);
    check_typed(async |request| send(&events, request).await).await;
}

/// A user's own recover function finds both rejections; a guard's 503 carries `Retry-After`
/// and no `Connection: close` (its body was read whole).
#[tokio::test]
async fn own_recover_and_the_refusals_headers() {
    async fn own_recover(rejection: Rejection) -> Result<warp::reply::Response, Rejection> {
        if let Some(duplicate) = rejection.find::<DuplicateDelivery>() {
            return Ok(duplicate.into_response());
        }
        match rejection.find::<WebhookRejection>() {
            Some(webhook) => Ok(webhook.into_response()),
            None => Err(rejection),
        }
    }
    // A store that is always full.
    let full = ReplayGuard::new(MemoryStore::with_shards(1, 1))
        .with_unavailable_retry_after(Duration::from_secs(3));
    let verifier = qiscus_webhook_testkit::conformance::verifier();
    let routes = warp::post()
        .and(guarded_body(verifier, full.clone()))
        .then(|guarded: GuardedBody| guarded.respond(|_| async { "ran" }))
        .recover(own_recover);
    let deliver = |body: &'static [u8]| {
        warp::test::request()
            .method("POST")
            .header(
                "qiscus-sdk-signature",
                qiscus_webhook_testkit::sign(qiscus_webhook_testkit::conformance::TOKEN, body),
            )
            .body(body)
    };
    // The only entry, held.
    let held = deliver(br#"{"n":1}"#).reply(&routes).await;
    assert_eq!(held.body(), "ran");
    let refused = deliver(br#"{"n":2}"#).reply(&routes).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.body(), r#"{"error":"replay_store_unavailable"}"#);
    assert_eq!(refused.headers()["retry-after"], "3");
    assert!(refused.headers().get("connection").is_none());
    let duplicate = deliver(br#"{"n":1}"#).reply(&routes).await;
    assert_eq!(duplicate.body(), r#"{"status":"duplicate"}"#);
}
