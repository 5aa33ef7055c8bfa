//! The replay guard in the four receiver examples, each run as a user runs it (its binary, in a
//! process of its own, over a real socket): the testkit's replay rows with
//! `QISCUS_WEBHOOK_REPLAY=memory` and with a real `redis-server`; `/events` guarded too and
//! `/unverified` not; and two receivers of different frameworks on one Redis, each suppressing
//! the other's duplicates.
//!
//! A process shows its answers, not its handler's calls nor its store's: each step's answers
//! are checked (`Step::check`: status, JSON body, `Content-Type`, `Retry-After`), and their
//! outcomes say whether the handler ran; with Redis, the number of keys too (a step adds one
//! per delivery it commits; a released, refused or stale delivery leaves none). The memory run
//! leaves out `replay/store_unavailable_is_503`: a receiver's memory store is full only at
//! 100 000 live deliveries, out of a test's reach from outside; the adapters' own tests run
//! that row in process, on a 64-entry store.

#[allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "the process tests of each example are in its own test file"
)]
mod process;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper_util::rt::TokioIo;
use qiscus_webhook_examples::Hooks;
use qiscus_webhook_replay::ReplayGuard;
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::TOKEN;
use qiscus_webhook_testkit::conformance::replay::{self, Answer, Before, Effect, Outcome, Step};
use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::redis_server::RedisServer;
use qiscus_webhook_testkit::spec::RequestSpec;

/// The example `name`, verifying with the conformance token (the rows' signatures), with
/// `QISCUS_WEBHOOK_REPLAY=replay` and the default window, lease and `Retry-After`: those of
/// the rows' harness.
fn receiver(name: &str, replay: &str) -> Example {
    assert_eq!(replay::MAX_AGE, qiscus_webhook::replay::DEFAULT_MAX_AGE);
    assert_eq!(replay::LEASE, ReplayGuard::DEFAULT_LEASE);
    assert_eq!(
        replay::UNAVAILABLE_RETRY_AFTER,
        ReplayGuard::DEFAULT_UNAVAILABLE_RETRY_AFTER
    );
    let vars = [
        ("QISCUS_WEBHOOK_TOKEN", TOKEN),
        ("QISCUS_WEBHOOK_REPLAY", replay),
    ];
    process::start(name, &vars)
}

/// Stops `example` with SIGTERM: a clean exit, and the token never printed.
fn stop(example: Example) {
    let exited = example.terminate().expect("it stops");
    assert!(exited.status.success(), "exit after SIGTERM: {exited:?}");
    assert!(!exited.stderr.contains(TOKEN), "the token was printed");
}

/// One request on its own connection, with every header of the answer kept (`Retry-After`).
async fn send(addr: SocketAddr, spec: RequestSpec) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut request = spec.into_http().expect("a valid request");
    let host = addr.to_string().parse().expect("a valid Host");
    request.headers_mut().insert(http::header::HOST, host);
    let response = sender.send_request(request).await.expect("an answer");
    Answer::from_http(response).await.expect("the whole answer")
}

/// The answer to `request` at `addr` must be `outcome` (the rows' checker).
async fn expect(addr: SocketAddr, request: &RequestSpec, outcome: Outcome) {
    let answer = send(addr, request.clone()).await;
    let step = one_step(vec![request.clone()], vec![outcome]);
    if let Err(failure) = step.check(&[answer]) {
        panic!("{addr}{}: {failure}", request.path);
    }
}

fn one_step(requests: Vec<RequestSpec>, expect: Vec<Outcome>) -> Step {
    Step {
        before: Before::Nothing,
        requests,
        expect,
        effect: Effect::default(),
    }
}

/// The number of keys in `redis`.
fn keys(redis: &RedisServer) -> usize {
    let reply = redis.command("DBSIZE");
    reply
        .strip_prefix(':')
        .and_then(|rest| rest.split("\r\n").next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("DBSIZE answered {reply:?}"))
}

