#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "axum")]
mod axum;
#[cfg(feature = "events")]
mod events;
mod input;
pub mod reference;
mod signature;
pub mod timing;
mod verify;

#[cfg(feature = "axum")]
pub use axum::{AxumInput, Route, Transfer, axum_extractor, check_axum};
#[cfg(feature = "events")]
pub use events::{events, repeats_a_key, unknown_object};
pub use signature::{encode_header_values, header_rule, header_values, signature_parse};
pub use verify::{ContentLength, SignatureSource, VerifyInput, check_verify, differential_verify};

/// A check: runs on one fuzz input and panics when a property fails.
pub type Check = fn(&[u8]);

/// Every fuzz target this crate has a check for (as built with its features), by name: the
/// cargo-fuzz target `name` runs `check` on each input, and so does the corpus test on each
/// file of `fuzz/corpus/<name>/`.
pub const TARGETS: &[(&str, Check)] = &[
    ("signature_parse", signature_parse),
    ("header_rule", header_rule),
    ("differential_verify", differential_verify),
    #[cfg(feature = "events")]
    ("events", events),
    #[cfg(feature = "axum")]
    ("axum_extractor", axum_extractor),
];
