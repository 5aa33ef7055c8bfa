//! The conformance replay rows (the testkit's `conformance::replay`), in process
//! (`actix_web::test`), on every guarded form: the middleware configured directly on a
//! resource, the middleware from `app_data` on a scope, and the extractor (`GuardedBody`, the
//! handler commits its claim, or drops it on a failure); each with the memory store and with a
//! real `redis-server`. Then the typed extractor, `GuardedJson`, through the testkit's
//! `check_typed`.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::{App, HttpRequest, HttpResponse, test, web};
use qiscus_webhook_actix::events::Event;
use qiscus_webhook_actix::replay::{MemoryStore, ReplayGuard};
use qiscus_webhook_actix::{GuardedBody, GuardedJson, Verified, VerifyQiscus, WebhookConfig};
use qiscus_webhook_testkit::conformance::replay::{
    Answer, Harness, Hooks, Receiver, Setup, Store, TYPED_PATH, check_typed,
};
use qiscus_webhook_testkit::spec::RequestSpec;

#[derive(Debug, Clone, Copy)]
enum Form {
    /// `VerifyQiscus::new(config)` wrapped on the `/webhook` resource.
    Middleware,
    /// `VerifyQiscus::from_app_data()` on a scope, the configuration in `app_data`.
    MiddlewareFromAppData,
    /// `GuardedBody`, the configuration in `app_data`.
    Extractor,
}

fn hooks(headers: &HeaderMap) -> Hooks {
    let value = |name| headers.get(name).map(HeaderValue::as_bytes);
    Hooks::from_values(value(Hooks::FAIL_HEADER), value(Hooks::DELAY_HEADER))
}

fn respond((status, json): (u16, serde_json::Value)) -> HttpResponse {
    let status = StatusCode::from_u16(status).expect("the receiver's statuses are valid");
    HttpResponse::build(status).json(json)
}

/// Behind the middleware: the body read again with actix-web's `Bytes`.
async fn behind(
    receiver: web::Data<Receiver>,
    _: web::ReqData<Verified>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    respond(receiver.answer(hooks(request.headers()), &body).await)
}

/// `GuardedBody`: commits on success; on a failure, drops the claim (released by its drop).
async fn guarded(
    receiver: web::Data<Receiver>,
    request: HttpRequest,
    GuardedBody(body, _, ticket): GuardedBody,
) -> HttpResponse {
    let (status, json) = receiver.answer(hooks(request.headers()), &body).await;
    if (200..300).contains(&status) {
        ticket.commit().await.expect("the store answers");
    } else {
        drop(ticket);
    }
    respond((status, json))
}

fn configure(form: Form, setup: Setup) -> impl Fn(&mut web::ServiceConfig) {
    move |app| {
        let config = WebhookConfig::new(setup.verifier.clone()).replay(setup.guard.clone());
        app.app_data(web::Data::new(setup.receiver.clone()));
        match form {
            Form::Middleware => {
                app.service(
                    web::resource("/webhook")
                        .wrap(VerifyQiscus::new(config))
                        .route(web::post().to(behind)),
                );
            }
            Form::MiddlewareFromAppData => {
                app.app_data(config).service(
                    web::scope("")
                        .wrap(VerifyQiscus::from_app_data())
                        .route("/webhook", web::post().to(behind)),
                );
            }
            Form::Extractor => {
                app.app_data(config)
                    .route("/webhook", web::post().to(guarded));
            }
        }
    }
}

/// The row's request (always whole, with its `Content-Length`) as an actix-web test request.
fn request(spec: RequestSpec) -> test::TestRequest {
    let mut builder = test::TestRequest::post().uri(&spec.path);
    for (name, value) in &spec.headers {
        let name = HeaderName::from_bytes(name).expect("a valid header name");
        let value = HeaderValue::from_bytes(value).expect("a valid header value");
        builder = builder.append_header((name, value));
    }
    builder.set_payload(spec.body.bytes())
}

/// The app's response as an [`Answer`].
async fn answer(response: ServiceResponse) -> Answer {
    let header = |name| {
        let value = response.headers().get(name)?;
        value.to_str().ok().map(String::from)
    };
    let (content_type, retry_after) = (header(CONTENT_TYPE), header(RETRY_AFTER));
    let status = response.status().as_u16();
    Answer {
        status,
        content_type,
        retry_after,
        body: test::read_body(response).await.to_vec(),
    }
}

