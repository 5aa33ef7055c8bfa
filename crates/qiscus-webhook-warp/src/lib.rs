#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod filter;
#[cfg(feature = "replay")]
mod guarded;
mod handle;
mod recover;
mod rejection;
mod verified;

pub use filter::{verified_body, verified_json};
#[cfg(feature = "replay")]
pub use guarded::{DuplicateDelivery, GuardedBody, GuardedJson, guarded_body, guarded_json};
pub use handle::VerifierHandle;
pub use recover::recover;
pub use rejection::{WebhookRejection, error_reply};
pub use verified::{VerifiedBody, VerifiedJson};

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
