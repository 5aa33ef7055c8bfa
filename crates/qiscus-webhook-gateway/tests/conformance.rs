//! Every row of the status table through the real gateway, over a socket: the testkit's
//! conformance table sent to the gateway, in front of an upstream that keeps the receiver
//! contract. Refusals are the gateway's (the adapter's, exactly); accepted rows are the
//! upstream's answer, whose receipt proves the exact bytes went through; nothing refused
//! reaches the upstream.

mod support;

use std::time::Duration;

use qiscus_webhook_testkit::conformance::{self, BODY_LIMIT, Case, Expect, TOKEN};
use qiscus_webhook_testkit::wire;
use support::{Gateway, Upstream};

/// The rows about typed parsing (`400 invalid_payload` on `/events`): the gateway does not
/// parse, it forwards any verified body, so these rows are the upstream's to answer, not the
/// gateway's. They are taken out of the table here, and [`typed_rows_are_forwarded`] shows
/// what the gateway does with them instead.
fn is_typed_parsing_row(case: &Case) -> bool {
    matches!(
        case.expect,
        Expect::Rejected {
            code: "invalid_payload",
            ..
        }
    )
}

fn gateway(upstream: &Upstream) -> Gateway {
    Gateway::start(
        &upstream.url(),
        &[
            ("QISCUS_WEBHOOK_BODY_LIMIT", &BODY_LIMIT.to_string()),
            ("QISCUS_WEBHOOK_BODY_TIMEOUT", "1"),
            // The table sends the same signed bytes many times, and its fixture is from
            // 2017: the replay rows have their own tests (tests/replay.rs).
            ("QISCUS_WEBHOOK_REPLAY", "off"),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_table_through_the_gateway() {
    let upstream = Upstream::start().await;
    let gateway = gateway(&upstream);
    let cases: Vec<Case> = conformance::cases()
        .into_iter()
        .filter(|case| !is_typed_parsing_row(case))
        .filter(wire::can_send)
        .collect();
    let accepted = cases
        .iter()
        .filter(|case| matches!(case.expect, Expect::Accepted(_)))
        .count();
    let refused = cases.len() - accepted;
    assert!(
        accepted > 15 && refused > 20,
        "{accepted} accepted, {refused} refused"
    );

    wire::assert_conformance(gateway.addr, cases.clone()).await;
    wire::assert_body_limit(gateway.addr).await;

    // Nothing refused reached the upstream: exactly the accepted rows (and the body limit's
    // one accepted request) did, each with its exact bytes.
    let received = upstream.received();
    assert_eq!(received.len(), accepted + 1);
    let mut expected: Vec<&[u8]> = cases
        .iter()
        .filter(|case| matches!(case.expect, Expect::Accepted(_)))
        .map(|case| case.body.as_slice())
        .collect();
    let at_limit = conformance::case("webhook/at_limit_chunked");
    expected.push(&at_limit.body);
    let got: Vec<&[u8]> = received.iter().map(|request| &request.body[..]).collect();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_refused_with_408_and_the_connection_closed() {
    let upstream = Upstream::start().await;
    let gateway = gateway(&upstream);
    wire::assert_stalled_body_times_out(gateway.addr, Duration::from_secs(1)).await;
    assert!(upstream.received().is_empty());
}

/// The rows taken out of the table: their bodies are verified but not events. The gateway
/// forwards them as they are (it does not parse), and relays the upstream's verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_rows_are_forwarded() {
    let upstream = Upstream::start().await;
    let gateway = gateway(&upstream);
    let typed: Vec<Case> = conformance::cases()
        .into_iter()
        .filter(is_typed_parsing_row)
        .collect();
    assert_eq!(typed.len(), 4, "the table's invalid_payload rows");
    for case in &typed {
        assert!(
            case.headers
                .iter()
                .any(|(name, _)| name == b"qiscus-sdk-signature")
        );
        let reply = wire::send(gateway.addr, case).await;
        // The upstream (the receiver contract) refuses it, not the gateway.
        assert_eq!(reply.status, 400, "{}", case.name);
        assert_eq!(
            reply.error_code().as_deref(),
            Some("invalid_payload"),
            "{}",
            case.name
        );
    }
    let received = upstream.received();
    assert_eq!(received.len(), typed.len());
    for (request, case) in received.iter().zip(&typed) {
        assert_eq!(&request.body[..], &case.body[..], "{}", case.name);
        assert_eq!(request.uri, "/events");
        assert_eq!(
            request.values("qiscus-sdk-signature"),
            [qiscus_webhook_testkit::sign(TOKEN, &case.body)]
        );
    }
}
