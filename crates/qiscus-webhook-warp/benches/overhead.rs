//! `cargo bench -p qiscus-webhook-warp --bench overhead`
//!
//! One in-process request (`warp::service(filter)` called with `tower::ServiceExt::oneshot`,
//! tokio current-thread runtime, response body collected) with a 2 KiB Qiscus-like payload,
//! three ways:
//!
//! - `plain`: the same route taking `warp::body::bytes()`, no verification (the floor);
//! - `by_hand`: the smallest hand-written equivalent: `headers_cloned` for the header rule,
//!   `content_length_limit` + `warp::body::bytes()`, then the core's one-shot verification
//!   (the HMAC is paid; this is what the adapter replaces);
//! - `filter`: `verified_body` (the adapter; the `extractor` row of the other adapters).
//!
//! `filter / plain` is the whole price of verifying (mostly HMAC-SHA256 over 2 KiB);
//! `filter / by_hand` is the adapter's own overhead.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use qiscus_webhook_warp::{
    Error, Token, VerifiedBody, Verifier, WebhookRejection, recover, verified_body,
};
use tower::ServiceExt;
use warp::http::{HeaderMap, HeaderValue, Request};
use warp::{Filter, Rejection, Reply};

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

fn plain() -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("webhook")
        .and(warp::post())
        .and(warp::body::bytes())
        .map(|body: Bytes| body.len().to_string())
}

fn by_hand(verifier: Verifier) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let limit = verifier.body_limit() as u64;
    warp::path!("webhook")
        .and(warp::post())
        .and(warp::header::headers_cloned())
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
        .and_then(move |headers: HeaderMap, body: Bytes| {
            let verifier = verifier.clone();
            async move {
                let signatures = headers
                    .get_all("qiscus-sdk-signature")
                    .iter()
                    .map(HeaderValue::as_bytes);
                let checked: Result<_, Error> = verifier
                    .begin_request(signatures, None, None)
                    .and_then(|mut pending| {
                        pending.update(&body)?;
                        pending.finish()
                    });
                match checked {
                    Ok(_) => Ok(body.len().to_string()),
                    Err(error) => Err(warp::reject::custom(WebhookRejection::from(error))),
                }
            }
        })
        .recover(recover)
}

fn filter(verifier: Verifier) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("webhook")
        .and(warp::post())
        .and(verified_body(verifier))
        .map(|VerifiedBody(body, _)| body.len().to_string())
        .recover(recover)
}

fn bench_route<F>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    route: F,
    body: &Bytes,
    signature: &HeaderValue,
    runtime: &tokio::runtime::Runtime,
) where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let service = warp::service(route);
    group.bench_function(name, |b| {
        b.to_async(runtime).iter(|| async {
            let request = Request::post("/webhook")
                .header("content-type", "application/json")
                .header("content-length", body.len())
                .header("qiscus-sdk-signature", signature.clone())
                .body(Full::new(body.clone()))
                .expect("a valid request");
            let response = service.clone().oneshot(request).await.expect("infallible");
            assert!(response.status().is_success());
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("readable")
                .to_bytes();
            black_box(bytes)
        });
    });
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

    let mut group = c.benchmark_group("warp_2KiB");
    bench_route(&mut group, "plain", plain(), &body, &signature, &runtime);
    bench_route(
        &mut group,
        "by_hand",
        by_hand(verifier.clone()),
        &body,
        &signature,
        &runtime,
    );
    bench_route(
        &mut group,
        "filter",
        filter(verifier),
        &body,
        &signature,
        &runtime,
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
