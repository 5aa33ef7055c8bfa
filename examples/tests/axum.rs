//! The axum receiver example: the conformance table against its router, and the process
//! itself (configuration errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../axum.rs"]
mod example;

mod process;
mod service;

use std::io;

use axum::body::{Body, Bytes};
use axum::http::Request;
use futures_util::stream;
use qiscus_webhook_testkit::conformance::{self, Case, Transfer, assert_conformance};

/// The case as an axum request (as in qiscus-webhook-axum's tests/conformance.rs).
fn request(case: &Case) -> Request<Body> {
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
    service::request_head(case)
        .body(body)
        .expect("the request is valid")
}

#[tokio::test]
async fn the_router_passes_the_conformance_table() {
    let app = example::app(conformance::verifier());
    assert_conformance(conformance::cases(), async |case| {
        service::reply(&app, request(case)).await
    })
    .await;
}

process::tests!("axum");
