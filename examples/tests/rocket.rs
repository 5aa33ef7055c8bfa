//! The rocket receiver example: the conformance table against its Rocket (in process, and over
//! a socket, where bodies really stream), and the process itself (configuration
//! errors, listening line, a signed request, graceful SIGTERM).

#[allow(
    dead_code,
    reason = "the example's `main` is exercised through its binary below"
)]
#[path = "../rocket.rs"]
mod example;

mod process;

// The socket server of qiscus-webhook-rocket's own tests.
#[path = "../../crates/qiscus-webhook-rocket/tests/server/mod.rs"]
mod server;

use qiscus_webhook_testkit::conformance::{self, Case, Reply, assert_conformance};
use qiscus_webhook_testkit::spec::BodySpec;
use qiscus_webhook_testkit::wire;
use rocket::http::Header;
use rocket::local::asynchronous::Client;

/// The case's header fields (`Case::request`) as Rocket headers, if the local client can send
/// them (its values are `&str`; the one non-UTF-8 case is in qiscus-webhook-rocket's
/// tests/socket.rs).
fn rocket_headers(case: &Case) -> Option<Vec<Header<'static>>> {
    let spec = case.request();
    let length = spec
        .content_length
        .map(|len| (b"content-length".to_vec(), len.to_string().into_bytes()));
    spec.headers
        .into_iter()
        .chain(length)
        .map(|(name, value)| {
            let name = String::from_utf8(name).ok()?;
            let value = String::from_utf8(value).ok()?;
            Some(Header::new(name, value))
        })
        .collect()
}

/// What the local client can send: the body whole, from memory (a `Chunked` case goes without
/// `Content-Length`), never a body that fails mid-way.
fn in_process(case: &Case) -> bool {
    !matches!(case.request().body, BodySpec::Interrupted(_)) && rocket_headers(case).is_some()
}

#[rocket::async_test]
async fn the_rocket_passes_the_conformance_table_in_process() {
    let client = Client::untracked(example::app(conformance::verifier(), None))
        .await
        .expect("a valid rocket");
    let cases = conformance::cases().into_iter().filter(in_process);
    assert_conformance(cases, async |case| {
        let mut request = client.post(case.path()).body(case.request().body.bytes());
        for header in rocket_headers(case).expect("in_process: UTF-8 headers") {
            request = request.header(header);
        }
        let response = request.dispatch().await;
        let status = response.status().code;
        let content_type = response.headers().get_one("content-type").map(String::from);
        let body = response.into_bytes().await.unwrap_or_default();
        Reply {
            status,
            content_type,
            body,
        }
    })
    .await;
}

/// Over a socket: the bodies that really stream in (chunked, or cut short by a client hanging
/// up), and every other case a socket can carry (not a lying `Content-Length`).
#[rocket::async_test]
async fn the_rocket_passes_the_conformance_table_over_a_socket() {
    let server = server::Server::start(example::app(conformance::verifier(), None)).await;
    let cases = conformance::cases()
        .into_iter()
        .filter(|case| rocket_headers(case).is_some());
    wire::assert_conformance(server.addr, cases).await;
    server.stop().await;
}

process::tests!("rocket");
