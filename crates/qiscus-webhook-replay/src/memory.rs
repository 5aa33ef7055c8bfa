//! [`MemoryStore`]: the seen-set in this process, sharded and bounded.

use std::collections::HashMap;
use std::fmt;
use std::future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qiscus_webhook::replay::{DeliveryKey, Expiry};

use crate::clock::{Clock, SystemClock};
use crate::store::{BoxFuture, Claim, Owner, ReplayStore, StoreError};

/// How many deliveries a [`MemoryStore::default`] remembers at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// How many shards (each its own lock) a store has at most.
pub const DEFAULT_SHARDS: usize = 16;

/// A seen-set in this process's memory: for one receiver (several receivers need a shared
/// store, such as `RedisStore`).
///
/// - **Sharded**: the keys are spread over up to [`DEFAULT_SHARDS`] maps by their first
///   bytes (uniform: keys are SHA-256 outputs), each behind its own mutex, held only for a
///   map operation (never across an `await`).
/// - **Bounded**: at most [`capacity`](Self::capacity) entries, split evenly over the shards.
///   A claim that finds its shard full first sweeps that shard's expired entries; if every
///   entry is still live it fails with [`StoreError::Full`] (answered 503). It never evicts a
///   live entry: that would let a replay of it through.
/// - **Expiry on an injected [`Clock`]**: an entry whose lease or expiry has passed is
///   reclaimed when its key is next claimed, and by the sweep. With a [`ManualClock`] tests
///   fast-forward instead of sleeping.
///
/// Memory: each entry is a 32-byte key and a 32-byte value in a hash table, about 65 bytes
/// with the table's control byte; the table keeps at least 1/8 of its buckets free and
/// doubles when full, so a full store of `capacity` entries uses about 73 to 146 bytes per
/// entry (BENCHMARKS.md measures it).
///
/// [`ManualClock`]: crate::ManualClock
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use qiscus_webhook::replay::{DeliveryKey, Expiry};
/// use qiscus_webhook_replay::{Claim, ManualClock, MemoryStore, Owner, ReplayStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_752_212_797));
/// let store = MemoryStore::new(1_000).with_clock(clock.clone());
/// let key = DeliveryKey::from_event("post_comment_mobile", "802802");
/// let (first, second) = (Owner::new(), Owner::new());
///
/// let lease = Duration::from_secs(30);
/// assert_eq!(store.claim(key, first, lease).await?, Claim::Claimed);
/// assert!(matches!(store.claim(key, second, lease).await?, Claim::InProgress { .. }));
/// let expiry = Expiry::after(clock.now(), Duration::from_secs(300));
/// assert!(store.commit(key, first, expiry).await?);
/// assert_eq!(store.claim(key, second, lease).await?, Claim::Committed);
///
/// clock.advance(Duration::from_secs(301)); // past the expiry: forgotten
/// assert_eq!(store.claim(key, second, lease).await?, Claim::Claimed);
/// # use qiscus_webhook_replay::Clock;
/// # Ok::<(), qiscus_webhook_replay::StoreError>(())
/// # }).unwrap();
/// ```
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    clock: Arc<dyn Clock>,
}

/// One shard: its entries and the earliest instant any of them ends (a sweep before then
/// would free nothing).
#[derive(Default)]
struct Shard {
    entries: HashMap<DeliveryKey, Entry>,
    /// No entry ends before this (it may end later: a commit can move an end either way, and
    /// this is only lowered, or recomputed by a sweep).
    earliest_end: i64,
}

/// What a key holds: its owner, whether it is committed, and until when (Unix nanoseconds,
/// saturated to `i64`: year 2262, which only ever makes an entry last longer).
#[derive(Clone, Copy)]
struct Entry {
    until: i64,
    owner: Owner,
    committed: bool,
}

impl Entry {
    /// Live at `now`, its end included (as the freshness window includes its edge).
    const fn is_live(&self, now: i64) -> bool {
        now <= self.until
    }
}

