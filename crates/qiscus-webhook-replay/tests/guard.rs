//! `ReplayGuard`, the rules of issue 15 one by one, on the memory store and a manual clock;
//! then receivers sharing one Redis.

mod support;

use std::time::Duration;

use qiscus_webhook::Error;
use qiscus_webhook_replay::{
    Admission, Finished, KeyPolicy, ManualClock, MemoryStore, RedisOptions, RedisStore,
    ReplayGuard, StoreError,
};
use support::{Redis, comment, start, verified};

const MAX_AGE: Duration = Duration::from_secs(300);

/// A guard on a memory store, both on one manual clock standing at [`start`].
fn guard(capacity: usize) -> (ReplayGuard, ManualClock) {
    let clock = ManualClock::new(start());
    let store = MemoryStore::with_shards(capacity, 1).with_clock(clock.clone());
    let guard = ReplayGuard::new(store)
        .with_clock(clock.clone())
        .with_max_age(MAX_AGE);
    (guard, clock)
}

/// Runs `begin` and expects the handler to run.
async fn run(guard: &ReplayGuard, body: &[u8]) -> qiscus_webhook_replay::Ticket {
    match guard.begin(&verified(body), body).await {
        Ok(Admission::Run(ticket)) => ticket,
        Ok(Admission::Duplicate) => panic!("a duplicate, expected the handler to run"),
        Err(rejection) => panic!("refused: {rejection:?}"),
    }
}

async fn refusal(guard: &ReplayGuard, body: &[u8]) -> qiscus_webhook::Rejection {
    match guard.begin(&verified(body), body).await {
        Err(rejection) => rejection,
        Ok(admission) => panic!("admitted: {admission:?}"),
    }
}

async fn is_duplicate(guard: &ReplayGuard, body: &[u8]) -> bool {
    matches!(
        guard.begin(&verified(body), body).await,
        Ok(Admission::Duplicate)
    )
}

#[tokio::test]
async fn first_delivery_runs_then_duplicates_answer_200() {
    let (guard, _) = guard(100);
    let body = comment(1, start());
    let ticket = run(&guard, &body).await;
    assert_eq!(ticket.finish(200).await.unwrap(), Finished::Committed);
    assert!(is_duplicate(&guard, &body).await);
    assert!(is_duplicate(&guard, &body).await);
    assert_eq!(qiscus_webhook_replay::DUPLICATE_STATUS, 200);
    assert_eq!(
        qiscus_webhook_replay::DUPLICATE_BODY,
        r#"{"status":"duplicate"}"#
    );
}

#[tokio::test]
async fn a_failed_handler_is_released_and_the_retry_runs() {
    let (guard, _) = guard(100);
    let body = comment(2, start());
    for status in [500, 404, 301, 199, 0] {
        let ticket = run(&guard, &body).await;
        assert_eq!(
            ticket.finish(status).await.unwrap(),
            Finished::Released,
            "{status}"
        );
    }
    let ticket = run(&guard, &body).await;
    assert_eq!(
        guard.finish(ticket, 204).await.unwrap(),
        Finished::Committed
    );
    assert!(is_duplicate(&guard, &body).await);
}

