//! [`ReplayGuard`]: what an adapter calls after the signature is verified, and before and
//! after the handler runs.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use qiscus_webhook::events::event_time;
use qiscus_webhook::replay::{DeliveryKey, Expiry, Freshness, KeyPolicy};
use qiscus_webhook::{Error, Rejection, Verified};

use crate::clock::{Clock, SystemClock};
use crate::store::{Claim, Owner, ReplayStore, StoreError};

/// The replay and duplicate-delivery guard: a [`Freshness`] window on the signed event time,
/// a [`KeyPolicy`], and a [`ReplayStore`] remembering each admitted delivery until its
/// [`Expiry`].
///
/// Per request, after the signature is verified (a refused signature is never recorded):
///
/// 1. [`begin`](Self::begin) reads the event time from the verified bytes and refuses a stale
///    one (401 `stale_event`, the store untouched), then claims the delivery's key for a
///    short [lease](Self::with_lease):
///    - first delivery: [`Admission::Run`] with a [`Ticket`]; the handler runs;
///    - same key, committed: [`Admission::Duplicate`]; answer 200
///      [`DUPLICATE_BODY`](crate::DUPLICATE_BODY), the handler does not run;
///    - same key, claimed and not finished: a 409 `delivery_in_progress` rejection with
///      `Retry-After` (the lease left);
///    - store unavailable or full: a 503 `replay_store_unavailable` rejection with
///      `Retry-After`; the handler does not run.
/// 2. After the handler, [`Ticket::finish`] with its status: a 2xx **commits** (remembered
///    until event time + max age, or arrival + max age without an event time); anything
///    else **releases**, so a retry of the same bytes runs the handler again.
///
/// Clones share the store.
///
/// ```
/// use qiscus_webhook::{Signature, Token, Verifier};
/// use qiscus_webhook_replay::{Admission, MemoryStore, ReplayGuard};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let verifier = Verifier::new(Token::new("secret")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
///
/// // A body without an event time (deduplicated only), signed with "secret":
/// let body = br#"{"type":"ping"}"#;
/// # let signature = sign(b"secret", body);
/// let verified = verifier.verify(body, &signature)?;
///
/// match guard.begin(&verified, body).await.expect("admitted") {
///     Admission::Run(ticket) => {
///         let status = 200; // ... the handler ran and answered 200
///         ticket.finish(status).await?;
///     }
///     Admission::Duplicate => unreachable!("the first delivery"),
/// }
/// // The same bytes again: a duplicate, answered 200 {"status":"duplicate"}.
/// assert!(matches!(guard.begin(&verified, body).await, Ok(Admission::Duplicate)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// # fn sign(key: &[u8], body: &[u8]) -> Signature {
/// #     use hmac::{KeyInit, Mac};
/// #     let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
/// #     mac.update(body);
/// #     Signature::from(<[u8; 32]>::from(mac.finalize().into_bytes()))
/// # }
/// ```
#[derive(Clone)]
pub struct ReplayGuard {
    store: Arc<dyn ReplayStore>,
    clock: Arc<dyn Clock>,
    freshness: Freshness,
    policy: KeyPolicy,
    lease: Duration,
    unavailable_retry_after: Duration,
}

impl ReplayGuard {
    /// How long a claim lasts unless the handler finishes first: 30 seconds. Set it above
    /// your handler's longest run: a retry that arrives after the lease while the first
    /// handler still runs is admitted and runs concurrently.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

    /// The `Retry-After` of a 503 (store unavailable or full): 5 seconds.
    pub const DEFAULT_UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

    /// A guard remembering deliveries in `store`, with the default window
    /// ([`DEFAULT_MAX_AGE`](qiscus_webhook::replay::DEFAULT_MAX_AGE)), key policy (the
    /// signature), lease and clock.
    #[must_use]
    pub fn new(store: impl ReplayStore + 'static) -> Self {
        Self::from_store(Arc::new(store))
    }

