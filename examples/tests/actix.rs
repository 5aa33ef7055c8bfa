//! The actix-web receiver example: the conformance table against its app, and the process
//! itself (configuration errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../actix.rs"]
mod example;

mod process;

use std::io;
use std::pin::Pin;

use actix_web::App;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::web::Bytes;
// Not `test`: that name would shadow the `#[test]` attribute of the process tests below.
use actix_web::test as actix_test;
use futures_util::{Stream, stream};
use qiscus_webhook_testkit::conformance::{self, Case, Reply, assert_conformance};
use qiscus_webhook_testkit::spec::BodySpec;

/// The case's request (`Case::request`, as in qiscus-webhook-actix's tests/conformance.rs) as
/// an actix-web test request: the header fields as they are, in order; the body whole with its
/// `Content-Length` (or the declared one), or a payload stream to put in instead, without
/// `Content-Length`, failing at the end for an interrupted body.
fn request(case: &Case) -> (actix_test::TestRequest, Option<Payload>) {
    let spec = case.request();
    let mut builder = actix_test::TestRequest::post().uri(&spec.path);
    for (name, value) in &spec.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.append_header((name, value));
    }
    let (chunks, fails) = match spec.body {
        // `set_payload` sets `Content-Length` to the body's length: a declared one replaces it.
        BodySpec::Whole(body) => {
            let builder = builder.set_payload(body);
            return match spec.content_length {
                Some(declared) => (builder.insert_header((CONTENT_LENGTH, declared)), None),
                None => (builder, None),
            };
        }
        BodySpec::Chunks(chunks) => (chunks, false),
        BodySpec::Interrupted(chunks) => (chunks, true),
    };
    let mut items: Vec<Result<Bytes, PayloadError>> = chunks
        .into_iter()
        .map(|chunk| Ok(Bytes::from(chunk)))
        .collect();
    if fails {
        let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
        items.push(Err(PayloadError::Incomplete(Some(hang_up))));
    }
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(stream::iter(items));
    (builder, Some(Payload::from(stream)))
}

#[actix_web::test]
async fn the_app_passes_the_conformance_table() {
    let app =
        actix_test::init_service(App::new().configure(example::app(conformance::verifier(), None)))
            .await;
    assert_conformance(conformance::cases(), async |case| {
        let (builder, payload) = request(case);
        let mut request = builder.to_request();
        if let Some(payload) = payload {
            request = request.replace_payload(payload).0;
        }
        let response = actix_test::call_service(&app, request).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(String::from);
        let body = actix_test::read_body(response).await.to_vec();
        Reply {
            status,
            content_type,
            body,
        }
    })
    .await;
}

/// A body over actix-web's own default limit (256 KiB) but within the verifier's reaches the
/// handlers: the verifier's limit is the only one.
#[actix_web::test]
async fn the_verifiers_body_limit_is_the_only_one() {
    let limit = 1024 * 1024;
    let verifier = conformance::verifier().with_body_limit(limit);
    let app = actix_test::init_service(App::new().configure(example::app(verifier, None))).await;
    let body = format!(
        r#"{{"type":"room_archived","payload":{{"pad":"{}"}}}}"#,
        "x".repeat(limit - 100)
    );
    let signature = qiscus_webhook_testkit::sign(conformance::TOKEN, &body);
    for (path, expected) in [
        (
            "/webhook",
            qiscus_webhook_testkit::raw_receipt(body.as_bytes()),
        ),
        (
            "/events",
            qiscus_webhook_testkit::event_reply("room_archived"),
        ),
    ] {
        let request = actix_test::TestRequest::post()
            .uri(path)
            .insert_header(("qiscus-sdk-signature", signature.as_str()))
            .set_payload(body.clone())
            .to_request();
        let response = actix_test::call_service(&app, request).await;
        assert_eq!(response.status(), 200, "{path}");
        let answer = actix_test::read_body(response).await;
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer, expected, "{path}");
    }
}

process::tests!("actix");
