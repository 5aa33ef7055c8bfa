//! Typed Qiscus webhook events (feature `events`).
//!
//! [`Event`] is the serde model of what Qiscus sends, built from real payloads (SDK and
//! Multichannel) and made to survive them:
//!
//! - ids arrive as integers (SDK) or strings (Multichannel): both are one [`Id`], exact;
//! - `unix_nano_timestamp` is an exact `i64`, never an `f64`: documented as nanoseconds (above
//!   2^53), but milliseconds in Multichannel payloads (`1752212797000`);
//! - `extras` and `message.payload` may be `{}`, `null` or absent: raw JSON, `null` kept
//!   apart from absent;
//! - `room.options` is a JSON document inside a string: kept as sent,
//!   [`Room::parse_options`] parses it;
//! - fields were added over the years: every field beyond `type` may be absent, and a member
//!   the model does not type (`participants[].active`, `participants[].extras`, whatever
//!   Qiscus adds later) is kept, raw, in the `extra` map of its object and written back;
//! - an event type this crate does not know parses as [`Event::Unknown`], never as an error.
//!
//! Parse the verified bytes, never anything else: in one step with
//! [`Verifier::verify_and_parse`](crate::Verifier::verify_and_parse), or with
//! [`Event::from_slice`] after a streaming
//! [`Verification::finish`](crate::Verification::finish) succeeded. And never
//! verify re-serialised JSON: an event serialises back to JSON equal to the body as a JSON
//! value, but not to its bytes (Go's escapes, spacing and key order), and the signature covers
//! Qiscus' raw bytes. Those are the only exact form of an event: keep them if you need it.
//!
//! Timestamps stay strings (`created_at`, `timestamp`, RFC 3339) and integers
//! (`unix_timestamp`, `unix_nano_timestamp`), as Qiscus sends them. [`Message::event_time`]
//! reads them as one [`EventTime`], by one rule, which [`event_time`] applies to raw bytes
//! too (for any event type, cheaply):
//!
//! > Event time: `payload.message.unix_nano_timestamp` (below 10^14: milliseconds; below
//! > 10^11: seconds; else nanoseconds), else `payload.message.timestamp` or
//! > `payload.message.created_at` (RFC 3339). A body with none of these, or not JSON, has no
//! > event time.
//!
//! The real payloads: the Multichannel one (2025) sent at `1752212797000` milliseconds,
//! 2025-07-11T05:46:37Z; the SDK one (2017), without `unix_nano_timestamp`, at its
//! `timestamp` 2017-09-23T10:34:44Z (Unix second 1506162884).

mod event;
mod id;
mod message;
mod parse;
mod room;
mod strict;
mod time;
mod user;

pub use event::{Channel, CommentPayload, Event, PostComment, UnknownEvent};
pub use id::Id;
pub use message::{Message, MessageType};
pub use room::{Participant, Room};
pub use time::{EventTime, event_time};
pub use user::User;
