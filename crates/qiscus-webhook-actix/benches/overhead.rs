//! `cargo bench -p qiscus-webhook-actix --bench overhead`
//!
//! One in-process request (`actix_web::test::call_service` on an initialised `App`, on actix's
//! own single-threaded runtime, response body read) with a 2 KiB Qiscus-like payload, four
//! ways:
//!
//! - `plain`: the same route taking `web::Bytes`, no verification (the floor);
//! - `by_hand`: the smallest hand-written equivalent: the verifier from `web::Data`, the header
//!   rule, the body collected by `web::Bytes` (its `PayloadConfig` limit set to the
//!   verifier's), then the core's one-shot verification (the HMAC is paid; this is what the
//!   adapter replaces);
//! - `extractor`: `VerifiedBody`;
//! - `middleware`: `VerifyQiscus` wrapped on the resource, in front of a `web::Bytes` handler
//!   that also takes `web::ReqData<Verified>`.
//!
//! `extractor / plain` is the whole price of verifying (mostly HMAC-SHA256 over 2 KiB);
//! `extractor / by_hand` is the adapter's own overhead.

use std::future::Future;
use std::hint::black_box;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::rt::System;
use actix_web::{App, HttpRequest, test, web};
use criterion::async_executor::AsyncExecutor;
use criterion::{Criterion, criterion_group, criterion_main};
use qiscus_webhook_actix::{
    Token, Verified, VerifiedBody, Verifier, VerifyQiscus, WebhookConfig, WebhookError,
};

const TOKEN: &str = "qiscus-dashboard-signature-token";
const SIZE: usize = 2 * 1024;

/// A real Qiscus event, its message text lengthened to make the body exactly 2 KiB.
fn payload() -> web::Bytes {
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
    web::Bytes::from(body)
}

async fn plain(body: web::Bytes) -> String {
    body.len().to_string()
}

async fn by_hand(
    request: HttpRequest,
    verifier: web::Data<Verifier>,
    body: web::Bytes,
) -> Result<String, WebhookError> {
    let signatures = request
        .headers()
        .get_all("qiscus-sdk-signature")
        .map(HeaderValue::as_bytes);
    let mut pending = verifier.begin_request(signatures, None, None)?;
    pending.update(&body)?;
    pending.finish()?;
    Ok(body.len().to_string())
}

async fn extractor(VerifiedBody(body, _): VerifiedBody) -> String {
    body.len().to_string()
}

async fn behind_middleware(_: web::ReqData<Verified>, body: web::Bytes) -> String {
    body.len().to_string()
}

/// Criterion's async benches on actix's own runtime (an actix `System`).
struct Actix(actix_web::rt::SystemRunner);

impl AsyncExecutor for &Actix {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.0.block_on(future)
    }
}

fn bench(c: &mut Criterion) {
    let runtime = Actix(System::new());
    let verifier = Verifier::new(Token::new(TOKEN).expect("not empty"));
    let body = payload();
    let signature = HeaderValue::try_from(verifier.sign(&body).to_string()).expect("hex");
    let limit = web::PayloadConfig::new(verifier.body_limit());

    let plain = App::new().route("/webhook", web::post().to(plain));
    let by_hand = App::new()
        .app_data(web::Data::new(verifier.clone()))
        .app_data(limit.clone())
        .route("/webhook", web::post().to(by_hand));
    let extractor = App::new()
        .app_data(WebhookConfig::new(verifier.clone()))
        .route("/webhook", web::post().to(extractor));
    let middleware = App::new().app_data(limit).service(
        web::resource("/webhook")
            .wrap(VerifyQiscus::new(verifier.clone()))
            .route(web::post().to(behind_middleware)),
    );

    let mut group = c.benchmark_group("actix_2KiB");
    // A macro, not a function: each `App` has its own service type.
    macro_rules! bench_app {
        ($name:literal, $app:expr) => {
            let service = runtime.0.block_on(test::init_service($app));
            group.bench_function($name, |b| {
                b.to_async(&runtime).iter(|| async {
                    let request = test::TestRequest::post()
                        .uri("/webhook")
                        .insert_header(("content-type", "application/json"))
                        .insert_header(("qiscus-sdk-signature", signature.clone()))
                        .set_payload(body.clone()) // and its content-length
                        .to_request();
                    let response: ServiceResponse<_> =
                        service.call(request).await.expect("infallible");
                    assert!(response.status().is_success());
                    black_box(test::read_body(response).await)
                });
            });
        };
    }
    bench_app!("plain", plain);
    bench_app!("by_hand", by_hand);
    bench_app!("extractor", extractor);
    bench_app!("middleware", middleware);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
