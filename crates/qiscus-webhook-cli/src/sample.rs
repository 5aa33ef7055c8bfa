//! `sample`: a realistic Qiscus event, byte-compatible in form with what Qiscus sends.
//!
//! Modelled on the real payloads in the workspace's `fixtures/`: `from`, `message` (integer ids
//! with their `*_str` twins, RFC 3339 times, `unix_nano_timestamp` above 2^53) and `room`
//! (participants, `options` as a JSON document inside a string). Deterministic: the same
//! arguments always print the same bytes, so signatures can be compared across runs.

use std::io::IsTerminal;

use serde_json::{Value, json};

use crate::cli::{EventType, SampleArgs};
use crate::exit::{CliError, Outcome};
use crate::output;

/// The message's time: 2025-07-11T05:46:37.123456Z.
const UNIX_TIMESTAMP: u64 = 1_752_212_797;
const UNIX_NANO_TIMESTAMP: u64 = 1_752_212_797_123_456_000;
// As in the wild: beyond an f64's exact integers, and the same instant as `UNIX_TIMESTAMP`.
const _: () =
    assert!(UNIX_NANO_TIMESTAMP > 1 << 53 && UNIX_NANO_TIMESTAMP / 1_000_000_000 == UNIX_TIMESTAMP);

pub fn run(args: &SampleArgs) -> Result<Outcome, CliError> {
    let event = event(args.event_type, &args.text)?;
    // No trailing newline into a pipe or a file: those bytes are the body to sign and send.
    if std::io::stdout().is_terminal() {
        output::line(&event)?;
    } else {
        output::bytes(event.as_bytes())?;
    }
    Ok(Outcome::Success)
}

/// The event as Qiscus' Go encoder writes it: compact, keys sorted, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped.
fn event(event_type: EventType, text: &str) -> Result<String, CliError> {
    // Keys are written in sorted order here too, so the output stays sorted even if some
    // other crate in the build turns on serde_json's `preserve_order`.
    let value = json!({
        "payload": {
            "from": sender(event_type),
            "message": message(event_type, text),
            "room": room()?,
        },
        "type": event_type.as_str(),
    });
    let json = serde_json::to_string(&value)
        .map_err(|error| CliError::new(format!("cannot encode the sample: {error}")))?;
    Ok(go_escape(&json))
}

fn sender(event_type: EventType) -> Value {
    match event_type {
        EventType::PostCommentMobile => user(155_549, "Budi Santoso", "budi@example.com"),
        EventType::PostCommentRest => user(155_600, "Support Bot", "support-bot@example.com"),
    }
}

fn user(id: u64, name: &str, email: &str) -> Value {
    json!({
        "avatar_url": "https://example.com/avatars/default.png",
        "email": email,
        "id": id,
        "id_str": id.to_string(),
        "name": name,
    })
}

fn message(event_type: EventType, text: &str) -> Value {
    let unique_temp_id = match event_type {
        EventType::PostCommentMobile => "android_1752212797093_5lhqjyxbs",
        EventType::PostCommentRest => "bq1752212797123456000",
    };
    json!({
        "comment_before_id": 802_801,
        "comment_before_id_str": "802801",
        "created_at": "2025-07-11T05:46:37.123456Z",
        "disable_link_preview": false,
        "extras": {},
        "id": 802_802,
        "id_str": "802802",
        "payload": {},
        "text": text,
        "timestamp": "2025-07-11T05:46:37Z",
        "type": "text",
        "unique_temp_id": unique_temp_id,
        "unix_nano_timestamp": UNIX_NANO_TIMESTAMP,
        "unix_timestamp": UNIX_TIMESTAMP,
    })
}

fn room() -> Result<Value, CliError> {
    let options = serde_json::to_string(&json!({ "is_resolved": false, "source": "qiscus" }))
        .map_err(|error| CliError::new(format!("cannot encode the sample: {error}")))?;
    Ok(json!({
        "id": 37_537,
        "id_str": "37537",
        "is_public_channel": false,
        "name": "Budi Santoso, Siti Aminah",
        "options": options,
        "participants": [
            participant(155_549, "Budi Santoso", "budi@example.com", 802_801, 802_801),
            participant(155_555, "Siti Aminah", "siti@example.com", 802_790, 802_801),
        ],
        "room_avatar": "",
        "topic_id": 37_537,
        "topic_id_str": "37537",
        "type": "single",
    }))
}

fn participant(id: u64, name: &str, email: &str, read: u64, received: u64) -> Value {
    json!({
        "avatar_url": "https://example.com/avatars/default.png",
        "email": email,
        "id": id,
        "id_str": id.to_string(),
        "last_comment_read_id": read,
        "last_comment_read_id_str": read.to_string(),
        "last_comment_received_id": received,
        "last_comment_received_id_str": received.to_string(),
        "username": name,
    })
}

/// Escapes what Go's `encoding/json` escapes and serde_json does not. Sound on serde_json's
/// compact output: these characters can only occur inside strings there.
fn go_escape(json: &str) -> String {
    let mut escaped = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(
            go_escape("{\"text\":\"a<b>&c\u{2028}\"}"),
            "{\"text\":\"a\\u003cb\\u003e\\u0026c\\u2028\"}"
        );
    }
}
