//! The conformance table over a real socket (Rocket launched on 127.0.0.1, port 0, and shut
//! down through `Shutdown`; the test kit's hand-written HTTP/1.1 client,
//! `qiscus_webhook_testkit::wire`): chunked bodies, a client hanging up mid-body, raw header
//! bytes.
//!
//! Every case but those with a lying `Content-Length` (in process only, see
//! tests/conformance.rs) and the one with a non-UTF-8 signature value, which Rocket 0.5 drops
//! before any guard runs: its own test below pins what Rocket answers instead. The
//! unconfigured rows have no server to go to: without a verifier, launch is refused
//! (tests/conformance.rs).

mod common;
mod server;

use qiscus_webhook_testkit::conformance::{self, Case, Expect, Reply};
use qiscus_webhook_testkit::{raw_receipt, wire};
use rocket::{Build, Rocket};
use server::Server;

fn utf8_headers(case: &Case) -> bool {
    case.headers
        .iter()
        .all(|(_, value)| std::str::from_utf8(value).is_ok())
}

async fn run(rocket: Rocket<Build>, cases: Vec<Case>) {
    let server = Server::start(rocket).await;
    let cases = cases.into_iter().filter(utf8_headers);
    wire::assert_conformance(server.addr, cases).await;
    server.stop().await;
}

#[rocket::async_test]
async fn chunked_body_over_the_limit_is_413_and_at_the_limit_is_200() {
    let server = Server::start(common::with_stage(conformance::verifier())).await;
    wire::assert_body_limit(server.addr).await;
    server.stop().await;
}

#[rocket::async_test]
async fn stage_passes_the_table() {
    run(
        common::with_stage(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[rocket::async_test]
async fn catchers_and_responder_pass_the_table() {
    run(
        common::with_catchers(Some(conformance::verifier())),
        conformance::cases(),
    )
    .await;
    run(
        common::with_responder(Some(conformance::verifier())),
        conformance::cases(),
    )
    .await;
}

/// Rocket 0.5 drops a header field whose value is not UTF-8 (README, "Rocket 0.5
/// limitation"): the table's `webhook/non_ascii_byte` (63 hex digits and the byte 0xE9) is
/// seen as no signature at all, so the answer is 401 `missing_signature`, where the table
/// (and the other adapters) say 401 `malformed_signature`.
#[rocket::async_test]
async fn a_non_utf8_signature_is_dropped_by_rocket_and_refused_as_missing() {
    let server = Server::start(common::with_stage(conformance::verifier())).await;
    let non_ascii = conformance::case("webhook/non_ascii_byte");
    assert!(!utf8_headers(&non_ascii));
    assert_eq!(
        non_ascii.expect,
        Expect::Rejected {
            status: 401,
            code: "malformed_signature"
        }
    );
    let reply = wire::send(server.addr, &non_ascii).await;
    assert_eq!(
        reply,
        Reply {
            status: 401,
            content_type: Some("application/json".into()),
            body: br#"{"error":"missing_signature"}"#.to_vec(),
        }
    );

    // Next to a valid signature, the dropped field goes unseen: the body is accepted on the
    // valid one (the other adapters refuse the duplicate). Only a matching signature passes.
    let mut duplicate = conformance::case("webhook/valid_lowercase_hex");
    let (name, invalid) = non_ascii
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(b"qiscus-sdk-signature"))
        .cloned()
        .expect("a signature field");
    duplicate.headers.push((name.clone(), invalid.clone()));
    let reply = wire::send(server.addr, &duplicate).await;
    assert_eq!(reply.status, 200);
    let receipt: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    assert_eq!(receipt, raw_receipt(&duplicate.body));

    let mut forged = conformance::case("webhook/tampered_body");
    forged.headers.push((name, invalid));
    let reply = wire::send(server.addr, &forged).await;
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (401, &br#"{"error":"signature_mismatch"}"#[..])
    );
    server.stop().await;
}

#[rocket::async_test]
async fn a_stalled_body_is_408_and_closed_within_the_deadline() {
    let deadline = std::time::Duration::from_millis(500);
    for rocket in [
        common::with_stage(conformance::verifier().with_body_timeout(deadline)),
        common::with_responder(Some(conformance::verifier().with_body_timeout(deadline))),
    ] {
        let server = Server::start(rocket).await;
        wire::assert_stalled_body_times_out(server.addr, deadline).await;
        server.stop().await;
    }
}
