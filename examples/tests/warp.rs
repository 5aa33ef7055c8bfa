//! The warp receiver example: the conformance table against its routes, and the process
//! itself (configuration errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../warp.rs"]
mod example;

mod process;

use std::io;

use bytes::Bytes;
use futures_util::stream;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use qiscus_webhook_testkit::conformance::{self, Case, Reply, Transfer, assert_conformance};
use tower::ServiceExt;
use warp::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::{HeaderName, HeaderValue, Request};

/// A request body: the case's frames, then the end of the stream or an error.
type CaseBody = StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, io::Error>>>>;

/// The case as an `http::Request` for `warp::service` (as in qiscus-webhook-warp's
/// tests/conformance.rs): every case of the table in process, streamed and failing bodies and
/// repeated headers included (which `warp::test` cannot send).
fn request(case: &Case) -> Request<CaseBody> {
    let mut builder = Request::post(case.path());
    for (name, value) in &case.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.header(name, value);
    }
    if let Some(len) = case.content_length() {
        builder = builder.header(CONTENT_LENGTH, len);
    }
    let chunk = |bytes: &[u8]| Ok(Frame::data(Bytes::copy_from_slice(bytes)));
    let mut frames: Vec<Result<Frame<Bytes>, io::Error>> = match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => vec![chunk(&case.body)],
        Transfer::Chunked | Transfer::Interrupted => case.chunks().map(chunk).collect(),
    };
    if case.transfer == Transfer::Interrupted {
        let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
        frames.push(Err(hang_up));
    }
    builder
        .body(StreamBody::new(stream::iter(frames)))
        .expect("the request is valid")
}

#[tokio::test]
async fn the_routes_pass_the_conformance_table() {
    let service = warp::service(example::routes(conformance::verifier()));
    assert_conformance(conformance::cases(), async |case| {
        let response = service
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
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the response body is readable")
            .to_bytes()
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
    process::assert_refuses("warp", &[], "QISCUS_WEBHOOK_TOKEN");
    process::assert_refuses(
        "warp",
        &[("QISCUS_WEBHOOK_TOKEN", "")],
        "QISCUS_WEBHOOK_TOKEN",
    );
}

#[test]
fn bad_values_exit_2_with_one_line() {
    let token = ("QISCUS_WEBHOOK_TOKEN", process::TOKEN);
    process::assert_refuses(
        "warp",
        &[token, ("QISCUS_WEBHOOK_BODY_LIMIT", "1MB")],
        "QISCUS_WEBHOOK_BODY_LIMIT",
    );
    process::assert_refuses("warp", &[token, ("BIND", "localhost:3000")], "BIND");
}

#[test]
fn it_listens_verifies_and_stops_on_sigterm() {
    process::assert_serves("warp");
}
