//! The adapters' helpers: `ReplayGuard::admit` and `ReplayGuard::run` (the handler between
//! admit and finish), and `NotRun`, the answer instead of the handler.

mod support;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use qiscus_webhook::Error;
use qiscus_webhook_replay::{Finished, MemoryStore, NotRun, ReplayGuard};
use support::{comment, verified};

fn guard() -> ReplayGuard {
    ReplayGuard::new(MemoryStore::default()).with_max_age(Duration::from_secs(300))
}

/// `guard.run` with a handler answering `status` and counting its calls in `calls`.
async fn run(
    guard: &ReplayGuard,
    body: &[u8],
    status: u16,
    calls: &Cell<usize>,
) -> Result<u16, NotRun> {
    let handler = || async {
        calls.set(calls.get() + 1);
        status
    };
    guard
        .run(&verified(body), body, handler, |status| *status)
        .await
}

#[tokio::test]
async fn run_commits_a_2xx_and_answers_the_next_as_a_duplicate_without_the_handler() {
    let (guard, calls) = (guard(), Cell::new(0));
    let body = comment(1, SystemTime::now());
    assert_eq!(run(&guard, &body, 204, &calls).await.unwrap(), 204);
    let again = run(&guard, &body, 204, &calls).await.unwrap_err();
    assert!(matches!(again, NotRun::Duplicate), "{again:?}");
    assert_eq!(
        (
            again.status_code(),
            again.response_body(),
            again.retry_after_secs()
        ),
        (200, r#"{"status":"duplicate"}"#, None)
    );
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn run_releases_anything_else_so_the_retry_runs() {
    let (guard, calls) = (guard(), Cell::new(0));
    let body = comment(2, SystemTime::now());
    for status in [500, 404, 302] {
        assert_eq!(run(&guard, &body, status, &calls).await.unwrap(), status);
    }
    assert_eq!(run(&guard, &body, 200, &calls).await.unwrap(), 200);
    assert!(matches!(
        run(&guard, &body, 200, &calls).await,
        Err(NotRun::Duplicate)
    ));
    assert_eq!(calls.get(), 4);
}

#[tokio::test]
async fn run_refuses_a_stale_event_without_the_handler_and_without_recording_it() {
    let store = Arc::new(MemoryStore::default());
    let guard = ReplayGuard::from_store(store.clone()).with_max_age(Duration::from_secs(300));
    let calls = Cell::new(0);
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let body = comment(3, hour_ago);
    for _ in 0..2 {
        let refused = run(&guard, &body, 200, &calls).await.unwrap_err();
        let rejection = refused.rejection().expect("a rejection");
        assert_eq!(rejection.error(), Error::StaleEvent);
        assert_eq!(
            (refused.status_code(), refused.response_body()),
            (401, r#"{"error":"stale_event"}"#)
        );
        assert_eq!(refused.retry_after_secs(), None);
    }
    assert_eq!(calls.get(), 0);
    assert!(store.is_empty(), "a stale event was recorded");
}

#[tokio::test]
async fn admit_while_the_first_runs_is_409_with_retry_after() {
    let guard = guard().with_lease(Duration::from_secs(12));
    let body = comment(4, SystemTime::now());
    let ticket = guard.admit(&verified(&body), &body).await.unwrap();
    let busy = guard.admit(&verified(&body), &body).await.unwrap_err();
    assert_eq!(
        (busy.status_code(), busy.response_body()),
        (409, r#"{"error":"delivery_in_progress"}"#)
    );
    let retry_after = busy.retry_after_secs().expect("Retry-After");
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    assert_eq!(busy.to_string(), Error::DeliveryInProgress.to_string());
    ticket.commit().await.unwrap();
    assert!(matches!(
        guard.admit(&verified(&body), &body).await,
        Err(NotRun::Duplicate)
    ));
}

/// The client went away: the framework drops the request's future while the handler waits.
/// The ticket's drop releases the claim, so the sender's retry runs at once.
#[tokio::test]
async fn a_run_dropped_mid_handler_releases_the_claim() {
    let guard = guard();
    let body = comment(5, SystemTime::now());
    let started = Arc::new(AtomicUsize::new(0));
    let handler = || {
        let started = Arc::clone(&started);
        async move {
            started.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<u16>().await
        }
    };
    let verified = verified(&body);
    let abandoned = guard.run(&verified, &body, handler, |status| *status);
    // Run it until the handler has started, then drop it there.
    tokio::select! {
        biased;
        _ = abandoned => unreachable!("the handler never answers"),
        () = async {
            while started.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
        } => {}
    }
    // The release is a spawned task: let it run, then the retry is admitted.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let finished = loop {
        match guard.admit(&verified, &body).await {
            Ok(ticket) => break ticket.commit().await.unwrap(),
            Err(NotRun::Rejected(rejection))
                if rejection.error() == Error::DeliveryInProgress
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::task::yield_now().await;
            }
            Err(other) => panic!("not released: {other:?}"),
        }
    };
    assert_eq!(finished, Finished::Committed);
    assert_eq!(started.load(Ordering::SeqCst), 1);
}

#[test]
fn not_run_from_an_error_keeps_its_status_and_body() {
    let refused = NotRun::from(Error::ReplayStoreUnavailable);
    assert_eq!(
        (refused.status_code(), refused.response_body()),
        (503, r#"{"error":"replay_store_unavailable"}"#)
    );
    assert_eq!(NotRun::CONTENT_TYPE, "application/json");
    assert_eq!(
        NotRun::Duplicate.to_string(),
        "a duplicate delivery, already handled"
    );
    assert!(std::error::Error::source(&NotRun::Duplicate).is_none());
}
