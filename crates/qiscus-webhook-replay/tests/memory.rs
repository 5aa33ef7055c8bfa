//! `MemoryStore` beyond the shared contract: its bound, its shards, and reclaiming expired
//! entries (lazily, and by the sweep of a full shard), on a manual clock.

mod support;

use std::time::Duration;

use qiscus_webhook_replay::{
    Claim, Clock, DEFAULT_CAPACITY, Expiry, ManualClock, MemoryStore, Owner, ReplayStore,
    StoreError,
};
use support::{fresh_key, start};

const LEASE: Duration = Duration::from_secs(30);

fn store(capacity: usize, shards: usize) -> (MemoryStore, ManualClock) {
    let clock = ManualClock::new(start());
    (
        MemoryStore::with_shards(capacity, shards).with_clock(clock.clone()),
        clock,
    )
}

#[test]
fn capacity_is_split_over_the_shards() {
    assert_eq!(MemoryStore::default().capacity(), DEFAULT_CAPACITY);
    assert_eq!(MemoryStore::new(100).capacity(), 112); // 16 shards of 7
    assert_eq!(MemoryStore::with_shards(100, 1).capacity(), 100);
    assert_eq!(MemoryStore::with_shards(3, 16).capacity(), 3); // at most one shard per entry
    assert_eq!(MemoryStore::with_shards(10, 0).capacity(), 10);
    assert_eq!(MemoryStore::new(0).capacity(), 0);
    let debug = format!("{:?}", MemoryStore::new(100));
    assert!(
        debug.contains("capacity: 112") && debug.contains("shards: 16"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_zero_capacity_store_refuses_everything() {
    let (store, _) = store(0, 1);
    assert!(matches!(
        store.claim(fresh_key(), Owner::new(), LEASE).await,
        Err(StoreError::Full)
    ));
}

/// Full of live claims and commits: refused, nothing evicted; lapsed claims and expired
/// commits are swept for newcomers.
#[tokio::test]
async fn full_shards_sweep_only_what_has_ended() {
    let (store, clock) = store(4, 1);
    let (claimed, committed) = ([fresh_key(), fresh_key()], [fresh_key(), fresh_key()]);
    for key in claimed {
        store.claim(key, Owner::new(), LEASE).await.unwrap();
    }
    for key in committed {
        let owner = Owner::new();
        store.claim(key, owner, LEASE).await.unwrap();
        let expiry = Expiry::after(clock.now(), Duration::from_secs(300));
        assert!(store.commit(key, owner, expiry).await.unwrap());
    }
    assert_eq!(store.len(), 4);
    let newcomer = fresh_key();
    assert!(matches!(
        store.claim(newcomer, Owner::new(), LEASE).await,
        Err(StoreError::Full)
    ));
    // The claims lapse first: their room goes to newcomers, the commits stay.
    clock.advance(LEASE + Duration::from_secs(1));
    assert_eq!(
        store.claim(newcomer, Owner::new(), LEASE).await.unwrap(),
        Claim::Claimed
    );
    assert_eq!(store.len(), 3, "both lapsed claims swept, one newcomer in");
    for key in committed {
        assert_eq!(
            store.claim(key, Owner::new(), LEASE).await.unwrap(),
            Claim::Committed
        );
    }
    // Full again; once the commits expire, claiming their keys reuses their own entries.
    store.claim(fresh_key(), Owner::new(), LEASE).await.unwrap();
    assert_eq!(store.len(), 4);
    clock.advance(Duration::from_secs(300));
    for key in committed {
        assert_eq!(
            store.claim(key, Owner::new(), LEASE).await.unwrap(),
            Claim::Claimed
        );
    }
    assert_eq!(store.len(), 4);
}

#[tokio::test]
async fn sweep_removes_what_has_ended() {
    let (store, clock) = store(1_000, 16);
    for _ in 0..100 {
        store.claim(fresh_key(), Owner::new(), LEASE).await.unwrap();
    }
    assert_eq!(store.sweep(), 0);
    clock.advance(LEASE); // the end itself is still live
    assert_eq!(store.sweep(), 0);
    clock.advance(Duration::from_nanos(1));
    assert_eq!(store.sweep(), 100);
    assert!(store.is_empty());
}

/// Many keys over 16 shards: each shard refuses at its share, never evicting; the whole
/// capacity is never exceeded.
#[tokio::test]
async fn a_sharded_store_never_holds_more_than_its_capacity() {
    let (store, _) = store(1_600, 16);
    let mut admitted = 0;
    let mut refused = 0;
    for _ in 0..3_000 {
        match store.claim(fresh_key(), Owner::new(), LEASE).await {
            Ok(Claim::Claimed) => admitted += 1,
            Err(StoreError::Full) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(store.len(), admitted);
    assert!(admitted <= store.capacity());
    assert!(
        admitted > 1_400,
        "uniform keys fill most of the shards: {admitted}"
    );
    assert_eq!(admitted + refused, 3_000);
}
