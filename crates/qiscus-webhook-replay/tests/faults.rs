//! Faults with real parts: Redis killed mid-run (503, the handler does not run), restarted on
//! the same port (the same store and guard work again, nothing rebuilt), and a hung Redis
//! (a timeout, not a hang).

mod support;

use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant, SystemTime};

use qiscus_webhook::Error;
use qiscus_webhook_replay::{
    Admission, Claim, Owner, RedisOptions, RedisStore, ReplayGuard, ReplayStore, StoreError,
};
use support::{RedisServer, comment, fresh_key, verified};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_then_restarted_recovers_without_rebuilding() {
    let mut server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let guard = ReplayGuard::new(store.clone());
    let lease = Duration::from_secs(30);
    assert_eq!(
        store.claim(fresh_key(), Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );

    server.stop();
    // Down: every request is refused with 503, quickly, and never admitted.
    for id in 0..3 {
        let started = Instant::now();
        let body = comment(id, SystemTime::now());
        match guard.begin(&verified(&body), &body).await {
            Err(rejection) => {
                assert_eq!(rejection.error(), Error::ReplayStoreUnavailable);
                assert_eq!(rejection.status_code(), 503);
                assert!(rejection.retry_after_secs().is_some());
                let source = std::error::Error::source(&rejection).expect("the store error");
                let store_error = source.downcast_ref::<StoreError>().expect("a StoreError");
                assert!(
                    matches!(
                        store_error,
                        StoreError::Unavailable(_) | StoreError::Timeout
                    ),
                    "{store_error:?}"
                );
            }
            Ok(admission) => panic!("admitted with Redis down: {admission:?}"),
        }
        // The command timeout (500 ms) bounds it, with room for a loaded machine.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    server.restart();
    // The same store reconnects by itself (its backoff is at most a second apart).
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = comment(100, SystemTime::now());
    let ticket = loop {
        match guard.begin(&verified(&body), &body).await {
            Ok(Admission::Run(ticket)) => break ticket,
            Ok(Admission::Duplicate) => panic!("a new delivery"),
            Err(rejection) => {
                assert_eq!(rejection.error(), Error::ReplayStoreUnavailable);
                assert!(Instant::now() < deadline, "no recovery within 20 s");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    ticket.commit().await.unwrap();
    assert!(matches!(
        guard.begin(&verified(&body), &body).await,
        Ok(Admission::Duplicate)
    ));
}

/// A Redis that accepts connections but never answers: the connection attempt, and so the
/// store, times out instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_times_out() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!(
        "redis://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let options = RedisOptions::default().connect_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let result = RedisStore::connect_with(&url, options).await;
    assert!(
        matches!(
            result,
            Err(StoreError::Timeout | StoreError::Unavailable(_))
        ),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

/// Nothing listening at start: connecting fails (the receiver stops at start, not at its
/// first webhook), and the error quotes no URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_fails_to_connect() {
    let port = qiscus_webhook_testkit::redis_server::free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}");
    let options = RedisOptions::default().connect_timeout(Duration::from_secs(2));
    let error = RedisStore::connect_with(&url, options).await.unwrap_err();
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!text.contains("hunter2"), "{text}");
}
