#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod conformance;
pub mod fixtures;
pub mod leak;
#[cfg(feature = "process")]
pub mod process;
#[cfg(feature = "redis-server")]
pub mod redis_server;
mod reply;
mod request;
mod sign;
pub mod spec;
#[cfg(feature = "socket")]
pub mod wire;

pub use reply::{event_reply, raw_receipt};
pub use request::SignedRequest;
pub use sign::{sign, signature_header};
