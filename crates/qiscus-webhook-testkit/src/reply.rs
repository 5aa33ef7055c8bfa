//! The success bodies of the receiver contract (`docs/DESIGN.md`, "The receiver examples"), so
//! every test app replies alike.

use serde_json::{Value, json};

use crate::sign::sha256_hex;

/// The `/webhook` receipt: `{"bytes": <body length>, "sha256": "<hex SHA-256 of the body>"}`.
///
/// A test app answers with the receipt of the bytes its handler received; the conformance
/// table expects the receipt of the bytes it sent, so a match proves the handler got the exact
/// body.
///
/// ```
/// let receipt = qiscus_webhook_testkit::raw_receipt(b"");
/// assert_eq!(receipt["bytes"], 0);
/// assert_eq!(
///     receipt["sha256"],
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
/// );
/// ```
#[must_use]
pub fn raw_receipt(body: &[u8]) -> Value {
    json!({ "bytes": body.len(), "sha256": sha256_hex(body) })
}

/// The `/events` reply: `{"type": "<event type>"}`.
///
/// ```
/// let reply = qiscus_webhook_testkit::event_reply("post_comment_mobile");
/// assert_eq!(reply.to_string(), r#"{"type":"post_comment_mobile"}"#);
/// ```
#[must_use]
pub fn event_reply(event_type: &str) -> Value {
    json!({ "type": event_type })
}
