//! The warp receiver example: the conformance table against its routes, and the process
//! itself (configuration errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../warp.rs"]
mod example;

mod process;
mod service;

use qiscus_webhook_testkit::conformance::{self, assert_conformance};

#[tokio::test]
async fn the_routes_pass_the_conformance_table() {
    let service = warp::service(example::routes(conformance::verifier(), None));
    assert_conformance(conformance::cases(), async |case| {
        service::reply(&service, case.http_request()).await
    })
    .await;
}

process::tests!("warp");
