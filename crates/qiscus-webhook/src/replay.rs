//! The replay guard's policy (feature `replay`): which delivery a request is, whether its signed
//! event time is fresh, and how long it must be remembered. Pure: the clock is an argument.
//!
//! A Qiscus signature has no timestamp, nonce or event id, so one captured signed request can
//! be replayed forever, and a redelivered event runs the handler twice. The signed body does
//! carry the event's own time ([`event_time`]), which bounds how long a delivery must be
//! remembered: once `event time + max_age` has passed, a replay of it is refused as stale, so
//! the seen-set never needs to hold it longer. The store that remembers (in memory, in Redis)
//! is the `qiscus-webhook-replay` crate; this module is what it, and every adapter, decides by:
//!
//! - [`DeliveryKey`]: the identity of a delivery, by a [`KeyPolicy`] (the verified signature
//!   by default; or the event type and message id);
//! - [`Freshness`]: the window `now - max_age ..= now + max_age` (both ends inclusive) and the
//!   [`Expiry`] until which an admitted delivery is remembered;
//! - the answers: [`Error::StaleEvent`] (401), [`Error::DeliveryInProgress`] (409, with
//!   `Retry-After`), [`Error::ReplayStoreUnavailable`] (503, with `Retry-After`), carried by a
//!   [`Rejection`](crate::Rejection) with its
//!   [`retry_after`](crate::Rejection::retry_after); and a duplicate's 200
//!   [`DUPLICATE_BODY`].
//!
//! | outcome | status | body | `Retry-After` |
//! |---|---|---|---|
//! | event time outside the window | 401 | `{"error":"stale_event"}` | no |
//! | same key, committed | 200 | `{"status":"duplicate"}` | no |
//! | same key, claimed, not finished | 409 | `{"error":"delivery_in_progress"}` | the lease left |
//! | store unavailable or full | 503 | `{"error":"replay_store_unavailable"}` | yes |
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use qiscus_webhook::Error;
//! use qiscus_webhook::events::event_time;
//! use qiscus_webhook::replay::Freshness;
//!
//! let body = br#"{"payload":{"message":{"unix_nano_timestamp":1752212797000}},"type":"post_comment_mobile"}"#;
//! let sent = UNIX_EPOCH + Duration::from_secs(1_752_212_797);
//! let window = Freshness::new(Duration::from_secs(300));
//!
//! // A minute after it was sent: fresh, remembered until sent + 300 s.
//! let expiry = window.check(event_time(body), sent + Duration::from_secs(60))?;
//! assert_eq!(expiry.to_system_time(), Some(sent + Duration::from_secs(300)));
//! // Replayed ten minutes later: stale.
//! let late = window.check(event_time(body), sent + Duration::from_secs(600));
//! assert_eq!(late, Err(Error::StaleEvent));
//! # Ok::<(), Error>(())
//! ```

use core::fmt;
use std::borrow::Cow;
use std::string::ToString;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use sha2::{Digest, Sha256};

#[cfg(doc)]
use crate::events::event_time;
use crate::events::{EventTime, Id};
use crate::{Error, Signature, Verified};

/// The freshness window of the receiver examples when `QISCUS_WEBHOOK_MAX_AGE` is not set:
/// five minutes.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// The status of the answer to a duplicate delivery: 200, so that the sender stops retrying.
pub const DUPLICATE_STATUS: u16 = 200;

/// The body of the answer to a duplicate delivery (its `Content-Type` is
/// [`Rejection::CONTENT_TYPE`](crate::Rejection::CONTENT_TYPE), `application/json`).
pub const DUPLICATE_BODY: &str = r#"{"status":"duplicate"}"#;

/// The identity of a delivery: 32 bytes, the SHA-256 of what the [`KeyPolicy`] names, under a
/// domain-separation prefix per policy (so that the two policies can never produce the same
/// key, and a key never reveals the signature it was made from).
///
/// `Display` is 64 lowercase hex digits, the form stores use as their key and a gateway may
/// send upstream as an `Idempotency-Key`; it is a hash, safe to log. `Debug` shows only the
/// first 8 digits.
///
/// ```
/// use qiscus_webhook::replay::DeliveryKey;
///
/// let key = DeliveryKey::from_event("post_comment_mobile", "802802");
/// assert_eq!(key.to_string().len(), 64);
/// assert_eq!(key, DeliveryKey::from_event("post_comment_mobile", "802802"));
/// assert_ne!(key, DeliveryKey::from_event("post_comment_rest", "802802"));
/// assert!(format!("{key:?}").starts_with("DeliveryKey("));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryKey([u8; 32]);

/// Domain separation of [`DeliveryKey::from_signature`].
const SIGNATURE_DOMAIN: &[u8] = b"qiscus-webhook replay key v1: signature\0";
/// Domain separation of [`DeliveryKey::from_event`].
const EVENT_DOMAIN: &[u8] = b"qiscus-webhook replay key v1: event\0";

