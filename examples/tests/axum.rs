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

use axum::body::Body;
use qiscus_webhook_testkit::conformance::{self, assert_conformance};

#[tokio::test]
async fn the_router_passes_the_conformance_table() {
    let app = example::app(conformance::verifier(), None);
    assert_conformance(conformance::cases(), async |case| {
        service::reply(&app, case.http_request().map(Body::new)).await
    })
    .await;
}

process::tests!("axum");
