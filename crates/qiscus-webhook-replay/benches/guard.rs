//! `cargo bench -p qiscus-webhook-replay --bench guard`
//!
//! What the replay guard adds to one webhook request, after verification, with the real
//! Multichannel payload (1.2 KiB, its text made unique per request):
//!
//! - `memory/begin+commit`: a first delivery through `ReplayGuard` on a `MemoryStore`: read
//!   the event time from the body, check the window, hash the key, claim, commit;
//! - `memory/duplicate`: the same for a delivery already committed (`Admission::Duplicate`);
//! - `memory/store_claim+commit`: the store's own part (claim and commit of a precomputed key);
//! - `redis/begin+commit`: a first delivery on a `RedisStore`, over loopback to a
//!   `redis-server` the bench starts itself (two round trips: claim, commit), and
//!   `redis/duplicate` (one round trip);
//! - `parts/event_time` and `parts/key`: the two pure steps on their own.
//!
//! Each timed batch uses unique deliveries on a fresh store (a new `MemoryStore`, or a
//! `FLUSHALL`ed Redis), prepared outside the timing.
//!
//! Then the memory per remembered delivery, printed (not a criterion row): the live heap
//! bytes of a `MemoryStore` holding N committed deliveries, counted by a global allocator
//! that tallies every allocation and deallocation, divided by N; and Redis's `used_memory`
//! (from `INFO memory`) before and after N committed deliveries, divided by N.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use qiscus_webhook::events::event_time;
use qiscus_webhook::{Signature, Token, Verified, Verifier};
use qiscus_webhook_replay::{
    Admission, Clock, DeliveryKey, Expiry, KeyPolicy, ManualClock, MemoryStore, Owner, RedisStore,
    ReplayGuard, ReplayStore,
};
use qiscus_webhook_testkit::redis_server::{self, RedisServer};

/// Live heap bytes, all threads.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the only addition is an
// atomic counter, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded with the caller's guarantees for `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TOKEN: &str = "qiscus-dashboard-signature-token";
/// Unique deliveries per fresh store.
const BATCH: usize = 1 << 15;

/// The Multichannel fixture, sent at `sent`, its text made unique by `n`.
fn body(n: usize, sent: SystemTime) -> Vec<u8> {
    let fixture = std::str::from_utf8(include_bytes!(
        "../../../fixtures/multichannel_bot_2025.json"
    ))
    .expect("UTF-8");
    let millis = sent
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    fixture
        .replacen("chat postman 2", &format!("chat postman {n:08}"), 1)
        .replacen("1752212797000", &millis.to_string(), 1)
        .into_bytes()
}

fn verify(body: &[u8]) -> Verified {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(TOKEN.as_bytes()).expect("any key");
    mac.update(body);
    let signature = Signature::from(<[u8; 32]>::from(mac.finalize().into_bytes()));
    Verifier::new(Token::new(TOKEN).expect("a token"))
        .verify(body, &signature)
        .expect("signed with the token")
}

/// `BATCH` unique verified deliveries sent at `sent`.
fn deliveries(sent: SystemTime) -> Vec<(Vec<u8>, Verified)> {
    (0..BATCH)
        .map(|n| {
            let body = body(n, sent);
            let verified = verify(&body);
            (body, verified)
        })
        .collect()
}

async fn admit(guard: &ReplayGuard, verified: &Verified, body: &[u8]) {
    match guard.begin(verified, body).await {
        Ok(Admission::Run(ticket)) => {
            black_box(ticket.commit().await.expect("committed"));
        }
        Ok(Admission::Duplicate) => panic!("a unique delivery"),
        Err(rejection) => panic!("refused: {rejection:?}"),
    }
}

/// Times `iters` first deliveries, a fresh store (from `fresh`) for each batch.
async fn first_deliveries<F, Fut>(
    iters: u64,
    pool: &[(Vec<u8>, Verified)],
    mut fresh: F,
) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ReplayGuard>,
{
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let guard = fresh().await;
        let batch = left.min(pool.len());
        let started = Instant::now();
        for (body, verified) in &pool[..batch] {
            admit(&guard, verified, body).await;
        }
        total += started.elapsed();
        left -= batch;
    }
    total
}

