//! The axum receiver example: the conformance table against its router, and the process
//! itself (configuration errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../axum.rs"]
mod example;

mod process;

use std::io;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Request};
use futures_util::stream;
use qiscus_webhook_testkit::conformance::{self, Case, Reply, Transfer, assert_conformance};
use tower::ServiceExt;

/// The case as an axum request (as in qiscus-webhook-axum's tests/conformance.rs).
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
    let chunks = case
        .chunks()
        .map(|chunk| Ok::<_, io::Error>(Bytes::copy_from_slice(chunk)));
    let body = match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => Body::from(case.body.clone()),
        Transfer::Chunked => Body::from_stream(stream::iter(chunks.collect::<Vec<_>>())),
        Transfer::Interrupted => {
            let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
            Body::from_stream(stream::iter(
                chunks.chain([Err(hang_up)]).collect::<Vec<_>>(),
            ))
        }
    };
    builder.body(body).expect("the request is valid")
}

#[tokio::test]
async fn the_router_passes_the_conformance_table() {
    let app = example::app(conformance::verifier());
    assert_conformance(conformance::cases(), async |case| {
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
    })
    .await;
}

#[test]
fn without_a_token_it_exits_2_with_one_line() {
    process::assert_refuses("axum", &[], "QISCUS_WEBHOOK_TOKEN");
    process::assert_refuses(
        "axum",
        &[("QISCUS_WEBHOOK_TOKEN", "")],
        "QISCUS_WEBHOOK_TOKEN",
    );
}

#[test]
fn bad_values_exit_2_with_one_line() {
    let token = ("QISCUS_WEBHOOK_TOKEN", process::TOKEN);
    process::assert_refuses(
        "axum",
        &[token, ("QISCUS_WEBHOOK_BODY_LIMIT", "1MB")],
        "QISCUS_WEBHOOK_BODY_LIMIT",
    );
    process::assert_refuses("axum", &[token, ("BIND", "localhost:3000")], "BIND");
}

#[test]
fn it_listens_verifies_and_stops_on_sigterm() {
    process::assert_serves("axum");
}