/// A `post_comment_mobile` event sent now, unique in this test binary (not a row's: its text
/// differs), signed with the conformance token.
fn fresh(text: &str) -> SignedRequest {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let sent = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    let body = format!(
        r#"{{"payload":{{"message":{{"id":{id},"text":"{text}","unix_nano_timestamp":{sent}}}}},"type":"post_comment_mobile"}}"#
    );
    SignedRequest::new(TOKEN, body)
}

/// `request` with one more header field.
fn with(mut request: RequestSpec, name: &str, value: &str) -> RequestSpec {
    request
        .headers
        .push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
    request
}

/// Waits (at most [`replay::SETTLE`]) until the receiver at `addr` reaches its store again
/// after Redis restarted: a fresh delivery with `X-Example-Fail: 1` answers 503 until then,
/// and 500 after (claimed, the handler failed, released: nothing stays in the store).
async fn reconnected(addr: SocketAddr) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + replay::SETTLE;
    let probe = with(fresh("probe").to_spec("/webhook"), Hooks::FAIL_HEADER, "1");
    loop {
        let answer = send(addr, probe.clone()).await;
        match answer.status {
            500 => return Ok(()),
            503 if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            status => return Err(format!("after Redis restarted, the probe got {status}")),
        }
    }
}

/// One step of a row against the receiver at `addr`: the store made unavailable or brought
/// back first (only with Redis: the memory run has no such step), the requests sent (at once
/// when there are two), the answers checked; with Redis, one new key per commit.
async fn step(
    addr: SocketAddr,
    step: &Step,
    mut redis: Option<&mut RedisServer>,
) -> Result<(), String> {
    match (step.before, redis.as_deref_mut()) {
        (Before::Nothing, _) => {}
        (Before::StoreDown, Some(redis)) => redis.stop(),
        (Before::StoreUp, Some(redis)) => {
            redis.restart();
            reconnected(addr).await?;
        }
        (before, None) => return Err(format!("{before:?} needs Redis")),
    }
    let running = redis.filter(|_| step.before != Before::StoreDown);
    let before = running.as_deref().map(keys);
    let answers = match step.requests.as_slice() {
        [one] => vec![send(addr, one.clone()).await],
        [first, second] => {
            let (first, second) =
                tokio::join!(send(addr, first.clone()), send(addr, second.clone()));
            vec![first, second]
        }
        more => return Err(format!("{} requests at once", more.len())),
    };
    step.check(&answers)?;
    if let (Some(redis), Some(before)) = (running, before) {
        let added = keys(redis) - before;
        if added != step.effect.commits {
            return Err(format!(
                "Redis gained {added} keys, expected {} (one per commit)",
                step.effect.commits
            ));
        }
    }
    Ok(())
}

