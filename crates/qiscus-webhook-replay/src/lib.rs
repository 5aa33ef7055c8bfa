#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod clock;
mod env;
mod guard;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod store;

pub use adapter::NotRun;
pub use clock::{Clock, ManualClock, SystemClock};
pub use env::{MAX_AGE_VAR, REPLAY_VAR, RedisUrl, ReplayConfig, ReplayEnvError, ReplayMode};
pub use guard::{Admission, Finished, ReplayGuard, Ticket};
pub use memory::{DEFAULT_CAPACITY, DEFAULT_SHARDS, MemoryStore};
/// The core's policy: delivery keys, the freshness window, the duplicate's answer.
pub use qiscus_webhook::replay::{
    self as policy, DEFAULT_MAX_AGE, DUPLICATE_BODY, DUPLICATE_STATUS, DeliveryKey, Expiry,
    Freshness, KeyPolicy,
};
#[cfg(feature = "redis")]
pub use redis_store::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_PREFIX, RedisOptions, RedisStore,
};
pub use store::{BoxFuture, Claim, Owner, ReplayStore, StoreError};