fn memory(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sent = SystemTime::now();
    let clock = ManualClock::new(sent + Duration::from_secs(1));
    let pool = deliveries(sent);

    let mut group = c.benchmark_group("memory");
    group.bench_function("begin+commit", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let (pool, clock) = (&pool, clock.clone());
            async move {
                first_deliveries(iters, pool, || {
                    let clock = clock.clone();
                    async move {
                        let store = MemoryStore::new(2 * BATCH).with_clock(clock.clone());
                        ReplayGuard::new(store).with_clock(clock)
                    }
                })
                .await
            }
        });
    });

    let keys: Vec<DeliveryKey> = pool
        .iter()
        .map(|(body, verified)| KeyPolicy::Signature.key(verified, body))
        .collect();
    let expiry = Expiry::after(clock.now(), Duration::from_secs(300));
    group.bench_function("store_claim+commit", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let (keys, clock) = (&keys, clock.clone());
            async move {
                let mut total = Duration::ZERO;
                let mut left = iters as usize;
                while left > 0 {
                    let store = MemoryStore::new(2 * BATCH).with_clock(clock.clone());
                    let batch = left.min(keys.len());
                    let started = Instant::now();
                    for key in &keys[..batch] {
                        let owner = Owner::new();
                        store
                            .claim(*key, owner, Duration::from_secs(30))
                            .await
                            .expect("room");
                        assert!(store.commit(*key, owner, expiry).await.expect("committed"));
                    }
                    total += started.elapsed();
                    left -= batch;
                }
                total
            }
        });
    });

    let store = MemoryStore::new(2 * BATCH).with_clock(clock.clone());
    let guard = ReplayGuard::new(store).with_clock(clock.clone());
    let (body, verified) = &pool[0];
    runtime.block_on(admit(&guard, verified, body));
    group.bench_function("duplicate", |b| {
        b.to_async(&runtime).iter(|| async {
            let admission = guard.begin(verified, body).await.expect("admitted");
            assert!(matches!(admission, Admission::Duplicate));
        });
    });
    group.finish();

    let mut parts = c.benchmark_group("parts");
    parts.bench_function("event_time", |b| b.iter(|| event_time(black_box(body))));
    parts.bench_function("key", |b| {
        b.iter(|| KeyPolicy::Signature.key(black_box(verified), black_box(body)));
    });
    parts.bench_function("key_event_and_message_id", |b| {
        b.iter(|| KeyPolicy::EventAndMessageId.key(black_box(verified), black_box(body)));
    });
    parts.finish();
}

fn redis(c: &mut Criterion) {
    if !RedisServer::available() {
        println!("redis/begin+commit skipped: {}", redis_server::NOT_FOUND);
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = RedisServer::start();
    let store = runtime
        .block_on(RedisStore::connect(&server.url()))
        .expect("connect");
    let pool = deliveries(SystemTime::now());

    let mut group = c.benchmark_group("redis");
    group.sample_size(20);
    group.bench_function("begin+commit", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let (pool, server, store) = (&pool, &server, store.clone());
            async move {
                first_deliveries(iters, pool, || {
                    let store = store.clone();
                    async move {
                        assert!(server.command("FLUSHALL").contains("+OK"));
                        ReplayGuard::new(store)
                    }
                })
                .await
            }
        });
    });

    assert!(server.command("FLUSHALL").contains("+OK"));
    let guard = ReplayGuard::new(store.clone());
    let (body, verified) = &pool[0];
    runtime.block_on(admit(&guard, verified, body));
    group.bench_function("duplicate", |b| {
        b.to_async(&runtime).iter(|| async {
            let admission = guard.begin(verified, body).await.expect("admitted");
            assert!(matches!(admission, Admission::Duplicate));
        });
    });
    group.finish();
}

/// Live heap bytes per committed delivery in a `MemoryStore` of `n`, and in Redis.
fn memory_per_delivery() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now = SystemTime::now();
    let lease = Duration::from_secs(30);
    let expiry = Expiry::after(now, Duration::from_secs(300));
    let keys = |n: usize| (0..n).map(|i| DeliveryKey::from_event("bench", &i.to_string()));
    for n in [100_000, 131_072, 1_000_000] {
        let before = LIVE.load(Ordering::Relaxed);
        // Twice the room: a shard refuses at its share of the capacity, and the keys spread
        // unevenly.
        let store = MemoryStore::new(2 * n);
        runtime.block_on(async {
            for key in keys(n) {
                let owner = Owner::new();
                store.claim(key, owner, lease).await.expect("room");
                assert!(store.commit(key, owner, expiry).await.expect("committed"));
            }
        });
        let bytes = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "memory store: {n} deliveries, {bytes} live heap bytes, {:.1} bytes per delivery",
            bytes as f64 / n as f64
        );
        drop(store);
    }
    if !RedisServer::available() {
        println!("redis memory skipped: {}", redis_server::NOT_FOUND);
        return;
    }
    let server = RedisServer::start();
    let used = || {
        let info = server.command("INFO memory");
        info.lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|value| value.trim().parse::<i64>().ok())
            .expect("used_memory in INFO memory")
    };
    let n = 100_000;
    runtime.block_on(async {
        let store = RedisStore::connect(&server.url()).await.expect("connect");
        let before = used();
        for key in keys(n) {
            let owner = Owner::new();
            store.claim(key, owner, lease).await.expect("claimed");
            assert!(store.commit(key, owner, expiry).await.expect("committed"));
        }
        let bytes = used() - before;
        println!(
            "redis: {n} deliveries, used_memory +{bytes} bytes, {:.1} bytes per delivery",
            bytes as f64 / n as f64
        );
    });
}

fn all(c: &mut Criterion) {
    memory(c);
    redis(c);
    memory_per_delivery();
}

criterion_group!(benches, all);
criterion_main!(benches);
