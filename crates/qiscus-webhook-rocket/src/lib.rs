#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod catcher;
mod guard;
mod limit;
mod outcome;
mod rejection;
mod stage;
mod stream;

pub use catcher::catchers;
pub use guard::{VerifiedBody, VerifiedJson};
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
