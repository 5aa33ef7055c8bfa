//! Typed Qiscus webhook events (feature `events`).
//!
//! [`Event`] is the serde model of what Qiscus sends, built from real payloads (SDK and
//! Multichannel) and made to survive them:
//!
//! - ids arrive as integers (SDK) or strings (Multichannel): both are one [`Id`], exact;
//! - `unix_nano_timestamp` is above 2^53: an exact `i64`, never an `f64`;
//! - `extras` and `message.payload` may be `{}`, `null` or absent: raw JSON, `null` kept
//!   apart from absent;
//! - `room.options` is a JSON document inside a string: kept as sent,
//!   [`Room::parse_options`] parses it;
//! - fields were added over the years: every field beyond `type` may be absent, and unknown
//!   fields are ignored;
//! - an event type this crate does not know parses as [`Event::Unknown`], never as an error.
//!
//! Parse the verified bytes, never anything else: in one step with
//! [`Verifier::verify_and_parse`](crate::Verifier::verify_and_parse), or with
//! [`Event::from_slice`] after a streaming
//! [`RequestVerification::finish`](crate::RequestVerification::finish) succeeded. And never
//! verify re-serialised JSON: the signature covers Qiscus' raw bytes, which serde does not
//! reproduce.
//!
//! Timestamps stay strings (`created_at`, `timestamp`, RFC 3339) and integers
//! (`unix_timestamp`, `unix_nano_timestamp`), as Qiscus sends them: parse them with the time
//! crate of your choice.

mod event;
mod id;
mod message;
mod parse;
mod room;
mod user;

pub use event::{Channel, CommentPayload, Event, PostComment, UnknownEvent};
pub use id::Id;
pub use message::{Message, MessageType};
pub use room::{Participant, Room};
pub use user::User;
