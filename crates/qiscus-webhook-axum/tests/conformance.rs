//! The whole conformance table, in process (`tower::ServiceExt::oneshot`), through every way
//! the adapter is configured: extractors with the verifier as the state or in the app's own
//! state, and the layer. An app without a verifier does not compile (`Verifier: FromRef<S>`),
//! proven by the `compile_fail` doctest of `VerifiedBody`.

mod common;

use std::io;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Request};
use futures_util::stream;
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Transfer, Unconfigured, assert_conformance, assert_unconfigured, no_app,
};
use tower::ServiceExt;

/// The case as an axum request: headers as raw bytes, in order; the body whole, streamed
/// without `Content-Length`, or streamed and then failing.
fn request(case: &Case) -> Request<Body> {
    let mut builder = Request::post(case.path());
    for (name, value) in &case.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.header(name, value);
    }
    if let Some(len) = case.content_length() {
        builder = builder.header(CONTENT_LENGTH, len);
    }
    let chunks = || {
        case.chunks()
            .map(|chunk| Ok::<_, io::Error>(Bytes::copy_from_slice(chunk)))
            .collect::<Vec<_>>()
    };
    let body = match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => Body::from(case.body.clone()),
        Transfer::Chunked => Body::from_stream(stream::iter(chunks())),
        Transfer::Interrupted => {
            let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
            Body::from_stream(stream::iter(chunks().into_iter().chain([Err(hang_up)])))
        }
    };
    builder.body(body).expect("the request is valid")
}

async fn send(app: &Router, case: &Case) -> Reply {
    let response = app
        .clone()
        .oneshot(request(case))
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(String::from);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the response body is readable")
        .to_vec();
    Reply {
        status,
        content_type,
        body,
    }
}

async fn run(app: Router, cases: Vec<Case>) {
    assert_conformance(cases, async |case| send(&app, case).await).await;
}

#[tokio::test]
async fn extractors_with_the_verifier_as_state() {
    run(
        common::with_verifier_state(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn extractors_with_the_verifier_in_the_app_state() {
    run(
        common::with_app_state(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn layer() {
    run(
        common::with_layer(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn an_app_without_a_verifier_does_not_compile() {
    let doctest = include_str!("../src/extract.rs");
    assert_unconfigured(Unconfigured::CompileError { doctest }, no_app).await;
}
