//! What the replay tests share: a real `redis-server` they start and stop (the testkit's), signed
//! bodies, and the store harnesses the one behavioural suite runs against.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qiscus_webhook::{Signature, Token, Verified, Verifier};
use qiscus_webhook_replay::{DeliveryKey, ManualClock, MemoryStore, RedisStore, ReplayStore};

pub use qiscus_webhook_testkit::redis_server::RedisServer;

/// The token every test body is signed with.
pub const TOKEN: &str = "replay-test-token";

/// `body` signed with [`TOKEN`] and verified.
pub fn verified(body: &[u8]) -> Verified {
    signed_with(TOKEN, body)
}

/// `body` signed with `token` and verified by a verifier of that token.
pub fn signed_with(token: &str, body: &[u8]) -> Verified {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(body);
    let signature = Signature::from(<[u8; 32]>::from(mac.finalize().into_bytes()));
    Verifier::new(Token::new(token).unwrap())
        .verify(body, &signature)
        .expect("signed with the verifier's token")
}

/// A Qiscus-like `post_comment_mobile` body for message `id`, sent at `sent` (milliseconds in
/// `unix_nano_timestamp`, as Multichannel sends them).
pub fn comment(id: u64, sent: SystemTime) -> Vec<u8> {
    let millis = sent.duration_since(UNIX_EPOCH).unwrap().as_millis();
    format!(
        r#"{{"payload":{{"message":{{"id":{id},"text":"halo","unix_nano_timestamp":{millis}}}}},"type":"post_comment_mobile"}}"#
    )
    .into_bytes()
}

/// A key no other test uses.
pub fn fresh_key() -> DeliveryKey {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    DeliveryKey::from_event("test", &format!("{}-{n}", std::process::id()))
}

/// 2025-07-11T05:46:37Z, where manual clocks start.
pub fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_752_212_797)
}

/// A store under test and its time: the memory store fast-forwards a manual clock, the
/// Redis store waits for real.
pub trait Harness {
    /// The store.
    type Store: ReplayStore + 'static;
    /// The store under test.
    fn store(&self) -> &Self::Store;
    /// Now, on the store's clock.
    fn now(&self) -> SystemTime;
    /// Lets `by` pass on the store's clock.
    fn pass(&self, by: Duration) -> impl Future<Output = ()>;
    /// A lease short enough to wait out.
    fn lease(&self) -> Duration;
}

/// The memory store on a manual clock.
pub struct Memory {
    pub store: MemoryStore,
    pub clock: ManualClock,
}

impl Memory {
    pub fn new(capacity: usize) -> Self {
        let clock = ManualClock::new(start());
        Self {
            store: MemoryStore::new(capacity).with_clock(clock.clone()),
            clock,
        }
    }
}

impl Harness for Memory {
    type Store = MemoryStore;

    fn store(&self) -> &MemoryStore {
        &self.store
    }

    fn now(&self) -> SystemTime {
        use qiscus_webhook_replay::Clock;
        self.clock.now()
    }

    async fn pass(&self, by: Duration) {
        self.clock.advance(by);
    }

    fn lease(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// The Redis store on a real server, in real time.
pub struct Redis {
    pub server: RedisServer,
    pub store: RedisStore,
}

impl Redis {
    pub async fn new() -> Self {
        let server = RedisServer::start();
        let store = RedisStore::connect(&server.url()).await.expect("connect");
        Self { server, store }
    }
}

impl Harness for Redis {
    type Store = RedisStore;

    fn store(&self) -> &RedisStore {
        &self.store
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    async fn pass(&self, by: Duration) {
        tokio::time::sleep(by).await;
    }

    fn lease(&self) -> Duration {
        Duration::from_millis(200)
    }
}
