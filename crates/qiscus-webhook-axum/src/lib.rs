#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod config;
mod extract;
mod layer;
mod rejection;

pub use config::WebhookConfig;
pub use extract::{VerifiedBody, VerifiedJson};
pub use layer::{VerifyQiscus, VerifyQiscusLayer};
pub use rejection::WebhookRejection;

/// The core crate, for everything this one does not re-export.
pub use qiscus_webhook;
pub use qiscus_webhook::{Error, Token, Verified, Verifier};
/// The core's typed Qiscus events (feature `events`), for `VerifiedJson<events::Event>`.
#[cfg(feature = "events")]
pub use qiscus_webhook::events;
