//! [`ReplayStore`]: where seen deliveries are remembered, and what it answers.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qiscus_webhook::BoxError;
use qiscus_webhook::replay::{DeliveryKey, Expiry};

/// The future every [`ReplayStore`] method returns: boxed, so that the trait is
/// dyn-compatible (a [`ReplayGuard`](crate::ReplayGuard) holds an `Arc<dyn ReplayStore>`,
/// whichever store the configuration chose), and `Send`, so that a handler's future that
/// awaits it can run on a multi-threaded runtime.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The answer to [`ReplayStore::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The key was free (never seen, released, or its entry expired): it is now claimed by
    /// the caller's owner for the lease, and the handler must run.
    Claimed,
    /// The key was committed: a duplicate, whose handler already succeeded.
    Committed,
    /// The key is claimed by another owner whose handler has not finished; its lease ends in
    /// `retry_after`, by the store's clock (the guard answers at most its own lease: a clock
    /// stepped back can make what is left look longer).
    InProgress {
        /// What is left of the other owner's lease.
        retry_after: Duration,
    },
}

/// Why a store could not answer. Every variant is answered 503
/// `{"error":"replay_store_unavailable"}` with `Retry-After`, and the handler does not run: a
/// duplicate could not be ruled out.
///
/// `Display` never contains a key, an owner or a Redis URL; the cause of
/// [`Unavailable`](StoreError::Unavailable) is kept as [`source`](StdError::source), for logs.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The memory store is at capacity and every entry in the key's shard is still live:
    /// evicting one would reopen a replay, so the new delivery is refused instead.
    Full,
    /// The store did not answer within its command timeout (a hung or unreachable Redis).
    Timeout,
    /// The store answered with an error, or the connection to it failed.
    Unavailable(BoxError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full => "the replay store is full: every remembered delivery is still live",
            Self::Timeout => "the replay store did not answer in time",
            Self::Unavailable(_) => "the replay store is unavailable",
        })
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Unavailable(cause) => Some(&**cause),
            Self::Full | Self::Timeout => None,
        }
    }
}

/// Who holds a claim: a value unique to one [`claim`](ReplayStore::claim) call, so that only
/// that call's [`commit`](ReplayStore::commit) or [`release`](ReplayStore::release) applies.
/// After its lease expired and another request claimed the key, a late commit or release
/// with the old owner changes nothing.
///
/// [`Owner::new`] is unique within the process (a counter) and across processes sharing a
/// store (a 64-bit per-process random prefix, from the standard library's randomly keyed
/// hasher). It is not a secret: the store is trusted, and owners only tell our own requests
/// apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner([u8; 16]);

impl Owner {
    /// A new owner, unique to this call.
    #[must_use]
    pub fn new() -> Self {
        static PROCESS: OnceLock<u64> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let process = *PROCESS.get_or_init(|| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            let since = SystemTime::now().duration_since(UNIX_EPOCH);
            hasher.write_u128(since.map_or(0, |since| since.as_nanos()));
            hasher.finish()
        });
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&process.to_be_bytes());
        bytes[8..].copy_from_slice(&count.to_be_bytes());
        Self(bytes)
    }

    /// An owner from its 16 bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The owner's 16 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl Default for Owner {
    /// [`Owner::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for Owner {
    /// 32 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Owner({self})")
    }
}

/// A seen-set of deliveries, shared by every request (and, for a shared store, every
/// receiver): each key is absent, **claimed** by one owner for a short lease while its
/// handler runs, or **committed** until an absolute expiry.
///
/// The contract every store keeps (the crate's test suite checks [`MemoryStore`] and
/// `RedisStore` against the same cases):
///
/// - [`claim`](Self::claim) is atomic: of concurrent claims of a free key exactly one gets
///   [`Claim::Claimed`]. A claimed key whose lease has passed, or a committed key whose
///   expiry has passed, is free.
/// - [`commit`](Self::commit) applies only while the key is claimed by `owner` (its lease not
///   passed): the entry becomes committed until `expires_at`. A commit after the lease
///   expired is refused (`Ok(false)`), whether or not another owner claimed the key since.
/// - [`release`](Self::release) applies only while the key is claimed by `owner`: the key
///   becomes free at once (a retry of the same delivery runs its handler).
/// - An entry is never dropped while live: a store with no room answers
///   [`StoreError::Full`].
///
/// Methods return [`BoxFuture`] rather than `impl Future`, so that `dyn ReplayStore` exists.
///
/// [`MemoryStore`]: crate::MemoryStore
pub trait ReplayStore: Send + Sync {
    /// Claims `key` for `owner` for `lease`, unless it is claimed or committed already.
    fn claim(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Claim, StoreError>>;

    /// Commits `owner`'s claim of `key`, remembered until `expires_at`: `Ok(true)` when
    /// applied, `Ok(false)` when `owner` no longer holds the claim.
    fn commit(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Releases `owner`'s claim of `key`: `Ok(true)` when applied, `Ok(false)` when `owner`
    /// no longer holds the claim.
    fn release(&self, key: DeliveryKey, owner: Owner) -> BoxFuture<'_, Result<bool, StoreError>>;
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn claim(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Claim, StoreError>> {
        (**self).claim(key, owner, lease)
    }

    fn commit(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        (**self).commit(key, owner, expires_at)
    }

    fn release(&self, key: DeliveryKey, owner: Owner) -> BoxFuture<'_, Result<bool, StoreError>> {
        (**self).release(key, owner)
    }
}