async fn run(store: Store, form: Form) {
    let harness = Harness::start(store).await;
    let app = test::init_service(App::new().configure(configure(form, harness.setup()))).await;
    harness
        .check(async |spec| {
            answer(test::call_service(&app, request(spec).to_request()).await).await
        })
        .await;
}

/// `GuardedJson<Event>`: the guard answers before the body is parsed, and a body that is not
/// an event is refused 400 with its claim released.
#[actix_web::test]
async fn typed_extractor() {
    async fn events(GuardedJson(event, _, ticket): GuardedJson<Event>) -> HttpResponse {
        ticket.commit().await.expect("the store answers");
        HttpResponse::Ok().json(event.event_type())
    }
    let verifier = qiscus_webhook_testkit::conformance::verifier();
    let config = WebhookConfig::new(verifier).replay(ReplayGuard::new(MemoryStore::default()));
    let app = App::new()
        .app_data(config)
        .route(TYPED_PATH, web::post().to(events));
    let app = test::init_service(app).await;
    check_typed(async |spec| {
        answer(test::call_service(&app, request(spec).to_request()).await).await
    })
    .await;
}

#[actix_web::test]
async fn middleware_on_the_memory_store() {
    run(Store::Memory, Form::Middleware).await;
}

#[actix_web::test]
async fn middleware_on_redis() {
    run(Store::Redis, Form::Middleware).await;
}

#[actix_web::test]
async fn middleware_from_app_data_on_the_memory_store() {
    run(Store::Memory, Form::MiddlewareFromAppData).await;
}

#[actix_web::test]
async fn middleware_from_app_data_on_redis() {
    run(Store::Redis, Form::MiddlewareFromAppData).await;
}

#[actix_web::test]
async fn extractor_on_the_memory_store() {
    run(Store::Memory, Form::Extractor).await;
}

#[actix_web::test]
async fn extractor_on_redis() {
    run(Store::Redis, Form::Extractor).await;
}

#[actix_web::test]
async fn guarded_body_without_a_guard_answers_500_before_the_handler() {
    let receiver = Receiver::default();
    let verifier = qiscus_webhook_testkit::conformance::verifier();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(receiver.clone()))
            .app_data(WebhookConfig::new(verifier))
            .route("/webhook", web::post().to(guarded)),
    )
    .await;
    let body = r#"{"type":"post_comment_mobile"}"#;
    let signed = qiscus_webhook_testkit::SignedRequest::new(
        qiscus_webhook_testkit::conformance::TOKEN,
        body,
    );
    let response = test::call_service(&app, request(signed.to_spec("/webhook")).to_request()).await;
    assert_eq!(response.status(), 500);
    let body = test::read_body(response).await;
    assert_eq!(body, r#"{"error":"webhook_not_configured"}"#);
    assert_eq!(receiver.calls(), 0);
}

#[actix_web::test]
async fn retry_after_is_sent_when_the_core_sets_it() {
    use actix_web::ResponseError;
    use qiscus_webhook::{Error, Rejection};
    use qiscus_webhook_actix::{DuplicateDelivery, WebhookError};
    use std::time::Duration;

    let busy =
        Rejection::from(Error::DeliveryInProgress).with_retry_after(Duration::from_millis(2_100));
    let response = WebhookError::from(busy).error_response();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(response.headers().get(RETRY_AFTER).unwrap(), "3");
    let response = WebhookError::from(Error::BodyTooLarge).error_response();
    assert!(response.headers().get(RETRY_AFTER).is_none());

    let duplicate = DuplicateDelivery.error_response();
    assert_eq!(duplicate.status(), StatusCode::OK);
    assert_eq!(
        duplicate.headers().get(CONTENT_TYPE).unwrap(),
        "application/json"
    );
    assert!(duplicate.headers().get(RETRY_AFTER).is_none());
    assert_eq!(
        DuplicateDelivery.to_string(),
        "a duplicate delivery, already handled"
    );
}