impl MemoryStore {
    /// A store remembering at most `capacity` deliveries (rounded up to a multiple of the
    /// shard count), on the system clock.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self::with_shards(capacity, DEFAULT_SHARDS)
    }

    /// A store of `capacity` split over `shards` maps (at least 1, at most `capacity`).
    /// Fewer shards contend more; one shard makes the capacity exact.
    #[must_use]
    pub fn with_shards(capacity: usize, shards: usize) -> Self {
        let shards = shards.clamp(1, capacity.max(1));
        let shard_capacity = capacity.div_ceil(shards);
        Self {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            shard_capacity,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same store on another clock (a [`ManualClock`](crate::ManualClock) in tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many deliveries it can remember at once.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.shard_capacity * self.shards.len()
    }

    /// How many entries it holds now, expired ones not yet reclaimed included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).entries.len())
            .sum()
    }

    /// Whether it holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reclaims every expired entry now (claims do it on their own when a shard is full):
    /// returns how many were removed.
    pub fn sweep(&self) -> usize {
        let now = self.now();
        self.shards.iter().map(|shard| lock(shard).sweep(now)).sum()
    }

    fn now(&self) -> i64 {
        unix_nanos(self.clock.now())
    }

    fn shard(&self, key: &DeliveryKey) -> MutexGuard<'_, Shard> {
        let [a, b, c, d, e, f, g, h, ..] = *key.as_bytes();
        let spread = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
        // `shards.len()` is at least 1 and fits a u64; the remainder is below it.
        let index = (spread % self.shards.len() as u64) as usize;
        lock(&self.shards[index])
    }

    fn claim_now(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let now = self.now();
        let mut shard = self.shard(&key);
        match shard.entries.get(&key) {
            Some(entry) if entry.is_live(now) => {
                return Ok(if entry.committed {
                    Claim::Committed
                } else {
                    Claim::InProgress {
                        retry_after: Duration::from_nanos(entry.until.abs_diff(now)),
                    }
                });
            }
            // Expired: reclaimed by the insert below, which needs no room.
            Some(_) => {}
            None => {
                if shard.entries.len() >= self.shard_capacity
                    && (now <= shard.earliest_end
                        || shard.sweep(now) == 0
                        || shard.entries.len() >= self.shard_capacity)
                {
                    return Err(StoreError::Full);
                }
            }
        }
        let until = now.saturating_add(nanos(lease));
        shard.insert(
            key,
            Entry {
                until,
                owner,
                committed: false,
            },
        );
        Ok(Claim::Claimed)
    }

    fn commit_now(&self, key: DeliveryKey, owner: Owner, expires_at: Expiry) -> bool {
        let now = self.now();
        let mut shard = self.shard(&key);
        let Some(entry) = shard.entries.get_mut(&key) else {
            return false;
        };
        if entry.committed || entry.owner != owner || !entry.is_live(now) {
            return false;
        }
        let until = saturate(expires_at.unix_nanos());
        entry.committed = true;
        entry.until = until;
        shard.earliest_end = shard.earliest_end.min(until);
        true
    }

    fn release_now(&self, key: DeliveryKey, owner: Owner) -> bool {
        let now = self.now();
        let mut shard = self.shard(&key);
        let held = shard
            .entries
            .get(&key)
            .is_some_and(|entry| !entry.committed && entry.owner == owner && entry.is_live(now));
        if held {
            shard.entries.remove(&key);
        }
        held
    }
}

impl Shard {
    fn insert(&mut self, key: DeliveryKey, entry: Entry) {
        if self.entries.is_empty() {
            self.earliest_end = entry.until;
        } else {
            self.earliest_end = self.earliest_end.min(entry.until);
        }
        self.entries.insert(key, entry);
    }

    /// Removes the entries that have ended at `now`; recomputes the earliest end.
    fn sweep(&mut self, now: i64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, entry| entry.is_live(now));
        self.earliest_end = self
            .entries
            .values()
            .map(|entry| entry.until)
            .min()
            .unwrap_or(i64::MAX);
        before - self.entries.len()
    }
}

impl Default for MemoryStore {
    /// [`DEFAULT_CAPACITY`] deliveries, on the system clock.
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity())
            .field("shards", &self.shards.len())
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl ReplayStore for MemoryStore {
    fn claim(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Claim, StoreError>> {
        Box::pin(future::ready(self.claim_now(key, owner, lease)))
    }

    fn commit(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(future::ready(Ok(self.commit_now(key, owner, expires_at))))
    }

    fn release(&self, key: DeliveryKey, owner: Owner) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(future::ready(Ok(self.release_now(key, owner))))
    }
}

/// A shard's lock. A panic while it was held cannot leave a map half-updated (each
/// operation is one `HashMap` call or a whole `retain`), so a poisoned lock is still good.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Unix nanoseconds of `time`, saturated to `i64`.
fn unix_nanos(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// A duration in nanoseconds, saturated to `i64`.
fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

/// An `i128` instant saturated to `i64`.
fn saturate(unix_nanos: i128) -> i64 {
    i64::try_from(unix_nanos).unwrap_or(if unix_nanos < 0 { i64::MIN } else { i64::MAX })
}
