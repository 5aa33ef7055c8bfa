//! `cargo bench -p qiscus-webhook-axum --bench overhead`
//!
//! One in-process request (`tower::ServiceExt::oneshot` on a `Router`, tokio current-thread
//! runtime, response body collected) with a 2 KiB Qiscus-like payload, four ways:
//!
//! - `plain`: the same route taking `Bytes`, no verification (the floor);
//! - `by_hand`: the smallest hand-written equivalent: the header rule, the body collected with
//!   `axum::body::to_bytes` under the limit, then the core's one-shot verification (the HMAC
//!   is paid; this is what the adapter replaces);
//! - `extractor`: `VerifiedBody`;
//! - `layer`: `VerifyQiscusLayer` in front of a `Bytes` handler.
//!
//! `extractor / plain` is the whole price of verifying (mostly HMAC-SHA256 over 2 KiB);
//! `extractor / by_hand` is the adapter's own overhead.

use std::hint::black_box;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Request};
use axum::{Extension, Router, routing::post};
use criterion::{Criterion, criterion_group, criterion_main};
use qiscus_webhook_axum::{
    Error, Token, Verified, VerifiedBody, Verifier, VerifyQiscusLayer, WebhookRejection,
};
use tower::ServiceExt;

const TOKEN: &str = "qiscus-dashboard-signature-token";
const SIZE: usize = 2 * 1024;

/// A real Qiscus event, its message text lengthened to make the body exactly 2 KiB.
fn payload() -> Bytes {
    let event = qiscus_webhook_testkit::fixtures::POST_COMMENT_MOBILE_2017;
    let text = br#""text":"simulasi"#;
    let at = event
        .windows(text.len())
        .position(|window| window == text)
        .expect("the fixture has a text")
        + text.len();
    let mut body = event.to_vec();
    body.splice(at..at, std::iter::repeat_n(b'x', SIZE - event.len()));
    assert_eq!(body.len(), SIZE);
    Bytes::from(body)
}

async fn plain(body: Bytes) -> String {
    body.len().to_string()
}

async fn by_hand(
    State(verifier): State<Verifier>,
    request: Request<Body>,
) -> Result<String, WebhookRejection> {
    let (parts, body) = request.into_parts();
    let signatures = parts
        .headers
        .get_all("qiscus-sdk-signature")
        .iter()
        .map(HeaderValue::as_bytes);
    let mut pending = verifier.begin_request(signatures, None, None)?;
    let body = axum::body::to_bytes(body, verifier.body_limit())
        .await
        .map_err(|_| Error::BodyTooLarge)?;
    pending.update(&body)?;
    pending.finish()?;
    Ok(body.len().to_string())
}

async fn extractor(VerifiedBody(body, _): VerifiedBody) -> String {
    body.len().to_string()
}

async fn behind_layer(Extension(_): Extension<Verified>, body: Bytes) -> String {
    body.len().to_string()
}

fn bench(c: &mut Criterion) {
    // Timers on: the core's body deadline runs on the runtime's clock.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let verifier = Verifier::new(Token::new(TOKEN).expect("not empty"));
    let body = payload();
    let signature = HeaderValue::try_from(verifier.sign(&body).to_string()).expect("hex");

    let apps = [
        ("plain", Router::new().route("/webhook", post(plain))),
        (
            "by_hand",
            Router::new()
                .route("/webhook", post(by_hand))
                .with_state(verifier.clone()),
        ),
        (
            "extractor",
            Router::new()
                .route("/webhook", post(extractor))
                .with_state(verifier.clone()),
        ),
        (
            "layer",
            Router::new()
                .route("/webhook", post(behind_layer))
                .route_layer(VerifyQiscusLayer::new(verifier.clone())),
        ),
    ];

    let mut group = c.benchmark_group("axum_2KiB");
    for (name, app) in apps {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let request = Request::post("/webhook")
                    .header("content-type", "application/json")
                    .header("content-length", body.len())
                    .header("qiscus-sdk-signature", signature.clone())
                    .body(Body::from(body.clone()))
                    .expect("a valid request");
                let response = app.clone().oneshot(request).await.expect("infallible");
                assert!(response.status().is_success());
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .expect("readable");
                black_box(bytes)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
