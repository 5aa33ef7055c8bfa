//! The whole conformance table, in process, two ways:
//!
//! - `warp::test::request()`: every case it can express. It cannot send a streamed body (it
//!   always sets `Content-Length` and sends the body whole) nor repeat a header (its `header`
//!   replaces): those cases (chunked, interrupted, repeated `QISCUS-SDK-SIGNATURE`) run in the
//!   second way below and over a real socket (tests/socket.rs);
//! - `warp::service(filter)` called with hand-built `http::Request`s: every case, with
//!   streamed bodies, a body stream that fails, and repeated headers.
//!
//! Each through every way the adapter is configured: a verifier, a `WebhookConfig` set after
//! the routes were built, a user's own recover function, `recover` on each route with a
//! catch-all route after them; and a `WebhookConfig` never set, for the unconfigured cases.

mod common;

use std::io;

use bytes::Bytes;
use futures_util::stream;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Transfer, assert_conformance, unconfigured_cases,
};
use qiscus_webhook_warp::WebhookConfig;
use tower::ServiceExt;
use warp::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::{HeaderName, HeaderValue, Request};
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

/// A request body: the case's frames, then the end of the stream or an error.
type CaseBody = StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, io::Error>>>>;

/// The case as an `http::Request`: headers as raw bytes, in order (repeats kept); the body
/// whole, streamed without `Content-Length`, or streamed and then failing.
fn request(case: &Case) -> Request<CaseBody> {
    let mut builder = Request::post(case.path());
    for (name, value) in &case.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.header(name, value);
    }
    if let Some(len) = case.content_length() {
        builder = builder.header(CONTENT_LENGTH, len);
    }
    let chunk = |bytes: &[u8]| Ok(Frame::data(Bytes::copy_from_slice(bytes)));
    let mut frames: Vec<Result<Frame<Bytes>, io::Error>> = match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => vec![chunk(&case.body)],
        Transfer::Chunked | Transfer::Interrupted => case.chunks().map(chunk).collect(),
    };
    if case.transfer == Transfer::Interrupted {
        let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
        frames.push(Err(hang_up));
    }
    let body = StreamBody::new(stream::iter(frames));
    builder.body(body).expect("the request is valid")
}

/// The case through `warp::service`.
async fn send_service<F>(routes: &F, case: &Case) -> Reply
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    let response = warp::service(routes.clone())
        .oneshot(request(case))
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let content_type = content_type(response.headers());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the response body is readable")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        content_type,
        body,
    }
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
async fn filters_built_from_a_config_set_later() {
    let config = WebhookConfig::unset();
    let routes = common::with_config(config.clone());
    config.set(conformance::verifier());
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
async fn filters_built_from_a_config_never_set_answer_500() {
    run(
        common::with_config(WebhookConfig::unset()),
        unconfigured_cases(),
    )
    .await;
}
