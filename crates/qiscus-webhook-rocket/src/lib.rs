#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod catcher;
mod guard;
#[cfg(feature = "replay")]
mod guarded;
mod limit;
mod outcome;
mod rejection;
mod stage;
mod stream;

pub use catcher::catchers;
pub use guard::{VerifiedBody, VerifiedJson};
#[cfg(feature = "replay")]
pub use guarded::{Claim, GuardedBody, GuardedJson, ReplayRejection, replay_stage};
pub use limit::LIMIT_NAME;
pub use outcome::verification;
pub use rejection::WebhookRejection;
pub use stage::stage;

/// The core crate, for everything this one does not re-export.
pub use qiscus_webhook;
/// The core's typed Qiscus events (feature `events`), for `VerifiedJson<events::Event>`.
#[cfg(feature = "events")]
pub use qiscus_webhook::events;
pub use qiscus_webhook::{Error, Token, Verified, Verifier};
/// The replay guard's crate (feature `replay`): [`ReplayGuard`](replay::ReplayGuard), its
/// stores and its configuration from the environment.
#[cfg(feature = "replay")]
pub use qiscus_webhook_replay as replay;
