//! [`RedisStore`] (feature `redis`): one seen-set shared by every receiver on the same Redis.

use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime};

use qiscus_webhook::replay::{DeliveryKey, Expiry};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};

use crate::store::{BoxFuture, Claim, Owner, ReplayStore, StoreError};

/// The prefix of every key the store writes, the same in every receiver (whatever its
/// framework), so that they share one seen-set.
pub const DEFAULT_PREFIX: &str = "qiscus-webhook:replay:";

/// How long any one command may take before the request is answered 503.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// How long the first connection may take in [`RedisStore::connect`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Claims atomically: `SET key claim:<owner> NX PX lease`; when the key is taken, tells a
/// committed entry from one in progress (and its lease left), in the same step.
const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, 0}
end
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, 5) == 'done:' then
  return {2, 0}
end
return {3, redis.call('PTTL', KEYS[1])}
";

/// Compare-and-set: only the claim's owner commits, only while its claim is there.
const COMMIT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
";

/// Compare-and-delete: only the claim's owner releases, only while its claim is there.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A seen-set in Redis (feature `redis`), through the `redis` crate's tokio
/// [`ConnectionManager`], which reconnects by itself: a Redis that was stopped and started
/// again is used again without rebuilding the store (requests in between are answered 503).
///
/// Each key is `qiscus-webhook:replay:<64 hex digits>` ([`DEFAULT_PREFIX`]); its value is
/// `claim:<owner>` for a claim (with the lease as its TTL) and `done:<owner>` once committed
/// (with the time left to the expiry as its TTL). Every operation is one round trip:
///
/// - claim: a Lua script whose first step is `SET key claim:<owner> NX PX <lease>`; when the
///   key is taken, the same script reads whether it is committed, or its lease left;
/// - commit: a Lua compare-and-set (`GET` equals our claim, then `SET ... PX`), so a late
///   commit after the lease expired, or after another owner claimed the key, is refused;
/// - release: a Lua compare-and-delete.
///
/// The scripts run as `EVALSHA` and are loaded again by themselves after a Redis restart.
/// The expiry is sent as a TTL computed on this receiver's clock (the one the freshness
/// check used), so the Redis host's clock does not matter.
///
/// Every command has a timeout ([`DEFAULT_COMMAND_TIMEOUT`]): a hung or unreachable Redis
/// becomes [`StoreError::Timeout`] (503) quickly rather than holding requests.
///
/// `Debug` never shows the URL (it may hold a password).
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    command_timeout: Duration,
    claim: Script,
    commit: Script,
    release: Script,
}

/// How [`RedisStore::connect_with`] connects.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    prefix: String,
    command_timeout: Duration,
    connect_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.to_owned(),
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl RedisOptions {
    /// The key prefix ([`DEFAULT_PREFIX`]): receivers share a seen-set when they share it.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The timeout of each command ([`DEFAULT_COMMAND_TIMEOUT`]).
    #[must_use]
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The timeout of the first connection ([`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://HOST:PORT[/DB]`, with `redis://:PASSWORD@HOST...` or
    /// `redis://USER:PASSWORD@HOST...` for a protected server), with the default options.
    /// Must be called within a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] for a URL that does not parse or a refused connection,
    /// [`StoreError::Timeout`] when the first connection takes longer than the connect
    /// timeout. Neither quotes the URL.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// As [`connect`](Self::connect), with `options`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout.min(Duration::from_secs(1))))
            .set_response_timeout(Some(options.command_timeout))
            // Reconnect attempts back off to at most a second apart, so a restarted Redis is
            // found again within about a second.
            .set_max_delay(Duration::from_secs(1));
        let connecting = ConnectionManager::new_with_config(client, config);
        let connection = within(options.connect_timeout, connecting).await?;
        Ok(Self {
            connection,
            prefix: options.prefix,
            command_timeout: options.command_timeout,
            claim: Script::new(CLAIM),
            commit: Script::new(COMMIT),
            release: Script::new(RELEASE),
        })
    }

    fn key(&self, key: &DeliveryKey) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn claim_key(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.claim.key(self.key(&key));
        invocation
            .arg(format!("claim:{owner}"))
            .arg(millis_at_least_one(lease));
        let (state, ttl): (i64, i64) = within(
            self.command_timeout,
            invocation.invoke_async(&mut connection),
        )
        .await?;
        Ok(match state {
            1 => Claim::Claimed,
            2 => Claim::Committed,
            // PTTL is -1 (no TTL) or -2 (gone) only if someone else wrote the key.
            _ => Claim::InProgress {
                retry_after: Duration::from_millis(u64::try_from(ttl).unwrap_or(0)),
            },
        })
    }

    async fn commit_key(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let ttl = expires_at.remaining(SystemTime::now());
        let mut invocation = self.commit.key(self.key(&key));
        invocation
            .arg(format!("claim:{owner}"))
            .arg(format!("done:{owner}"))
            .arg(millis_at_least_one(ttl));
        let applied: i64 = within(
            self.command_timeout,
            invocation.invoke_async(&mut connection),
        )
        .await?;
        Ok(applied == 1)
    }

    async fn release_key(&self, key: DeliveryKey, owner: Owner) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.release.key(self.key(&key));
        invocation.arg(format!("claim:{owner}"));
        let applied: i64 = within(
            self.command_timeout,
            invocation.invoke_async(&mut connection),
        )
        .await?;
        Ok(applied == 1)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl ReplayStore for RedisStore {
    fn claim(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Claim, StoreError>> {
        Box::pin(self.claim_key(key, owner, lease))
    }

    fn commit(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.commit_key(key, owner, expires_at))
    }

    fn release(&self, key: DeliveryKey, owner: Owner) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.release_key(key, owner))
    }
}

/// Runs a Redis command under `timeout`.
async fn within<T>(
    timeout: Duration,
    command: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, command).await {
        Ok(result) => result.map_err(unavailable),
        Err(_) => Err(StoreError::Timeout),
    }
}

fn unavailable(error: RedisError) -> StoreError {
    StoreError::Unavailable(Box::new(error))
}

/// Whole milliseconds, rounded up, at least 1 (`PX 0` is an error, and rounding down could
/// forget an entry before its expiry).
fn millis_at_least_one(duration: Duration) -> u64 {
    let millis = duration.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis).unwrap_or(u64::MAX).max(1)
}
