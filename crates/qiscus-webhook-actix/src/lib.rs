#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod config;
mod error;
mod extract;
mod middleware;

pub use config::WebhookConfig;
pub use error::WebhookError;
pub use extract::{VerifiedBody, VerifiedJson};
pub use middleware::{VerifyQiscus, VerifyQiscusMiddleware};

/// The core crate, for everything this one does not re-export.
pub use qiscus_webhook;
pub use qiscus_webhook::{Error, Token, Verified, Verifier};
/// The core's typed Qiscus events (feature `events`), for `VerifiedJson<events::Event>`.
#[cfg(feature = "events")]
pub use qiscus_webhook::events;
