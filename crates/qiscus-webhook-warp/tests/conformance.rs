//! The whole conformance table, in process, two ways:
//!
//! - `warp::test::request()`: every case it can express. It cannot send a streamed body (it
//!   always sets `Content-Length` and sends the body whole) nor repeat a header (its `header`
//!   replaces): those cases (chunked, interrupted, repeated `QISCUS-SDK-SIGNATURE`) run in the
//!   second way below and over a real socket (tests/socket.rs);
//! - `warp::service(filter)` called with the testkit's `http::Request`s
//!   (`Case::http_request`): every case, with streamed bodies, a body stream that fails, and
//!   repeated headers.
//!
//! Each through every way the adapter is configured: a verifier, a `VerifierHandle` set after
//! the routes were built, a user's own recover function, `recover` on each route with a
//! catch-all route after them; and a `VerifierHandle` never set, for the unconfigured cases.

mod common;

use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Transfer, Unconfigured, assert_conformance, assert_unconfigured,
};
use qiscus_webhook_warp::VerifierHandle;
use tower::ServiceExt;
use warp::http::HeaderName;
use warp::http::header::CONTENT_TYPE;
use warp::{Filter, Rejection};

/// Whether `warp::test::request()` can send the case as it is.
fn expressible_in_warp_test(case: &Case) -> bool {
    let whole_body = matches!(
        case.transfer,
        Transfer::ContentLength | Transfer::DeclaredLength(_)
    );
    let names: Vec<HeaderName> = case
        .headers
        .iter()
        .map(|(name, _)| HeaderName::from_bytes(name).expect("valid header name"))
        .collect();
    let repeated = names
        .iter()
        .enumerate()
        .any(|(i, name)| names[..i].contains(name));
    whole_body && !repeated
}

fn content_type(headers: &warp::http::HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(String::from)
}

/// The case through `warp::test::request()`.
async fn send_warp_test<F>(routes: &F, case: &Case) -> Reply
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    let mut request = warp::test::request().method("POST").path(case.path());
    for (name, value) in &case.headers {
        request = request.header(name.as_slice(), value.as_slice());
    }
    // `body` sets `Content-Length` to the body's length; a declared length replaces it.
    request = request.body(&case.body);
    if let Transfer::DeclaredLength(declared) = case.transfer {
        request = request.header("content-length", declared.to_string());
    }
    let response = request.reply(routes).await;
    Reply {
        status: response.status().as_u16(),
        content_type: content_type(response.headers()),
        body: response.body().to_vec(),
    }
}

/// The case through `warp::service`, as the testkit's `http::Request` (streamed bodies, a
/// body that fails, repeated headers).
async fn send_service<F>(routes: &F, case: &Case) -> Reply
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    let response = warp::service(routes.clone())
        .oneshot(case.http_request())
        .await
        .expect("infallible");
    Reply::from_http(response)
        .await
        .expect("the response body is readable")
}

/// Every case through `warp::service`, the expressible ones through `warp::test` too.
async fn run<F>(routes: F, cases: Vec<Case>)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    let in_warp_test: Vec<Case> = cases
        .iter()
        .filter(|case| expressible_in_warp_test(case))
        .cloned()
        .collect();
    assert_conformance(in_warp_test, async |case| {
        send_warp_test(&routes, case).await
    })
    .await;
    assert_conformance(cases, async |case| send_service(&routes, case).await).await;
}

#[test]
fn warp_test_leaves_out_only_streamed_bodies_and_repeated_headers() {
    let left_out: Vec<&str> = conformance::cases()
        .iter()
        .filter(|case| !expressible_in_warp_test(case))
        .map(|case| case.name)
        .collect();
    assert!(
        left_out.contains(&"webhook/duplicate_both_valid"),
        "{left_out:?}"
    );
    assert!(
        left_out.contains(&"webhook/at_limit_chunked"),
        "{left_out:?}"
    );
    assert!(left_out.contains(&"events/body_unreadable"), "{left_out:?}");
    for case in conformance::cases() {
        if left_out.contains(&case.name) {
            let streamed = matches!(case.transfer, Transfer::Chunked | Transfer::Interrupted);
            assert!(streamed || case.name.contains("duplicate"), "{}", case.name);
        }
    }
}

#[tokio::test]
async fn filters_built_from_a_verifier() {
    run(
        common::with_verifier(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn filters_built_from_a_handle_set_later() {
    let handle = VerifierHandle::unset();
    let routes = common::with_handle(handle.clone());
    handle.set(conformance::verifier());
    run(routes, conformance::cases()).await;
}

#[tokio::test]
async fn recover_on_each_route_with_a_catch_all_after_them() {
    run(
        common::recovered_per_route(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn filters_built_from_a_handle_never_set_answer_500() {
    let routes = common::with_handle(VerifierHandle::unset());
    // Declared to the testkit: warp lets an app without a verifier exist; it answers 500.
    assert_unconfigured(Unconfigured::Answers500, async |case| {
        send_service(&routes, case).await
    })
    .await;
    assert_unconfigured(Unconfigured::Answers500, async |case| {
        send_warp_test(&routes, case).await
    })
    .await;
}
