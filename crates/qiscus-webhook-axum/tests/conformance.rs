//! The whole conformance table, in process (`tower::ServiceExt::oneshot`), through every way
//! the adapter is configured: extractors with the verifier as the state or in the app's own
//! state, and the layer. An app without a verifier does not compile (`Verifier: FromRef<S>`),
//! proven by the `compile_fail` doctest of `VerifiedBody`.

mod common;

use axum::Router;
use axum::body::Body;
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Unconfigured, assert_conformance, assert_unconfigured, no_app,
};
use tower::ServiceExt;

/// The case as an axum request (the testkit's `Case::http_request`: headers as raw bytes, in
/// order; the body whole, streamed without `Content-Length`, or streamed and then failing),
/// and the app's answer.
async fn send(app: &Router, case: &Case) -> Reply {
    let request = case.http_request().map(Body::new);
    let response = app.clone().oneshot(request).await.expect("infallible");
    Reply::from_http(response)
        .await
        .expect("the response body is readable")
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