    /// As [`new`](Self::new), with a store already shared.
    #[must_use]
    pub fn from_store(store: Arc<dyn ReplayStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            freshness: Freshness::default(),
            policy: KeyPolicy::default(),
            lease: Self::DEFAULT_LEASE,
            unavailable_retry_after: Self::DEFAULT_UNAVAILABLE_RETRY_AFTER,
        }
    }

    /// The freshness window: events older than `max_age`, or further than `max_age` in the
    /// future, are refused (see [`Freshness`]).
    #[must_use]
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.freshness = Freshness::new(max_age);
        self
    }

    /// What makes two requests the same delivery (the signature by default).
    #[must_use]
    pub fn with_key_policy(mut self, policy: KeyPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How long a claim lasts before it lapses (see [`DEFAULT_LEASE`](Self::DEFAULT_LEASE)).
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The `Retry-After` of a 503.
    #[must_use]
    pub fn with_unavailable_retry_after(mut self, after: Duration) -> Self {
        self.unavailable_retry_after = after;
        self
    }

    /// The clock freshness is checked against (a [`ManualClock`](crate::ManualClock) in
    /// tests; give the memory store the same one).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The freshness window.
    #[must_use]
    pub const fn freshness(&self) -> Freshness {
        self.freshness
    }

    /// The key policy.
    #[must_use]
    pub const fn key_policy(&self) -> KeyPolicy {
        self.policy
    }

    /// The lease.
    #[must_use]
    pub const fn lease(&self) -> Duration {
        self.lease
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn ReplayStore> {
        &self.store
    }

    /// Decides whether the handler runs for a verified body (see [`ReplayGuard`]).
    ///
    /// Call it only with a body whose signature was verified, and with that [`Verified`]:
    /// refused requests must never be recorded.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] to answer as is: [`Error::StaleEvent`] (401),
    /// [`Error::DeliveryInProgress`] (409, with [`retry_after`](Rejection::retry_after)), or
    /// [`Error::ReplayStoreUnavailable`] (503, with `retry_after`; the [`StoreError`] is its
    /// source).
    pub async fn begin(&self, verified: &Verified, body: &[u8]) -> Result<Admission, Rejection> {
        let now = self.clock.now();
        let expires_at = self.freshness.check(event_time(body), now)?;
        let key = self.policy.key(verified, body);
        let owner = Owner::new();
        match self.store.claim(key, owner, self.lease).await {
            Ok(Claim::Claimed) => Ok(Admission::Run(Ticket {
                store: Arc::clone(&self.store),
                key,
                owner,
                expires_at,
                pending: true,
            })),
            Ok(Claim::Committed) => Ok(Admission::Duplicate),
            // What is left of a lease is never more than a lease; a store on a wall clock
            // that was stepped back (a VM syncing its clock) would otherwise say so.
            Ok(Claim::InProgress { retry_after }) => {
                Err(Rejection::from(Error::DeliveryInProgress)
                    .with_retry_after(retry_after.min(self.lease)))
            }
            Err(error) => Err(Rejection::with_source(Error::ReplayStoreUnavailable, error)
                .with_retry_after(self.unavailable_retry_after)),
        }
    }

    /// [`Ticket::finish`]: commits on a 2xx `status`, releases otherwise (for middleware,
    /// which sees the guard and the response status).
    ///
    /// # Errors
    ///
    /// The store's error; the response already went out as the handler made it.
    pub async fn finish(&self, ticket: Ticket, status: u16) -> Result<Finished, StoreError> {
        ticket.finish(status).await
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("freshness", &self.freshness)
            .field("policy", &self.policy)
            .field("lease", &self.lease)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// What [`ReplayGuard::begin`] decided for a fresh delivery.
#[derive(Debug)]
#[must_use = "run the handler and finish the ticket, or answer the duplicate"]
pub enum Admission {
    /// A first delivery (or a retry of a released one): run the handler, then
    /// [`finish`](Ticket::finish) the ticket with its status.
    Run(Ticket),
    /// Already handled: answer [`DUPLICATE_STATUS`](crate::DUPLICATE_STATUS)
    /// [`DUPLICATE_BODY`](crate::DUPLICATE_BODY) without running the handler.
    Duplicate,
}

/// How a [`Ticket`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Committed: a duplicate of it is answered 200 until its expiry.
    Committed,
    /// Released: a retry runs the handler again.
    Released,
    /// The lease had lapsed before the ticket finished (the handler ran longer than the
    /// lease), so nothing changed: another request may hold the key now.
    LeaseLost,
}

/// The claim of one admitted delivery, held while its handler runs: finish it with
/// [`commit`](Self::commit), [`release`](Self::release) or [`finish`](Self::finish).
///
/// Dropped unfinished (the handler panicked, the client went away and the framework dropped
/// the request's future), it releases the claim from a task spawned on the current tokio
/// runtime, so the sender's retry runs the handler at once; outside a runtime, the claim
/// lapses when its lease ends.
#[must_use = "finish the ticket once the handler has answered"]
pub struct Ticket {
    store: Arc<dyn ReplayStore>,
    key: DeliveryKey,
    owner: Owner,
    expires_at: Expiry,
    pending: bool,
}

impl Ticket {
    /// The delivery's key.
    #[must_use]
    pub const fn key(&self) -> DeliveryKey {
        self.key
    }

    /// Until when a commit remembers the delivery.
    #[must_use]
    pub const fn expires_at(&self) -> Expiry {
        self.expires_at
    }

    /// The handler succeeded: remember the delivery until its expiry.
    ///
    /// # Errors
    ///
    /// The store's error (the claim then lapses with its lease).
    pub async fn commit(mut self) -> Result<Finished, StoreError> {
        let applied = self
            .store
            .commit(self.key, self.owner, self.expires_at)
            .await;
        self.pending = false;
        Ok(if applied? {
            Finished::Committed
        } else {
            Finished::LeaseLost
        })
    }

    /// The handler failed: forget the claim, so that a retry runs it again.
    ///
    /// # Errors
    ///
    /// The store's error (the claim then lapses with its lease).
    pub async fn release(mut self) -> Result<Finished, StoreError> {
        let applied = self.store.release(self.key, self.owner).await;
        self.pending = false;
        Ok(if applied? {
            Finished::Released
        } else {
            Finished::LeaseLost
        })
    }

    /// [`commit`](Self::commit) when `status` is 2xx, else [`release`](Self::release).
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn finish(self, status: u16) -> Result<Finished, StoreError> {
        if (200..300).contains(&status) {
            self.commit().await
        } else {
            self.release().await
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.pending {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (store, key, owner) = (Arc::clone(&self.store), self.key, self.owner);
            runtime.spawn(async move {
                // Nothing to tell anyone: if it fails, the lease ends the claim.
                let _ = store.release(key, owner).await;
            });
        }
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("key", &self.key)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
