//! What the upstream receives from the gateway, and what the gateway answers with: the exact
//! bytes and headers, the path and query, the upstream's status and body, retries, and 502.

mod support;

use std::time::{Duration, Instant};

use qiscus_webhook_replay::{DeliveryKey, KeyPolicy};
use qiscus_webhook_testkit::conformance::{PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_testkit::{raw_receipt, sign};
use serde_json::Value;
use support::{Behaviour, Gateway, Upstream, closed_port, post_signed, send};

/// The `Idempotency-Key` the gateway must send for `body` signed with `token`: the replay
/// crate's delivery key of the signature, in hex.
fn idempotency_key(token: &str, body: &[u8]) -> String {
    let signature: qiscus_webhook::Signature = sign(token, body).parse().unwrap();
    assert_eq!(KeyPolicy::default(), KeyPolicy::Signature);
    DeliveryKey::from_signature(&signature).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_gets_the_exact_bytes_and_the_headers_it_should() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&format!("{}/base/", upstream.url()), &[]);
    // Not JSON a parser would keep: spaces, key order, escapes, a non-UTF-8 byte.
    let body =
        b"{ \"type\" : \"x\",\t\"payload\": {\"z\":1,\"a\":\"\\u003cb\\u003e\"} }\xff\n".to_vec();
    let signature = sign(PREVIOUS_TOKEN, &body);
    let reply = send(
        gateway.addr,
        "POST",
        "/hooks/qiscus?tenant=7&x=%20y",
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("QISCUS-SDK-SIGNATURE", &signature),
            // Forged by the client: replaced.
            ("qiscus-webhook-token-index", "0"),
            ("Idempotency-Key", "client-chosen"),
            // Hop-by-hop, and one named by Connection: dropped.
            ("connection", "keep-alive, x-hop"),
            ("x-hop", "secret hop"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("proxy-authorization", "Basic Zm9vOmJhcg=="),
            ("expect", "100-continue"),
            // End to end: kept.
            ("user-agent", "Qiscus-Webhook/1.0"),
            ("x-request-id", "r-1"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let receipt: Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(receipt, raw_receipt(&body));

    let [request] = &upstream.wait_for(1).await[..] else {
        panic!("one request");
    };
    assert_eq!(request.method, http::Method::POST);
    assert_eq!(request.uri, "/base/hooks/qiscus?tenant=7&x=%20y");
    assert_eq!(request.body, body);
    assert_eq!(
        request.values("content-type"),
        ["application/json; charset=utf-8"]
    );
    assert_eq!(request.values("qiscus-sdk-signature"), [signature]);
    assert_eq!(request.values("qiscus-webhook-token-index"), ["1"]);
    assert_eq!(
        request.values("idempotency-key"),
        [idempotency_key(PREVIOUS_TOKEN, &body)]
    );
    assert_eq!(request.values("content-length"), [body.len().to_string()]);
    assert_eq!(request.values("user-agent"), ["Qiscus-Webhook/1.0"]);
    assert_eq!(request.values("x-request-id"), ["r-1"]);
    assert_eq!(request.values("host"), [upstream.addr.to_string()]);
    for dropped in [
        "x-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "expect",
        "transfer-encoding",
    ] {
        assert!(
            request.values(dropped).is_empty(),
            "{dropped} was forwarded"
        );
    }
    // hyper's client keeps its pooled connection alive without saying so.
    assert!(
        request
            .values("connection")
            .iter()
            .all(|value| !value.contains("x-hop")),
        "{:?}",
        request.values("connection")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_request_is_forwarded_whole_with_its_length() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    let case = qiscus_webhook_testkit::conformance::case("webhook/at_limit_chunked");
    let reply = qiscus_webhook_testkit::wire::send(gateway.addr, &case).await;
    assert_eq!(reply.status, 200);
    let [request] = &upstream.wait_for(1).await[..] else {
        panic!("one request");
    };
    assert_eq!(request.body, case.body);
    assert_eq!(
        request.values("content-length"),
        [case.body.len().to_string()]
    );
    assert!(request.values("transfer-encoding").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_4xx_is_relayed_and_not_retried() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_UPSTREAM_RETRIES", "3")]);
    upstream.script([Behaviour::Answer(422, r#"{"error":"unknown room"}"#)]);
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, b"{}", &[]).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.text(), r#"{"error":"unknown room"}"#);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(upstream.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_5xx_is_retried_then_its_last_status_answered() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_UPSTREAM_RETRIES", "2")]);
    upstream.script([
        Behaviour::Answer(500, r#"{"n":1}"#),
        Behaviour::Answer(502, r#"{"n":2}"#),
        Behaviour::Answer(503, r#"{"n":3}"#),
        Behaviour::Answer(200, r#"{"n":4}"#),
    ]);
    let body = b"{\"type\":\"x\"}";
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, body, &[]).await;
    // One attempt and two retries: the fourth answer is never asked for.
    assert_eq!((reply.status, reply.text().as_str()), (503, r#"{"n":3}"#));
    let received = upstream.received();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_eq!(request.body, &body[..]);
        assert_eq!(
            request.values("idempotency-key"),
            [idempotency_key(TOKEN, body)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_is_the_answer() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    upstream.script([Behaviour::Answer(503, r#"{"busy":true}"#)]);
    let body = br#"{"type":"y"}"#;
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, body, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&reply.body).unwrap(),
        raw_receipt(body)
    );
    assert_eq!(upstream.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_retried_then_502() {
    let upstream = format!("http://127.0.0.1:{}", closed_port());
    let gateway = Gateway::start(&upstream, &[("QISCUS_GATEWAY_UPSTREAM_RETRIES", "2")]);
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, b"{}", &[]).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.text(), r#"{"error":"upstream_unavailable"}"#);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
    let exited = gateway.terminate();
    // Three attempts, each logged on stderr.
    let unreachable = exited
        .stderr
        .iter()
        .filter(|line| line.contains("the upstream is unreachable"))
        .count();
    assert_eq!(unreachable, 3, "{:#?}", exited.stderr);
    let access: Value = serde_json::from_str(&exited.stdout[0]).unwrap();
    assert_eq!(access["outcome"], "upstream_unavailable");
    assert_eq!(access["attempts"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_hangs_gets_the_deadline_then_the_last_status_or_502() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_UPSTREAM_TIMEOUT", "1")]);
    upstream.script([Behaviour::Delay(Duration::from_secs(30))]);
    let started = Instant::now();
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, br#"{"a":1}"#, &[]).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.text(), r#"{"error":"upstream_unavailable"}"#);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A 503, then a hang: the 503 is the last status the upstream gave.
    upstream.script([
        Behaviour::Answer(503, r#"{"n":1}"#),
        Behaviour::Delay(Duration::from_secs(30)),
    ]);
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, br#"{"a":2}"#, &[]).await;
    assert_eq!((reply.status, reply.text().as_str()), (503, r#"{"n":1}"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_on_any_path_and_nothing_but_post() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    for path in ["/", "/webhook", "/a/b/c?d=e"] {
        // Each its own bytes: the replay guard (on, `memory`) answers a repeat as a duplicate.
        let body = format!(r#"{{"path":"{path}"}}"#);
        let reply = post_signed(gateway.addr, path, TOKEN, body.as_bytes(), &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            serde_json::from_slice::<Value>(&reply.body).unwrap(),
            raw_receipt(body.as_bytes())
        );
    }
    let uris: Vec<String> = upstream.received().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/", "/webhook", "/a/b/c?d=e"]);

    let body = b"{}".to_vec();
    let signature = sign(TOKEN, &body);
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let reply = send(
            gateway.addr,
            method,
            "/webhook",
            &[("qiscus-sdk-signature", &signature)],
            body.clone(),
        )
        .await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow").as_deref(), Some("POST"));
        assert_eq!(reply.text(), r#"{"error":"method_not_allowed"}"#);
    }
    assert_eq!(upstream.received().len(), 3);
}
