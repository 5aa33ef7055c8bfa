//! `cargo bench -p qiscus-webhook-rocket --bench overhead`
//!
//! One in-process request (`rocket::local::asynchronous::Client`, tokio current-thread
//! runtime, response body read) with a 2 KiB Qiscus-like payload, three ways:
//!
//! - `plain`: the same route taking `Vec<u8>`, no verification (the floor);
//! - `by_hand`: the smallest hand-written equivalent: a request guard applying the header
//!   rule, the body read by Rocket's `Vec<u8>` guard under its limit, then the core's one-shot
//!   verification (the HMAC is paid; this is what the adapter replaces);
//! - `extractor`: the data guard, `VerifiedBody`.
//!
//! `extractor / plain` is the whole price of verifying (mostly HMAC-SHA256 over 2 KiB);
//! `extractor / by_hand` is the adapter's own overhead. Rocket has no middleware that can
//! refuse a request (fairings cannot), so there is no layer row.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use qiscus_webhook::Signature;
use qiscus_webhook::header::signature_from_header_values;
use qiscus_webhook_rocket::{Error, Token, VerifiedBody, Verifier, WebhookRejection};
use rocket::config::LogLevel;
use rocket::data::Capped;
use rocket::http::{ContentType, Header};
use rocket::local::asynchronous::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Config, Rocket, State, post, routes};

const TOKEN: &str = "qiscus-dashboard-signature-token";
const SIZE: usize = 2 * 1024;

/// A real Qiscus event, its message text lengthened to make the body exactly 2 KiB.
fn payload() -> Vec<u8> {
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
    body
}

#[post("/webhook", data = "<body>")]
fn plain(body: Vec<u8>) -> String {
    body.len().to_string()
}

/// The header rule, by hand: the parsed signature, or the refusal.
struct HeaderSignature(Result<Signature, Error>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HeaderSignature {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let values = request
            .headers()
            .get("qiscus-sdk-signature")
            .map(str::as_bytes);
        Outcome::Success(Self(signature_from_header_values(values)))
    }
}

#[post("/webhook", data = "<body>")]
fn by_hand(
    verifier: &State<Verifier>,
    signature: HeaderSignature,
    body: Capped<Vec<u8>>,
) -> Result<String, WebhookRejection> {
    let signature = signature.0?;
    if !body.is_complete() {
        return Err(Error::BodyTooLarge.into());
    }
    verifier.verify(&body, &signature)?;
    Ok(body.len().to_string())
}

#[post("/webhook", data = "<body>")]
fn extractor(body: VerifiedBody) -> String {
    body.len().to_string()
}

fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::release_default()
    })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let verifier = Verifier::new(Token::new(TOKEN).expect("not empty"));
    let body = payload();
    let signature = verifier.sign(&body).to_string();

    let rockets = [
        ("plain", quiet().mount("/", routes![plain])),
        (
            "by_hand",
            quiet()
                .manage(verifier.clone())
                .mount("/", routes![by_hand]),
        ),
        (
            "extractor",
            quiet()
                .attach(qiscus_webhook_rocket::stage(verifier.clone()))
                .mount("/", routes![extractor]),
        ),
    ];

    let mut group = c.benchmark_group("rocket_2KiB");
    for (name, rocket) in rockets {
        let client = runtime
            .block_on(Client::untracked(rocket))
            .expect("a valid rocket");
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let response = client
                    .post("/webhook")
                    .header(ContentType::JSON)
                    .header(Header::new("content-length", SIZE.to_string()))
                    .header(Header::new("qiscus-sdk-signature", signature.clone()))
                    .body(&body)
                    .dispatch()
                    .await;
                assert!(response.status().class().is_success());
                black_box(response.into_bytes().await)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
