//! The replay rows through the gateway: the testkit's replay table (memory and a real
//! `redis-server`) through an in-process gateway whose upstream is the table's counting
//! receiver; then the binary itself: `memory` by default, one seen-set for two gateways on one
//! Redis, and Redis down (503 with `Retry-After`, `/readyz` 503) and back.

mod support;

use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use clap::Parser;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use qiscus_webhook_gateway::{Cli, Gateway as InProcess, Settings};
use qiscus_webhook_testkit::conformance::TOKEN;
use qiscus_webhook_testkit::conformance::replay::{Answer, Harness, Hooks, Receiver, Store};
use qiscus_webhook_testkit::redis_server::RedisServer;
use qiscus_webhook_testkit::spec::RequestSpec;
use serde_json::Value;
use support::{Gateway, Upstream, admin_get, fresh_event, post_signed};

/// The upstream of the in-process runs: the table's receiver (it counts its calls and reads
/// the test hooks, which the gateway forwards as any end-to-end header).
async fn receiver(State(receiver): State<Receiver>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let (status, json) = receiver
        .answer(Hooks::from_http(&parts.headers), &body)
        .await;
    let status = http::StatusCode::from_u16(status).unwrap();
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// One request of a row, on its own connection, with every header of the answer kept.
async fn exchange(addr: std::net::SocketAddr, spec: RequestSpec) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = spec.into_http().unwrap();
    request
        .headers_mut()
        .insert(http::header::HOST, addr.to_string().parse().unwrap());
    let response = sender.send_request(request).await.unwrap();
    Answer::from_http(response).await.unwrap()
}

async fn rows_through_the_gateway(store: Store) {
    let harness = Harness::start(store).await;
    let setup = harness.setup();
    let upstream = serve(
        axum::Router::new()
            .fallback(receiver)
            .with_state(setup.receiver.clone()),
    )
    .await;
    // No retries: the rows count the handler's runs, and a 500 (X-Example-Fail) would be
    // tried again.
    let cli = Cli::parse_from([
        "qiscus-webhook-gateway",
        "--upstream",
        &format!("http://{upstream}"),
        "--upstream-retries",
        "0",
    ]);
    let mut settings = Settings::from_options(&cli.options, |name| {
        (name == "QISCUS_WEBHOOK_TOKEN").then(|| TOKEN.into())
    })
    .unwrap();
    settings.verifier = setup.verifier.clone();
    let gateway = InProcess::with_guard(&settings, Some(setup.guard.clone())).unwrap();
    let addr = serve(gateway.router()).await;
    harness
        .check(async |request| exchange(addr, request).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_rows_with_the_memory_store() {
    rows_through_the_gateway(Store::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_rows_with_redis() {
    rows_through_the_gateway(Store::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_guards_with_memory_by_default() {
    let upstream = Upstream::start().await;
    // No QISCUS_WEBHOOK_REPLAY: memory.
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_UPSTREAM_RETRIES", "0")]);
    let body = fresh_event(1);

    // A failure upstream releases the claim: the same bytes run again.
    upstream.script([support::Behaviour::Answer(500, r#"{"error":"down"}"#)]);
    let failed = post_signed(gateway.addr, "/webhook", TOKEN, &body, &[]).await;
    assert_eq!(failed.status, 500);
    let first = post_signed(gateway.addr, "/webhook", TOKEN, &body, &[]).await;
    assert_eq!(first.status, 200, "{}", first.text());

    // Committed: a duplicate, answered without the upstream.
    let again = post_signed(gateway.addr, "/webhook", TOKEN, &body, &[]).await;
    assert_eq!(
        (again.status, again.text().as_str()),
        (200, r#"{"status":"duplicate"}"#)
    );
    assert_eq!(
        again.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(upstream.received().len(), 2);

    // An event an hour old: stale, not forwarded.
    let old = br#"{"payload":{"message":{"timestamp":"2017-09-23T10:34:44Z"}},"type":"post_comment_mobile"}"#;
    let stale = post_signed(gateway.addr, "/webhook", TOKEN, old, &[]).await;
    assert_eq!(
        (stale.status, stale.text().as_str()),
        (401, r#"{"error":"stale_event"}"#)
    );
    assert_eq!(upstream.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_progress_is_409_with_retry_after() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    upstream.script([support::Behaviour::Delay(Duration::from_millis(1500))]);
    let body = fresh_event(2);
    let first = post_signed(gateway.addr, "/webhook", TOKEN, &body, &[]);
    let second = async {
        upstream.wait_for(1).await;
        post_signed(gateway.addr, "/webhook", TOKEN, &body, &[]).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 409);
    assert_eq!(second.text(), r#"{"error":"delivery_in_progress"}"#);
    let retry_after: u64 = second.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=35).contains(&retry_after), "{retry_after}");
    assert_eq!(upstream.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_one_redis_share_the_seen_set_and_redis_down_is_503() {
    let mut redis = RedisServer::start();
    let upstream = Upstream::start().await;
    let env = [("QISCUS_WEBHOOK_REPLAY", redis.url())];
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let one = Gateway::start(&upstream.url(), &env);
    let two = Gateway::start(&upstream.url(), &env);
    assert_eq!(admin_get(one.admin, "/readyz").await.status, 200);

    let body = fresh_event(3);
    let first = post_signed(one.addr, "/webhook", TOKEN, &body, &[]).await;
    assert_eq!(first.status, 200);
    let elsewhere = post_signed(two.addr, "/webhook", TOKEN, &body, &[]).await;
    assert_eq!(elsewhere.text(), r#"{"status":"duplicate"}"#);
    assert_eq!(upstream.received().len(), 1);

    redis.stop();
    let down = post_signed(one.addr, "/webhook", TOKEN, &fresh_event(4), &[]).await;
    assert_eq!(down.status, 503);
    assert_eq!(down.text(), r#"{"error":"replay_store_unavailable"}"#);
    assert_eq!(down.header("retry-after").as_deref(), Some("5"));
    let ready = admin_get(one.admin, "/readyz").await;
    assert_eq!(
        (ready.status, ready.text().as_str()),
        (503, r#"{"status":"replay_store_unavailable"}"#)
    );
    // Liveness is not readiness: the process is fine.
    assert_eq!(admin_get(one.admin, "/healthz").await.status, 200);
    assert_eq!(upstream.received().len(), 1);

    // Redis back (empty): ready again, and the refused delivery runs.
    redis.restart();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while admin_get(one.admin, "/readyz").await.status != 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not ready after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = post_signed(one.addr, "/webhook", TOKEN, &fresh_event(4), &[]).await;
    assert_eq!(back.status, 200, "{}", back.text());
    let receipt: Value = serde_json::from_slice(&back.body).unwrap();
    assert_eq!(receipt["bytes"], fresh_event(4).len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_at_start_stops_the_gateway() {
    let url = format!("redis://127.0.0.1:{}", support::closed_port());
    let mut env = support::base_env("http://127.0.0.1:1");
    env.push(("QISCUS_WEBHOOK_REPLAY".into(), url));
    let output = support::command(&env, &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot reach Redis at redis://127.0.0.1:"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
