//! The `ReplayStore` contract, written once and run against both stores: `MemoryStore` on a
//! manual clock (no sleeps), `RedisStore` on a real `redis-server` (short leases, real waits).

mod support;

use std::sync::Arc;
use std::time::Duration;

use qiscus_webhook_replay::{Claim, Expiry, Owner, ReplayStore};
use support::{Harness, Memory, Redis, fresh_key};

/// Every case of the contract, in order, on one harness.
async fn contract<H: Harness>(harness: &H) {
    claim_then_in_progress(harness).await;
    commit_then_duplicate(harness).await;
    release_frees_the_key(harness).await;
    only_the_owner_finishes(harness).await;
    a_lease_that_is_never_finished_lapses(harness).await;
    a_commit_after_the_lease_is_refused(harness).await;
    a_release_after_the_lease_is_refused(harness).await;
    a_commit_lasts_until_its_expiry(harness).await;
    keys_are_independent(harness).await;
}

async fn claim_then_in_progress<H: Harness>(h: &H) {
    let (store, key, lease) = (h.store(), fresh_key(), h.lease());
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );
    match store.claim(key, Owner::new(), lease).await.unwrap() {
        Claim::InProgress { retry_after } => {
            assert!(
                retry_after <= lease,
                "{retry_after:?} within the lease {lease:?}"
            );
            assert!(
                retry_after > lease / 4,
                "{retry_after:?}: most of the lease is left"
            );
        }
        other => panic!("a claimed key is in progress, not {other:?}"),
    }
}

async fn commit_then_duplicate<H: Harness>(h: &H) {
    let (store, key, lease, owner) = (h.store(), fresh_key(), h.lease(), Owner::new());
    assert_eq!(
        store.claim(key, owner, lease).await.unwrap(),
        Claim::Claimed
    );
    let expiry = Expiry::after(h.now(), Duration::from_secs(300));
    assert!(store.commit(key, owner, expiry).await.unwrap());
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Committed
    );
    // Finishing again changes nothing: a committed key stays committed.
    assert!(!store.commit(key, owner, expiry).await.unwrap());
    assert!(!store.release(key, owner).await.unwrap());
    assert_eq!(
        store.claim(key, owner, lease).await.unwrap(),
        Claim::Committed
    );
}

async fn release_frees_the_key<H: Harness>(h: &H) {
    let (store, key, lease, owner) = (h.store(), fresh_key(), h.lease(), Owner::new());
    assert_eq!(
        store.claim(key, owner, lease).await.unwrap(),
        Claim::Claimed
    );
    assert!(store.release(key, owner).await.unwrap());
    assert!(!store.release(key, owner).await.unwrap(), "released once");
    let retry = Owner::new();
    assert_eq!(
        store.claim(key, retry, lease).await.unwrap(),
        Claim::Claimed
    );
    let expiry = Expiry::after(h.now(), Duration::from_secs(300));
    assert!(store.commit(key, retry, expiry).await.unwrap());
}

async fn only_the_owner_finishes<H: Harness>(h: &H) {
    let (store, key, lease, owner) = (h.store(), fresh_key(), h.lease(), Owner::new());
    let stranger = Owner::new();
    assert_ne!(owner, stranger);
    assert_eq!(
        store.claim(key, owner, lease).await.unwrap(),
        Claim::Claimed
    );
    let expiry = Expiry::after(h.now(), Duration::from_secs(300));
    assert!(!store.commit(key, stranger, expiry).await.unwrap());
    assert!(!store.release(key, stranger).await.unwrap());
    assert!(matches!(
        store.claim(key, stranger, lease).await.unwrap(),
        Claim::InProgress { .. }
    ));
    assert!(store.commit(key, owner, expiry).await.unwrap());
    // Unknown keys: nothing to finish.
    assert!(!store.commit(fresh_key(), owner, expiry).await.unwrap());
    assert!(!store.release(fresh_key(), owner).await.unwrap());
}

/// A handler that never finishes: its lease lapses and the retry is claimed.
async fn a_lease_that_is_never_finished_lapses<H: Harness>(h: &H) {
    let (store, key, lease) = (h.store(), fresh_key(), h.lease());
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );
    h.pass(lease + lease / 2).await;
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );
}

