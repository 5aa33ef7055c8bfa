#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
mod header;
mod request;
mod signature;
mod token;
mod verification;
mod verifier;

#[cfg(feature = "bytes")]
mod collect;
#[cfg(feature = "std")]
mod env;

#[cfg(feature = "events")]
pub mod events;

#[cfg(feature = "bytes")]
pub use collect::CollectingVerification;
#[cfg(feature = "std")]
pub use env::{BODY_LIMIT_VAR, EnvError, PREVIOUS_TOKEN_VAR, TOKEN_VAR};
pub use error::Error;
pub use header::{SIGNATURE_HEADER, content_length_from_header, signature_from_header_values};
pub use request::RequestVerification;
pub use signature::{SIGNATURE_LEN, Signature, SignatureError};
pub use token::{Token, TokenError};
pub use verification::Verification;
pub use verifier::{DEFAULT_BODY_LIMIT, MAX_TOKENS, TooManyTokens, Verified, Verifier};
