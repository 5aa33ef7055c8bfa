//! The whole conformance table, in process (`actix_web::test`), through every way the adapter
//! is configured: the extractors with a `WebhookConfig` (or `web::Data` of one) in `app_data`,
//! each as a plain value or in `web::Data`; and the middleware, configured directly or from
//! `app_data`.
//!
//! Chunked cases are a streamed payload without `Content-Length`; interrupted ones, a payload
//! stream that yields an error.

mod common;

use std::io;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{App, test};
use common::Setup;
use futures_util::{Stream, stream};
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, assert_conformance, unconfigured_cases,
};
use qiscus_webhook_testkit::spec::BodySpec;

/// The case's request (the testkit's `Case::request`) as an actix-web test request: headers as
/// raw bytes, in order; the body whole (with its `Content-Length`, or the declared one), or a
/// payload stream to put in instead (without `Content-Length`), which fails at the end for an
/// interrupted body.
fn request(case: &Case) -> (test::TestRequest, Option<Payload>) {
    let spec = case.request();
    let mut builder = test::TestRequest::post().uri(&spec.path);
    for (name, value) in &spec.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.append_header((name, value));
    }
    let (chunks, fails) = match spec.body {
        // `set_payload` sets `Content-Length` to the body's length: a declared one replaces it.
        BodySpec::Whole(body) => {
            let builder = builder.set_payload(body);
            return match spec.content_length {
                Some(declared) => (builder.insert_header((CONTENT_LENGTH, declared)), None),
                None => (builder, None),
            };
        }
        BodySpec::Chunks(chunks) => (chunks, false),
        BodySpec::Interrupted(chunks) => (chunks, true),
    };
    let mut items: Vec<Result<Bytes, PayloadError>> = chunks
        .into_iter()
        .map(|chunk| Ok(Bytes::from(chunk)))
        .collect();
    if fails {
        let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
        items.push(Err(PayloadError::Incomplete(Some(hang_up))));
    }
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(stream::iter(items));
    (builder, Some(Payload::from(stream)))
}

async fn run(setup: Setup, verifier: Option<qiscus_webhook_actix::Verifier>, cases: Vec<Case>) {
    let app = test::init_service(App::new().configure(setup.configure(verifier))).await;
    assert_conformance(cases, async |case| {
        let (builder, payload) = request(case);
        let mut request = builder.to_request();
        if let Some(payload) = payload {
            request = request.replace_payload(payload).0;
        }
        let response = test::call_service(&app, request).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(String::from);
        let body = test::read_body(response).await.to_vec();
        Reply {
            status,
            content_type,
            body,
        }
    })
    .await;
}

#[actix_web::test]
async fn extractors_with_a_config_in_app_data() {
    run(
        Setup::Config,
        Some(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[actix_web::test]
async fn extractors_with_a_config_in_web_data() {
    run(
        Setup::ConfigInData,
        Some(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[actix_web::test]
async fn a_bare_verifier_in_app_data_is_not_a_configuration() {
    // As actix-web's own `JsonConfig`: only a `WebhookConfig` (or `web::Data` of one) counts.
    run(
        Setup::BareVerifierOnly,
        Some(conformance::verifier()),
        unconfigured_cases(),
    )
    .await;
}

#[actix_web::test]
async fn middleware() {
    run(
        Setup::Middleware,
        Some(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[actix_web::test]
async fn middleware_from_app_data() {
    run(
        Setup::MiddlewareFromAppData,
        Some(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[actix_web::test]
async fn extractors_without_a_configuration_answer_500() {
    run(Setup::Config, None, unconfigured_cases()).await;
}

#[actix_web::test]
async fn middleware_without_a_configuration_answers_500() {
    run(Setup::MiddlewareFromAppData, None, unconfigured_cases()).await;
}