#[tokio::test]
async fn a_delivery_in_progress_is_409_with_the_lease_left() {
    let (guard, clock) = guard(100);
    let body = comment(3, start());
    let ticket = run(&guard, &body).await;
    clock.advance(Duration::from_millis(10_500));
    let busy = refusal(&guard, &body).await;
    assert_eq!(busy.error(), Error::DeliveryInProgress);
    assert_eq!(busy.status_code(), 409);
    assert_eq!(busy.response_body(), r#"{"error":"delivery_in_progress"}"#);
    assert_eq!(
        busy.retry_after(),
        Some(ReplayGuard::DEFAULT_LEASE - Duration::from_millis(10_500))
    );
    assert_eq!(busy.retry_after_secs(), Some(20));
    assert_eq!(ticket.commit().await.unwrap(), Finished::Committed);
}

/// The CI failure of stop 21: the wall clock went back while a claim was held, and the
/// memory store's "lease left" came out longer than the lease (`Retry-After: 31`; one
/// nanosecond back is enough, since whole seconds round up).
#[tokio::test]
async fn a_clock_stepped_back_never_makes_retry_after_longer_than_the_lease() {
    let (guard, clock) = guard(100);
    let body = comment(5, start());
    let ticket = run(&guard, &body).await;
    clock.set(start() - Duration::from_millis(1_500));
    let busy = refusal(&guard, &body).await;
    assert_eq!(busy.error(), Error::DeliveryInProgress);
    assert_eq!(busy.retry_after(), Some(ReplayGuard::DEFAULT_LEASE));
    assert_eq!(busy.retry_after_secs(), Some(30));
    assert_eq!(ticket.commit().await.unwrap(), Finished::Committed);
}

#[tokio::test]
async fn stale_and_far_future_events_are_401_and_never_recorded() {
    let (guard, clock) = guard(100);
    let now = start() + Duration::from_secs(3_600);
    clock.set(now);
    for sent in [
        now - MAX_AGE - Duration::from_millis(1),
        now + MAX_AGE + Duration::from_millis(1),
        start() - Duration::from_secs(86_400 * 365 * 8),
    ] {
        let rejection = refusal(&guard, &comment(4, sent)).await;
        assert_eq!(rejection.error(), Error::StaleEvent);
        assert_eq!(rejection.status_code(), 401);
        assert_eq!(rejection.response_body(), r#"{"error":"stale_event"}"#);
        assert_eq!(rejection.retry_after(), None);
    }
    // The edges are inside.
    for sent in [now - MAX_AGE, now + MAX_AGE] {
        run(&guard, &comment(5, sent)).await.commit().await.unwrap();
    }
}

#[tokio::test]
async fn the_store_is_not_touched_by_a_stale_event() {
    let clock = ManualClock::new(start());
    let store = std::sync::Arc::new(MemoryStore::new(100).with_clock(clock.clone()));
    let guard = ReplayGuard::from_store(store.clone()).with_clock(clock.clone());
    clock.advance(Duration::from_secs(301));
    let body = comment(6, start());
    assert_eq!(refusal(&guard, &body).await.error(), Error::StaleEvent);
    assert!(store.is_empty());
}

/// Remembered until event time + max age; from then on the same bytes are stale, not run.
#[tokio::test]
async fn after_the_expiry_the_replay_is_stale_not_rerun() {
    let (guard, clock) = guard(100);
    let body = comment(7, start());
    clock.advance(Duration::from_secs(60));
    run(&guard, &body).await.commit().await.unwrap();
    clock.set(start() + MAX_AGE);
    assert!(
        is_duplicate(&guard, &body).await,
        "the edge instant is still remembered"
    );
    clock.advance(Duration::from_nanos(1));
    assert_eq!(refusal(&guard, &body).await.error(), Error::StaleEvent);
}

/// No event time (not JSON, or no time field): deduplicated for max age from the arrival,
/// never refused as stale.
#[tokio::test]
async fn a_body_without_event_time_is_deduplicated_only() {
    let (guard, clock) = guard(100);
    for body in [
        &b"not json at all"[..],
        br#"{"type":"room_deleted","payload":{"room_id":1}}"#,
    ] {
        clock.advance(Duration::from_secs(10));
        run(&guard, body).await.commit().await.unwrap();
        clock.advance(MAX_AGE);
        assert!(is_duplicate(&guard, body).await);
        clock.advance(Duration::from_secs(1));
        run(&guard, body).await.commit().await.unwrap();
    }
}

#[tokio::test]
async fn the_event_policy_makes_a_reserialised_redelivery_a_duplicate() {
    let (guard, _) = guard(100);
    let guard = guard.with_key_policy(KeyPolicy::EventAndMessageId);
    let body = comment(8, start());
    // The same event, other bytes (spacing, key order): another signature.
    let other = String::from_utf8(body.clone())
        .unwrap()
        .replace(r#""text":"halo","#, "")
        + " ";
    assert_ne!(
        verified(&body).signature().as_bytes(),
        verified(other.as_bytes()).signature().as_bytes()
    );
    run(&guard, &body).await.commit().await.unwrap();
    assert!(is_duplicate(&guard, other.as_bytes()).await);

    // The default policy runs it again.
    let (default, _) = self::guard(100);
    run(&default, &body).await.commit().await.unwrap();
    run(&default, other.as_bytes())
        .await
        .commit()
        .await
        .unwrap();
}

/// Full: 503 with Retry-After and the store error as the source; the handler does not run.
/// Expired entries free room; live ones are never evicted.
#[tokio::test]
async fn a_full_memory_store_is_503_until_entries_expire() {
    let (guard, clock) = guard(3);
    let guard = guard.with_unavailable_retry_after(Duration::from_secs(7));
    for id in 10..13 {
        run(&guard, &comment(id, start()))
            .await
            .commit()
            .await
            .unwrap();
    }
    let full = refusal(&guard, &comment(13, start())).await;
    assert_eq!(full.error(), Error::ReplayStoreUnavailable);
    assert_eq!(full.status_code(), 503);
    assert_eq!(
        full.response_body(),
        r#"{"error":"replay_store_unavailable"}"#
    );
    assert_eq!(full.retry_after_secs(), Some(7));
    let source = std::error::Error::source(&full).expect("the store error");
    assert!(matches!(
        source.downcast_ref::<StoreError>(),
        Some(StoreError::Full)
    ));
    // The three are still remembered: nothing was evicted for the newcomer.
    for id in 10..13 {
        assert!(is_duplicate(&guard, &comment(id, start())).await);
    }
    // Past their expiry (start + 300 s), they are swept for a newer event.
    clock.set(start() + MAX_AGE + Duration::from_secs(1));
    let newer = comment(14, start() + MAX_AGE);
    run(&guard, &newer).await.commit().await.unwrap();
}

/// A handler that never finishes: the lease lapses, the retry runs; the first handler's late
/// commit is refused and the retry's stands.
#[tokio::test]
async fn a_handler_that_never_finishes_loses_its_lease() {
    let (guard, clock) = guard(100);
    let guard = guard.with_lease(Duration::from_secs(5));
    let body = comment(20, start());
    let stuck = run(&guard, &body).await;
    clock.advance(Duration::from_secs(6));
    let retry = run(&guard, &body).await;
    assert_eq!(stuck.commit().await.unwrap(), Finished::LeaseLost);
    assert!(matches!(
        refusal(&guard, &body).await.error(),
        Error::DeliveryInProgress
    ));
    assert_eq!(retry.commit().await.unwrap(), Finished::Committed);
    assert!(is_duplicate(&guard, &body).await);
}

/// A ticket dropped unfinished (panic, cancelled request) is released at once, so the retry
/// runs without waiting for the lease.
#[tokio::test]
async fn a_dropped_ticket_is_released() {
    let (guard, _) = guard(100);
    let body = comment(21, start());
    drop(run(&guard, &body).await);
    // The release runs on a spawned task: let it.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    run(&guard, &body).await.commit().await.unwrap();
}

/// Outside a runtime a dropped ticket cannot spawn; the lease ends the claim.
#[test]
fn a_ticket_dropped_outside_a_runtime_lapses_with_its_lease() {
    let (guard, clock) = guard(100);
    let body = comment(22, start());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ticket = runtime.block_on(run(&guard, &body));
    drop(ticket);
    let busy = runtime.block_on(refusal(&guard, &body));
    assert_eq!(busy.error(), Error::DeliveryInProgress);
    clock.advance(ReplayGuard::DEFAULT_LEASE + Duration::from_secs(1));
    runtime.block_on(async { run(&guard, &body).await.commit().await.unwrap() });
}

/// Receivers sharing one Redis share one seen-set; another prefix is another set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_on_one_redis_share_the_seen_set() {
    let redis = Redis::new().await;
    let url = redis.server.url();
    let first = ReplayGuard::new(RedisStore::connect(&url).await.unwrap());
    let second = ReplayGuard::new(RedisStore::connect(&url).await.unwrap());
    let body = comment(30, std::time::SystemTime::now());
    run(&first, &body).await.commit().await.unwrap();
    assert!(is_duplicate(&second, &body).await);

    let in_flight = comment(31, std::time::SystemTime::now());
    let ticket = run(&second, &in_flight).await;
    let busy = refusal(&first, &in_flight).await;
    assert_eq!(busy.error(), Error::DeliveryInProgress);
    assert!(
        busy.retry_after_secs()
            .is_some_and(|s| (1..=30).contains(&s))
    );
    ticket.release().await.unwrap();
    run(&first, &in_flight).await.commit().await.unwrap();

    let options = RedisOptions::default().prefix("another-app:");
    let apart = ReplayGuard::new(RedisStore::connect_with(&url, options).await.unwrap());
    run(&apart, &body).await.commit().await.unwrap();
}
