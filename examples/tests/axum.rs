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

/// A body over axum's own default limit (2 MB) but within the verifier's reaches the handlers:
/// the verifier's limit is the only one.
#[tokio::test]
async fn the_verifiers_body_limit_is_the_only_one() {
    let limit = 3 * 1024 * 1024;
    let verifier = conformance::verifier().with_body_limit(limit);
    let app = example::app(verifier, None);
    let body = format!(
        r#"{{"type":"room_archived","payload":{{"pad":"{}"}}}}"#,
        "x".repeat(limit - 100)
    );
    let signed = qiscus_webhook_testkit::SignedRequest::new(conformance::TOKEN, body.as_str());
    let webhook = service::reply(
        &app,
        signed
            .to_spec("/webhook")
            .into_http()
            .unwrap()
            .map(Body::new),
    )
    .await;
    assert_eq!(webhook.status, 200);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&webhook.body).unwrap(),
        qiscus_webhook_testkit::raw_receipt(body.as_bytes())
    );
    let events = service::reply(
        &app,
        signed
            .to_spec("/events")
            .into_http()
            .unwrap()
            .map(Body::new),
    )
    .await;
    assert_eq!(
        (events.status, events.body.as_slice()),
        (200, br#"{"type":"room_archived"}"#.as_slice())
    );
}

process::tests!("axum");