impl DeliveryKey {
    /// The key of [`KeyPolicy::Signature`]: from the verified signature, the HMAC tag of the
    /// exact bytes (the same bytes under the same token are the same delivery).
    #[must_use]
    pub fn from_signature(signature: &Signature) -> Self {
        let mut hash = Sha256::new();
        hash.update(SIGNATURE_DOMAIN);
        hash.update(signature.as_bytes());
        Self(hash.finalize().into())
    }

    /// The key of [`KeyPolicy::EventAndMessageId`]: from the event type and the message id
    /// (each length-prefixed, so that no two pairs share a key).
    #[must_use]
    pub fn from_event(event_type: &str, message_id: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(EVENT_DOMAIN);
        for part in [event_type, message_id] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self(hash.finalize().into())
    }

    /// A key from its 32 bytes (as a store read it back).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, ..] = self.0;
        write!(f, "DeliveryKey({a:02x}{b:02x}{c:02x}{d:02x}…)")
    }
}

/// What makes two requests the same delivery.
///
/// ```
/// use qiscus_webhook::replay::{DeliveryKey, KeyPolicy};
///
/// assert_eq!(KeyPolicy::default(), KeyPolicy::Signature);
/// // `KeyPolicy::key(verified, body)` picks the key; the second policy reads the body:
/// let body = br#"{"payload":{"message":{"id":802802}},"type":"post_comment_mobile"}"#;
/// assert_eq!(
///     KeyPolicy::event_key(body),
///     Some(DeliveryKey::from_event("post_comment_mobile", "802802")),
/// );
/// assert_eq!(KeyPolicy::event_key(br#"{"type":"room_deleted"}"#), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPolicy {
    /// The verified signature (the default): the exact bytes, once. A redelivery that Qiscus
    /// re-serialised (other bytes, same event) is a new delivery.
    #[default]
    Signature,
    /// The event `type` and `payload.message.id` (else `payload.message.id_str`): the same
    /// message, once, whatever its bytes. An integer id and the same digits as a string are
    /// the same id. A body without both (not JSON, no `type` string, no message id) falls
    /// back to the signature's key.
    EventAndMessageId,
}

impl KeyPolicy {
    /// The delivery key of a verified body under this policy.
    #[must_use]
    pub fn key(self, verified: &Verified, body: &[u8]) -> DeliveryKey {
        match self {
            Self::Signature => DeliveryKey::from_signature(verified.signature()),
            Self::EventAndMessageId => Self::event_key(body)
                .unwrap_or_else(|| DeliveryKey::from_signature(verified.signature())),
        }
    }

    /// The [`EventAndMessageId`](KeyPolicy::EventAndMessageId) key of a body: its `type` and
    /// `payload.message.id` (or `id_str`), or `None` when either is missing or empty, or the
    /// body is not a JSON object of that shape.
    ///
    /// Reads only those members; the rest is skipped without being built.
    #[must_use]
    pub fn event_key(body: &[u8]) -> Option<DeliveryKey> {
        let fields: EventKeyFields<'_> = serde_json::from_slice(body).ok()?;
        let event_type = fields.event_type.filter(|t| !t.is_empty())?;
        let message = fields.payload?.message?;
        let id = match (message.id, message.id_str) {
            (Some(id), _) => id.to_string(),
            (None, Some(id)) => id.into_owned(),
            (None, None) => return None,
        };
        (!id.is_empty()).then(|| DeliveryKey::from_event(&event_type, &id))
    }
}

/// The members [`KeyPolicy::event_key`] reads.
#[derive(Deserialize)]
struct EventKeyFields<'a> {
    #[serde(rename = "type", borrow, default)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<PayloadFields<'a>>,
}

#[derive(Deserialize)]
struct PayloadFields<'a> {
    #[serde(borrow, default)]
    message: Option<MessageFields<'a>>,
}

#[derive(Deserialize)]
struct MessageFields<'a> {
    #[serde(default)]
    id: Option<Id>,
    #[serde(borrow, default)]
    id_str: Option<Cow<'a, str>>,
}

/// The freshness window: an event time is fresh when it lies within `max_age` of now, in the
/// past or in the future (the allowed clock skew), both ends inclusive:
/// `now - max_age <= event_time <= now + max_age`.
///
/// A fresh delivery is remembered until `event_time + max_age` ([`Expiry`]): from then on a
/// replay of it is stale, so forgetting it reopens nothing. A body without an event time is
/// not checked (it is always admitted) and is remembered until `now + max_age`, after which
/// the same bytes would run again: only deduplication protects such bodies, for `max_age`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use qiscus_webhook::events::EventTime;
/// use qiscus_webhook::replay::Freshness;
///
/// let window = Freshness::new(Duration::from_secs(300));
/// let now = SystemTime::now();
/// let exactly_old = EventTime::from(now - Duration::from_secs(300));
/// assert!(window.is_fresh(exactly_old, now)); // the edge is inside
/// let older = EventTime::from(now - Duration::from_secs(301));
/// assert!(!window.is_fresh(older, now));
/// // No event time: admitted, remembered for max_age from arrival.
/// let expiry = window.check(None, now).expect("no event time is never stale");
/// assert_eq!(expiry.remaining(now), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Freshness {
    max_age: Duration,
}