/// Every replay row against the example `name` with `QISCUS_WEBHOOK_REPLAY` at `redis`, or
/// `memory` without (then every row but the one that needs the store down).
async fn rows(name: &str, mut redis: Option<RedisServer>) -> Example {
    let url = redis.as_ref().map(RedisServer::url);
    let example = receiver(name, url.as_deref().unwrap_or("memory"));
    let (mut failures, mut left_out) = (Vec::new(), Vec::new());
    let rows = replay::rows();
    for row in &rows {
        let store_down = row.steps.iter().any(|step| step.before != Before::Nothing);
        if store_down && redis.is_none() {
            left_out.push(row.name);
            continue;
        }
        for (index, one) in row.steps.iter().enumerate() {
            if let Err(failure) = step(example.addr(), one, redis.as_mut()).await {
                failures.push(format!("{} step {}: {failure}", row.name, index + 1));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} replay rows failed:\n  {}",
        failures.len(),
        rows.len() - left_out.len(),
        failures.join("\n  ")
    );
    let expected: &[&str] = if redis.is_some() {
        &[]
    } else {
        &["replay/store_unavailable_is_503"]
    };
    assert_eq!(left_out, expected, "the rows left out of the {name} run");
    example
}

/// `/events` is guarded as `/webhook` is (a duplicate, a stale event); `/unverified` is not.
async fn routes(addr: SocketAddr) {
    let event = fresh("an event").to_spec("/events");
    let first = send(addr, event.clone()).await;
    assert_eq!(
        (first.status, first.body.as_slice()),
        (200, br#"{"type":"post_comment_mobile"}"#.as_slice())
    );
    expect(addr, &event, Outcome::Duplicate).await;
    // A real event of 2025: far older than the window.
    let old = SignedRequest::new(
        TOKEN,
        qiscus_webhook_testkit::fixtures::MULTICHANNEL_BOT_2025,
    );
    let stale = Outcome::Refused {
        status: 401,
        code: "stale_event",
        max_retry_after: None,
    };
    expect(addr, &old.to_spec("/events"), stale).await;

    for request in [
        fresh("unverified").to_spec("/unverified"),
        old.to_spec("/unverified"),
    ] {
        // The same bytes, twice: the receipt each time.
        expect(addr, &request, Outcome::Ran).await;
        expect(addr, &request, Outcome::Ran).await;
    }
}

async fn with_memory(name: &str) {
    let example = rows(name, None).await;
    routes(example.addr()).await;
    stop(example);
}

async fn with_redis(name: &str) {
    let example = rows(name, Some(RedisServer::start())).await;
    stop(example);
}

/// The replay tests of each example, in a module named after it.
macro_rules! per_example {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test]
            async fn replay_rows_and_both_routes_with_memory() {
                super::with_memory(stringify!($name)).await;
            }

            #[tokio::test]
            async fn replay_rows_with_redis() {
                super::with_redis(stringify!($name)).await;
            }
        }
    )*};
}

per_example!(axum, actix, warp, rocket);

#[tokio::test]
async fn two_receivers_of_different_frameworks_on_one_redis_suppress_each_others_duplicates() {
    let redis = RedisServer::start();
    let (axum, actix) = (
        receiver("axum", &redis.url()),
        receiver("actix", &redis.url()),
    );
    let (one, other) = (axum.addr(), actix.addr());

    // Accepted by one: a duplicate at the other, either way round.
    for (first, then) in [(one, other), (other, one)] {
        let delivery = fresh("accepted").to_spec("/webhook");
        expect(first, &delivery, Outcome::Ran).await;
        expect(then, &delivery, Outcome::Duplicate).await;
    }

    // Released by one (its handler failed): the retry runs at the other; then a duplicate.
    let delivery = fresh("released").to_spec("/webhook");
    let failing = with(delivery.clone(), Hooks::FAIL_HEADER, "1");
    expect(one, &failing, Outcome::Failed).await;
    expect(other, &delivery, Outcome::Ran).await;
    expect(one, &delivery, Outcome::Duplicate).await;

    // Running at one (its handler delayed): 409 with `Retry-After` at the other.
    let delay = replay::DELAY.as_millis().to_string();
    let running = with(
        fresh("running").to_spec("/webhook"),
        Hooks::DELAY_HEADER,
        &delay,
    );
    let (at_one, at_other) = tokio::join!(send(one, running.clone()), send(other, running.clone()));
    let in_progress = Outcome::Refused {
        status: 409,
        code: "delivery_in_progress",
        max_retry_after: Some(replay::LEASE.as_secs()),
    };
    let pair = one_step(
        vec![running.clone(), running],
        vec![Outcome::Ran, in_progress],
    );
    if let Err(failure) = pair.check(&[at_one, at_other]) {
        panic!("the same delivery at both at once: {failure}");
    }

    // `/events` shares the seen-set too.
    let event = fresh("an event").to_spec("/events");
    let first = send(other, event.clone()).await;
    assert_eq!(
        first.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&first.body)
    );
    expect(one, &event, Outcome::Duplicate).await;

    // What stays in Redis: the five deliveries that ran to a 2xx, nothing of the failure.
    assert_eq!(keys(&redis), 5);
    stop(axum);
    stop(actix);
}
