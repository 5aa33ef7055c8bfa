#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
pub mod header;
mod mac;
mod request;
mod signature;
pub mod sink;
mod token;
mod verification;
mod verifier;

#[cfg(any(
    feature = "http-body",
    feature = "stream",
    feature = "tokio-io",
    feature = "io"
))]
pub mod drive;
#[cfg(feature = "std")]
pub mod env;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "std")]
mod rejection;
#[cfg(feature = "replay")]
pub mod replay;
#[cfg(feature = "std")]
mod trace;

#[cfg(feature = "std")]
pub use env::EnvError;
pub use error::Error;
pub use header::SIGNATURE_HEADER;
pub use mac::{MAX_TOKENS, Verified};
#[cfg(feature = "std")]
pub use rejection::{BoxError, Rejection};
pub use signature::{SIGNATURE_LEN, Signature, SignatureError};
/// Constant-time equality (from `subtle`), the only equality a [`Signature`] has.
pub use subtle::ConstantTimeEq;
pub use token::{Token, TokenError};
pub use verification::Verification;
pub use verifier::{DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, TooManyTokens, Verifier};
