//! The conformance table: the requests every adapter must answer exactly as `docs/DESIGN.md`
//! ("Error -> HTTP status") says.
//!
//! Each framework adapter's tests build a small app with the receiver contract's two routes,
//! configured with [`verifier()`]:
//!
//! - `POST /webhook` ([`Route::Raw`]): the handler gets the verified bytes and answers
//!   [`raw_receipt`](crate::raw_receipt) of them;
//! - `POST /events` ([`Route::Typed`]): the handler gets a parsed
//!   [`qiscus_webhook::events::Event`] and answers [`event_reply`](crate::event_reply) of its
//!   type,
//!
//! then send every case of [`cases()`] (each one's [`Case::request`], converted to the
//! framework's request type) and hand each response to [`check`], or let
//! [`assert_conformance`] do it and report every failure at once.
//!
//! The [`unconfigured_cases()`] go to the same routes of an app without a verifier, where one
//! can exist: [`assert_unconfigured`] takes the adapter's [`Unconfigured`] declaration, which
//! says whether such an app answers `500` or cannot be built at all (and proves it).
//!
//! With the `replay` feature, the module `replay` holds the replay rows: a guarded app's answers to
//! first deliveries, duplicates, failures, concurrent deliveries, stale events, forgeries and
//! an unavailable store, with the handler's calls and the store's operations counted.
//!
//! Two files: `cases.rs` holds the table ([`Case`], [`Route`], [`Transfer`], [`Expect`]),
//! `check.rs` the checker ([`check`], [`assert_conformance`], [`Reply`]).
//! Statuses and codes are spelled in the table from `docs/DESIGN.md`, not taken from
//! `qiscus_webhook::Error`: the table checks the core's mapping too.

mod cases;
mod check;
#[cfg(feature = "replay")]
pub mod replay;

pub use cases::{
    BODY_LIMIT, CHUNK_SIZE, Case, Expect, OTHER_TOKEN, PREVIOUS_TOKEN, Route, TOKEN, Transfer,
    case, cases, unconfigured_cases, verifier,
};
pub use check::{
    Reply, Unconfigured, assert_conformance, assert_unconfigured, check, check_reply, no_app,
};