impl Freshness {
    /// The longest window: 100 years of 365 days. A longer `max_age` is shortened to this, so
    /// that every expiry is a `SystemTime` on every platform (a window that long is no window
    /// anyway: the store must then remember everything).
    pub const LONGEST: Duration = Duration::from_secs(100 * 365 * 86_400);

    /// A window of `max_age` each way (at most [`LONGEST`](Self::LONGEST)).
    #[must_use]
    pub const fn new(max_age: Duration) -> Self {
        let max_age = if max_age.as_secs() >= Self::LONGEST.as_secs() {
            Self::LONGEST
        } else {
            max_age
        };
        Self { max_age }
    }

    /// The window: how old an event may be, and how far in the future.
    #[must_use]
    pub const fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Whether `event_time` lies within `max_age` of `now`, ends included.
    #[must_use]
    pub fn is_fresh(&self, event_time: EventTime, now: SystemTime) -> bool {
        let offset = event_time.unix_nanos() - unix_nanos(now);
        offset.unsigned_abs() <= self.max_age.as_nanos()
    }

    /// Checks a delivery's event time at `now` (the arrival): its [`Expiry`], how long to
    /// remember it (`event_time + max_age`, or `now + max_age` without an event time).
    ///
    /// # Errors
    ///
    /// [`Error::StaleEvent`] when the event time is older than `now - max_age` or later than
    /// `now + max_age`.
    pub fn check(&self, event_time: Option<EventTime>, now: SystemTime) -> Result<Expiry, Error> {
        let window = nanos_i128(self.max_age);
        match event_time {
            Some(time) if self.is_fresh(time, now) => Ok(Expiry {
                unix_nanos: time.unix_nanos() + window,
            }),
            Some(_) => Err(Error::StaleEvent),
            None => Ok(Expiry {
                unix_nanos: unix_nanos(now) + window,
            }),
        }
    }
}

impl Default for Freshness {
    /// [`DEFAULT_MAX_AGE`], five minutes.
    fn default() -> Self {
        Self::new(DEFAULT_MAX_AGE)
    }
}

/// Until when a delivery is remembered: an instant on the Unix clock, in nanoseconds (exact,
/// and total: no arithmetic on it can overflow).
///
/// Still in force at the instant itself ([`is_past`](Self::is_past) is strict), matching the
/// inclusive window: at `event_time + max_age` a replay is still fresh, so it must still be
/// remembered.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use qiscus_webhook::replay::Expiry;
///
/// let now = SystemTime::now();
/// let expiry = Expiry::after(now, Duration::from_secs(30));
/// assert_eq!(expiry.remaining(now), Duration::from_secs(30));
/// assert!(!expiry.is_past(now + Duration::from_secs(30)));
/// assert!(expiry.is_past(now + Duration::from_secs(31)));
/// assert_eq!(expiry.remaining(now + Duration::from_secs(31)), Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry {
    unix_nanos: i128,
}

impl Expiry {
    /// The instant `time`.
    #[must_use]
    pub fn at(time: SystemTime) -> Self {
        Self {
            unix_nanos: unix_nanos(time),
        }
    }

    /// `ttl` after `now` (a lease: `Expiry::after(now, lease)`).
    #[must_use]
    pub fn after(now: SystemTime, ttl: Duration) -> Self {
        Self {
            unix_nanos: unix_nanos(now) + nanos_i128(ttl),
        }
    }

    /// Nanoseconds since the Unix epoch.
    #[must_use]
    pub const fn unix_nanos(self) -> i128 {
        self.unix_nanos
    }

    /// Whether the expiry has passed at `now` (strictly after it).
    #[must_use]
    pub fn is_past(self, now: SystemTime) -> bool {
        unix_nanos(now) > self.unix_nanos
    }

    /// How long from `now` until the expiry; zero once it is reached.
    #[must_use]
    pub fn remaining(self, now: SystemTime) -> Duration {
        let left = self.unix_nanos - unix_nanos(now);
        if left <= 0 {
            return Duration::ZERO;
        }
        let left = left.unsigned_abs();
        let seconds = u64::try_from(left / 1_000_000_000).unwrap_or(u64::MAX);
        // The remainder of a division by 10^9 fits a u32.
        let nanos = u32::try_from(left % 1_000_000_000).unwrap_or(0);
        Duration::new(seconds, nanos)
    }

    /// The same instant as a `SystemTime`, or `None` outside the platform's range.
    #[must_use]
    pub fn to_system_time(self) -> Option<SystemTime> {
        let distance = self.unix_nanos.unsigned_abs();
        let distance = Duration::new(
            u64::try_from(distance / 1_000_000_000).ok()?,
            u32::try_from(distance % 1_000_000_000).ok()?,
        );
        if self.unix_nanos < 0 {
            UNIX_EPOCH.checked_sub(distance)
        } else {
            UNIX_EPOCH.checked_add(distance)
        }
    }
}

/// A `SystemTime` as nanoseconds since the Unix epoch.
fn unix_nanos(time: SystemTime) -> i128 {
    EventTime::from(time).unix_nanos()
}

/// A duration in nanoseconds: below 2^94, always within an `i128`.
fn nanos_i128(duration: Duration) -> i128 {
    i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX)
}