/// A commit after its lease lapsed is refused, whether or not someone claimed since; the new
/// claim is untouched by it.
async fn a_commit_after_the_lease_is_refused<H: Harness>(h: &H) {
    let (store, lease) = (h.store(), h.lease());
    let expiry = || Expiry::after(h.now(), Duration::from_secs(300));

    let (key, late) = (fresh_key(), Owner::new());
    assert_eq!(store.claim(key, late, lease).await.unwrap(), Claim::Claimed);
    h.pass(lease + lease / 2).await;
    assert!(
        !store.commit(key, late, expiry()).await.unwrap(),
        "lapsed, unclaimed"
    );
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );

    let (key, late, next) = (fresh_key(), Owner::new(), Owner::new());
    assert_eq!(store.claim(key, late, lease).await.unwrap(), Claim::Claimed);
    h.pass(lease + lease / 2).await;
    assert_eq!(store.claim(key, next, lease).await.unwrap(), Claim::Claimed);
    assert!(
        !store.commit(key, late, expiry()).await.unwrap(),
        "lapsed, claimed again"
    );
    assert!(matches!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::InProgress { .. }
    ));
    assert!(store.commit(key, next, expiry()).await.unwrap());
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Committed
    );
}

async fn a_release_after_the_lease_is_refused<H: Harness>(h: &H) {
    let (store, lease) = (h.store(), h.lease());
    let (key, late, next) = (fresh_key(), Owner::new(), Owner::new());
    assert_eq!(store.claim(key, late, lease).await.unwrap(), Claim::Claimed);
    h.pass(lease + lease / 2).await;
    assert_eq!(store.claim(key, next, lease).await.unwrap(), Claim::Claimed);
    assert!(!store.release(key, late).await.unwrap());
    assert!(matches!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::InProgress { .. }
    ));
}

/// Committed until the expiry, then forgotten (the freshness window refuses a replay from
/// then on, so nothing reopens).
async fn a_commit_lasts_until_its_expiry<H: Harness>(h: &H) {
    let (store, key, lease, owner) = (h.store(), fresh_key(), h.lease(), Owner::new());
    // Longer than the lease: the commit, not the claim, decides how long it is remembered.
    let remembered = lease * 3;
    assert_eq!(
        store.claim(key, owner, lease).await.unwrap(),
        Claim::Claimed
    );
    assert!(
        store
            .commit(key, owner, Expiry::after(h.now(), remembered))
            .await
            .unwrap()
    );
    h.pass(lease + lease / 2).await;
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Committed
    );
    h.pass(remembered).await;
    assert_eq!(
        store.claim(key, Owner::new(), lease).await.unwrap(),
        Claim::Claimed
    );
}

async fn keys_are_independent<H: Harness>(h: &H) {
    let (store, lease) = (h.store(), h.lease());
    let keys: Vec<_> = (0..20).map(|_| fresh_key()).collect();
    for key in &keys {
        assert_eq!(
            store.claim(*key, Owner::new(), lease).await.unwrap(),
            Claim::Claimed
        );
    }
}

/// Of many concurrent claims of one key, exactly one wins.
async fn one_of_concurrent_claims_wins<S: ReplayStore + 'static>(store: Arc<S>, lease: Duration) {
    let key = fresh_key();
    let claims: Vec<_> = (0..32)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.claim(key, Owner::new(), lease).await.unwrap() })
        })
        .collect();
    let mut claimed = 0;
    for claim in claims {
        match claim.await.unwrap() {
            Claim::Claimed => claimed += 1,
            Claim::InProgress { .. } => {}
            Claim::Committed => panic!("nothing was committed"),
        }
    }
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    contract(&Memory::new(10_000)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_keeps_the_contract() {
    contract(&Redis::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_concurrent_claims() {
    let memory = Memory::new(10_000);
    one_of_concurrent_claims_wins(Arc::new(memory.store), Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_concurrent_claims() {
    let redis = Redis::new().await;
    one_of_concurrent_claims_wins(Arc::new(redis.store.clone()), Duration::from_secs(30)).await;
}

/// The keys in Redis are the documented ones: prefix, hex key, TTLs of the lease and then
/// the expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keys_and_ttls_are_as_documented() {
    let redis = Redis::new().await;
    let (key, owner) = (fresh_key(), Owner::new());
    redis
        .store
        .claim(key, owner, Duration::from_secs(30))
        .await
        .unwrap();
    let name = format!("qiscus-webhook:replay:{key}");
    let value = redis.server.command(&format!("GET {name}"));
    assert!(value.contains(&format!("claim:{owner}")), "{value:?}");
    let ttl = redis.server.command(&format!("PTTL {name}"));
    let ttl: i64 = ttl
        .trim_start_matches(':')
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((25_000..=30_000).contains(&ttl), "lease TTL {ttl} ms");
    let expiry = Expiry::after(std::time::SystemTime::now(), Duration::from_secs(300));
    assert!(redis.store.commit(key, owner, expiry).await.unwrap());
    let value = redis.server.command(&format!("GET {name}"));
    assert!(value.contains(&format!("done:{owner}")), "{value:?}");
    let ttl = redis.server.command(&format!("PTTL {name}"));
    let ttl: i64 = ttl
        .trim_start_matches(':')
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((295_000..=300_000).contains(&ttl), "expiry TTL {ttl} ms");
}
