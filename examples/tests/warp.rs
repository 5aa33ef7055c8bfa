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

use std::io;

use bytes::Bytes;
use futures_util::stream;
use http_body::Frame;
use http_body_util::StreamBody;
use qiscus_webhook_testkit::conformance::{self, Case, Transfer, assert_conformance};
use warp::http::Request;

/// A request body: the case's frames, then the end of the stream or an error.
type CaseBody = StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, io::Error>>>>;

/// The case as an `http::Request` for `warp::service` (as in qiscus-webhook-warp's
/// tests/conformance.rs): every case of the table in process, streamed and failing bodies and
/// repeated headers included (which `warp::test` cannot send).
fn request(case: &Case) -> Request<CaseBody> {
    let chunk = |bytes: &[u8]| Ok(Frame::data(Bytes::copy_from_slice(bytes)));
    let mut frames: Vec<Result<Frame<Bytes>, io::Error>> = match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => vec![chunk(&case.body)],
        Transfer::Chunked | Transfer::Interrupted => case.chunks().map(chunk).collect(),
    };
    if case.transfer == Transfer::Interrupted {
        let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
        frames.push(Err(hang_up));
    }
    service::request_head(case)
        .body(StreamBody::new(stream::iter(frames)))
        .expect("the request is valid")
}

#[tokio::test]
async fn the_routes_pass_the_conformance_table() {
    let service = warp::service(example::routes(conformance::verifier()));
    assert_conformance(conformance::cases(), async |case| {
        service::reply(&service, request(case)).await
    })
    .await;
}

process::tests!("warp");
