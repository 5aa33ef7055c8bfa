//! Typed events: the real fixtures, exact integers, unknown types, strict shapes, lossless
//! round trips, error positions, event times, and verify-then-parse.
#![cfg(feature = "events")]

use proptest::prelude::*;
use qiscus_webhook::events::{
    Channel, CommentPayload, Event, EventTime, Id, Message, MessageType, Participant, PostComment,
    Room, UnknownEvent, User, event_time,
};
use qiscus_webhook::{Error, Token, Verifier};
use serde_json::{Map, Number, Value, json};

const SDK_2017: &[u8] = include_bytes!("../../../fixtures/post_comment_mobile_2017.json");
const MULTICHANNEL_2025: &[u8] = include_bytes!("../../../fixtures/multichannel_bot_2025.json");

fn parse(body: &[u8]) -> Event {
    match Event::from_slice(body) {
        Ok(event) => event,
        Err(error) => panic!("does not parse: {error}"),
    }
}

fn comment(event: &Event) -> &PostComment {
    event.post_comment().expect("a post_comment event")
}

fn reparse(event: &Event) -> Event {
    let bytes = serde_json::to_vec(event).expect("an event always serialises");
    parse(&bytes)
}

// ---------------------------------------------------------------------------------------------
// The real payloads.

#[test]
fn sdk_2017_fixture_parses_to_the_expected_values() {
    let event = parse(SDK_2017);
    assert!(matches!(event, Event::PostCommentMobile(_)));
    assert_eq!(event.event_type(), "post_comment_mobile");
    let comment = comment(&event);
    assert_eq!(comment.app_code, None);
    assert_eq!(comment.channel, None);

    let from = comment.sender().expect("from");
    assert_eq!(from.name.as_deref(), Some("Jarjit"));
    assert_eq!(from.email.as_deref(), Some("jarjit@domain.com"));
    assert_eq!(from.id, Some(Id::from(155_549_u64)));
    assert!(from.id.as_ref().is_some_and(Id::is_integer));
    assert_eq!(from.id_str, None);

    let room = comment.room().expect("room");
    assert_eq!(room.id, Some(Id::from(37_537_u64)));
    assert_eq!(room.topic_id, Some(Id::from(37_537_u64)));
    assert_eq!(room.r#type.as_deref(), Some("single"));
    assert_eq!(room.room_avatar.as_deref(), Some(""));
    assert_eq!(room.options, None);
    assert_eq!(room.parse_options::<Value>().expect("no options"), None);
    let participants = room.participants.as_deref().expect("participants");
    assert_eq!(participants.len(), 2);
    assert_eq!(participants[1].username.as_deref(), Some("Ismail bin Mail"));
    assert_eq!(participants[1].id, Some(Id::from(155_555_u64)));
    assert_eq!(
        participants[0].last_comment_read_id,
        Some(Id::from(802_802_u64))
    );
    assert_eq!(
        participants[1].last_comment_received_id,
        Some(Id::from(802_178_u64))
    );

    let message = comment.message().expect("message");
    assert_eq!(message.text.as_deref(), Some("simulasi"));
    assert_eq!(message.r#type, Some(MessageType::ButtonPostbackResponse));
    assert_eq!(message.id, Some(Id::from(802_802_u64)));
    assert_eq!(message.id.as_ref().and_then(Id::as_u64), Some(802_802));
    assert_eq!(message.comment_before_id, Some(Id::from(802_801_u64)));
    assert_eq!(message.unix_timestamp, Some(1_506_162_884));
    assert_eq!(message.unix_nano_timestamp, None); // not sent in 2017
    assert_eq!(
        message.created_at.as_deref(),
        Some("2017-09-23T10:34:44.156457Z")
    );
    assert_eq!(message.timestamp.as_deref(), Some("2017-09-23T10:34:44Z"));
    assert_eq!(message.disable_link_preview, Some(false));
    assert_eq!(message.extras, None); // absent
    assert_eq!(
        message.payload,
        Some(json!({"url": "http://api.anu.com", "method": "get", "payload": null}))
    );
}

#[test]
fn multichannel_2025_fixture_parses_to_the_expected_values() {
    let event = parse(MULTICHANNEL_2025);
    assert!(matches!(event, Event::PostCommentMobile(_)));
    let comment = comment(&event);
    assert_eq!(comment.app_code.as_deref(), Some("kovof-123"));
    let channel = comment.channel.as_ref().expect("channel");
    assert_eq!(channel.id, Some(Id::from(123_u64)));
    assert_eq!(channel.name.as_deref(), Some("Qiscus 123"));
    assert_eq!(channel.source.as_deref(), Some("wa"));
    let payload = comment.payload.as_ref().expect("payload");
    assert_eq!(payload.r#type.as_deref(), Some("post_comment_mobile"));

    let from = comment.sender().expect("from");
    assert_eq!(from.name.as_deref(), Some("Harpi"));
    assert_eq!(from.id, Some(Id::from(0_u64)));
    assert_eq!(from.id_str.as_deref(), Some("0"));

    let room = comment.room().expect("room");
    // A string here, an integer in the SDK fixture: the same type either way.
    let room_id: &Id = room.id.as_ref().expect("room id");
    assert_eq!(room_id, &Id::from("123"));
    assert!(room_id.is_string());
    assert_eq!(room_id.as_str(), Some("123"));
    assert_eq!(room_id.as_u64(), None);
    assert_eq!(room_id.to_string(), "123");
    assert_eq!(room.id_str.as_deref(), Some("123"));
    assert_eq!(room.topic_id, Some(Id::from("123")));
    assert_eq!(room.topic_id_str.as_deref(), Some("123"));
    assert_eq!(room.is_public_channel, Some(false));
    assert_eq!(room.r#type.as_deref(), Some("group"));
    let participants = room.participants.as_deref().expect("participants");
    assert_eq!(participants.len(), 2);
    assert_eq!(participants[1].email.as_deref(), Some("xxxn@xx.com"));
    assert_eq!(participants[1].id, None);

    let options: Value = room
        .parse_options()
        .expect("options are JSON")
        .expect("options");
    assert_eq!(options["channel"], "wa");
    assert_eq!(options["is_waiting"], true);
    assert_eq!(options["is_resolved"], false);
    assert_eq!(options["channel_details"]["channel_id"], 963);

    let message = comment.message().expect("message");
    assert_eq!(message.text.as_deref(), Some("chat postman 2"));
    assert_eq!(message.r#type, Some(MessageType::Text));
    assert_eq!(message.id, Some(Id::from(0_u64)));
    assert_eq!(message.comment_before_id_str.as_deref(), Some("0"));
    assert_eq!(message.unix_timestamp, Some(1_752_212_797));
    assert_eq!(message.unix_nano_timestamp, Some(1_752_212_797_000));
    assert_eq!(message.extras, Some(Value::Null)); // null, not absent
    assert_eq!(message.payload, Some(Value::Null));
    assert!(
        message
            .unique_temp_id
            .as_deref()
            .is_some_and(|id| id.starts_with("wa_wamid."))
    );
}

/// `from_slice` then `to_vec` gives back JSON equal, as a value, to the input.
fn assert_lossless(body: &[u8]) -> Event {
    let event = parse(body);
    let written = serde_json::to_vec(&event).expect("an event always serialises");
    let original: Value = serde_json::from_slice(body).expect("JSON");
    let again: Value = serde_json::from_slice(&written).expect("JSON");
    assert_eq!(again, original, "{}", String::from_utf8_lossy(&written));
    assert_eq!(parse(&written), event);
    event
}

#[test]
fn every_fixture_round_trips_losslessly() {
    for fixture in [SDK_2017, MULTICHANNEL_2025] {
        let event = assert_lossless(fixture);
        // Everything in the fixtures is typed: nothing left over, at any level.
        let comment = comment(&event);
        assert!(comment.extra.is_empty(), "{:?}", comment.extra);
        let payload = comment.payload.as_ref().expect("payload");
        assert!(payload.extra.is_empty());
        assert!(comment.sender().expect("from").extra.is_empty());
        assert!(comment.message().expect("message").extra.is_empty());
        let room = comment.room().expect("room");
        assert!(room.extra.is_empty());
        for participant in room.participants.as_deref().expect("participants") {
            assert!(participant.extra.is_empty());
        }
    }
}

/// The Multichannel fixture with members the model does not type at every level, as Qiscus
/// sends some (`participants[].active`, `participants[].extras`) or may add them.
const WITH_UNKNOWN_FIELDS: &str = r#"{
  "app_code": "kovof-123",
  "app_id": 42,
  "channel": {"id": 123, "name": "Qiscus 123", "source": "wa", "is_active": true, "badge_url": null},
  "payload": {
    "from": {"email": "6281xxx132", "id": 0, "id_str": "0", "name": "Harpi", "extras": {"tier": "gold"}, "last_seen": "2025-07-11T05:46:00Z"},
    "message": {
      "created_at": "2025-07-11T05:46:37Z",
      "extras": {"source": "wa", "nested": {"a": [1, 2.5, null, {"b": "c"}]}},
      "payload": {"url": "http://example.com", "unknown_inside_payload": true},
      "status": "delivered",
      "reactions": [{"emoji": "👍", "count": 2}],
      "text": "a <b> & c \u003cscript\u003e",
      "timestamp": "2025-07-11T05:46:37Z",
      "type": "text",
      "unix_nano_timestamp": 1752212797000,
      "unix_timestamp": 1752212797,
      "big": 18446744073709551615,
      "negative": -9223372036854775808
    },
    "room": {
      "id": "123",
      "name": "Harpi",
      "participants": [
        {"active": true, "email": "6281xxx4132", "extras": {"role": "customer"}, "id": "1"},
        {"active": false, "email": "xxxn@xx.com", "extras": null, "unread_count": 3}
      ],
      "pinned": [],
      "type": "group",
      "unread": 0
    },
    "type": "post_comment_mobile",
    "sent_by_bot": false
  },
  "type": "post_comment_mobile",
  "zz_future": {"anything": ["at", "all"]}
}"#;

#[test]
fn members_the_model_does_not_type_are_kept_and_written_back_at_every_level() {
    let event = assert_lossless(WITH_UNKNOWN_FIELDS.as_bytes());
    let comment = comment(&event);
    assert_eq!(comment.extra.get("app_id"), Some(&json!(42)));
    assert_eq!(
        comment.extra.get("zz_future"),
        Some(&json!({"anything": ["at", "all"]}))
    );
    assert!(
        !comment.extra.contains_key("type"),
        "the variant is the type"
    );
    let channel = comment.channel.as_ref().expect("channel");
    assert_eq!(channel.extra.get("is_active"), Some(&json!(true)));
    assert_eq!(channel.extra.get("badge_url"), Some(&Value::Null)); // null kept
    let payload = comment.payload.as_ref().expect("payload");
    assert_eq!(payload.extra.get("sent_by_bot"), Some(&json!(false)));
    assert_eq!(payload.r#type.as_deref(), Some("post_comment_mobile"));
    let from = comment.sender().expect("from");
    assert_eq!(from.extra.get("extras"), Some(&json!({"tier": "gold"})));
    let message = comment.message().expect("message");
    assert_eq!(message.extra.get("status"), Some(&json!("delivered")));
    assert_eq!(message.extra.get("big"), Some(&json!(u64::MAX)));
    assert_eq!(message.extra.get("negative"), Some(&json!(i64::MIN)));
    assert_eq!(message.text.as_deref(), Some("a <b> & c <script>"));
    assert!(!message.extra.contains_key("extras"), "extras is typed");
    let room = comment.room().expect("room");
    assert_eq!(room.extra.get("pinned"), Some(&json!([])));
    let participants = room.participants.as_deref().expect("participants");
    assert_eq!(participants[0].extra.get("active"), Some(&json!(true)));
    assert_eq!(
        participants[0].extra.get("extras"),
        Some(&json!({"role": "customer"}))
    );
    assert_eq!(participants[1].extra.get("active"), Some(&json!(false)));
    assert_eq!(participants[1].extra.get("extras"), Some(&Value::Null));
    assert_eq!(participants[1].extra.get("unread_count"), Some(&json!(3)));

    // Parsed through a generic deserializer, the same event.
    let value: Value = serde_json::from_str(WITH_UNKNOWN_FIELDS).expect("JSON");
    assert_eq!(
        serde_json::from_value::<Event>(value).expect("an event"),
        event
    );
}

#[test]
fn the_raw_bytes_are_the_only_exact_form() {
    // Equal as JSON values, not as bytes: the key order, the spacing and Go's escapes differ.
    let event = assert_lossless(WITH_UNKNOWN_FIELDS.as_bytes());
    let written = serde_json::to_vec(&event).expect("serialises");
    assert_ne!(written, WITH_UNKNOWN_FIELDS.as_bytes());
    let go_escaped = br#"{"payload":{"message":{"text":"<b>"}},"type":"post_comment_rest"}"#;
    let written = serde_json::to_vec(&assert_lossless(go_escaped)).expect("serialises");
    assert_eq!(
        written,
        br#"{"payload":{"message":{"text":"<b>"}},"type":"post_comment_rest"}"#
    );
}

#[test]
fn a_type_put_in_extra_by_hand_is_not_written_twice() {
    let mut comment = PostComment::default();
    comment
        .extra
        .insert("type".into(), json!("post_comment_rest"));
    comment.extra.insert("app_id".into(), json!(1));
    let event = Event::PostCommentMobile(comment);
    assert_eq!(
        serde_json::to_string(&event).expect("serialises"),
        r#"{"app_id":1,"type":"post_comment_mobile"}"#
    );
    // A PostComment parsed on its own keeps the event's `type` among its members.
    let alone: PostComment = serde_json::from_slice(SDK_2017).expect("a comment");
    assert_eq!(alone.extra.get("type"), Some(&json!("post_comment_mobile")));
}

// ---------------------------------------------------------------------------------------------
// Event times.

#[test]
fn the_event_time_of_the_multichannel_fixture_is_its_milliseconds() {
    let event = parse(MULTICHANNEL_2025);
    let message = comment(&event).message().expect("message");
    // 1752212797000 is milliseconds (next to unix_timestamp 1752212797), not nanoseconds.
    let expected = EventTime::from_unix_millis(1_752_212_797_000);
    assert_eq!(expected, EventTime::from_unix_seconds(1_752_212_797));
    assert_eq!(
        EventTime::parse_rfc3339("2025-07-11T05:46:37Z"),
        Some(expected)
    );
    assert_eq!(message.event_time(), Some(expected));
    assert_eq!(event.event_time(), Some(expected));
    assert_eq!(event_time(MULTICHANNEL_2025), Some(expected));
    assert_eq!(expected.unix_nanos(), 1_752_212_797_000_000_000);
    assert_eq!(Some(expected.unix_seconds()), message.unix_timestamp);
    // Read as nanoseconds it would be 1970-01-01T00:29:12Z.
    assert_eq!(
        EventTime::from_unix_nanos(1_752_212_797_000).unix_seconds(),
        1_752
    );
}

#[test]
fn the_event_time_of_the_sdk_fixture_is_its_timestamp() {
    let event = parse(SDK_2017);
    let message = comment(&event).message().expect("message");
    assert_eq!(message.unix_nano_timestamp, None);
    // `timestamp` (to the second) before `created_at` (to the microsecond).
    let expected = EventTime::from_unix_seconds(1_506_162_884);
    assert_eq!(
        EventTime::parse_rfc3339("2017-09-23T10:34:44Z"),
        Some(expected)
    );
    assert_eq!(message.event_time(), Some(expected));
    assert_eq!(event.event_time(), Some(expected));
    assert_eq!(event_time(SDK_2017), Some(expected));
    assert_eq!(Some(expected.unix_seconds()), message.unix_timestamp);

    // Without `timestamp`, `created_at`, with its microseconds.
    let mut message = message.clone();
    message.timestamp = None;
    let created = message.event_time().expect("created_at");
    assert_eq!(
        (created.unix_seconds(), created.subsec_nanos()),
        (1_506_162_884, 156_457_000)
    );
    // An invalid `timestamp` counts as absent.
    message.timestamp = Some("2017-09-23 10:34:44".into());
    assert_eq!(message.event_time(), Some(created));
    message.created_at = None;
    assert_eq!(message.event_time(), None);
}

#[test]
fn unknown_events_have_the_same_event_time_rule() {
    let body = br#"{"payload":{"message":{"unix_nano_timestamp":1506162884156457000}},"type":"message_deleted"}"#;
    let event = parse(body);
    assert!(matches!(event, Event::Unknown(_)));
    let expected = EventTime::from_unix_nanos(1_506_162_884_156_457_000);
    assert_eq!(event.event_time(), Some(expected));
    assert_eq!(event_time(body), Some(expected));
    // A misshapen message in an unknown event: no time, never an error.
    for body in [
        br#"{"payload":{"message":[1]},"type":"x"}"#.as_slice(),
        br#"{"payload":7,"type":"x"}"#,
        br#"{"type":"x"}"#,
        br#"{"payload":{"message":{"unix_nano_timestamp":"1506162884"}},"type":"x"}"#,
    ] {
        assert_eq!(parse(body).event_time(), None);
        assert_eq!(event_time(body), None);
    }
    assert_eq!(parse(br#"{"type":"post_comment_rest"}"#).event_time(), None);
}

// ---------------------------------------------------------------------------------------------
// Error positions.

#[test]
fn a_misfit_deep_in_a_known_event_reports_its_line_and_column() {
    // The Multichannel fixture, pretty-printed, with a participant's id a float.
    let mut value: Value = serde_json::from_slice(MULTICHANNEL_2025).expect("JSON");
    value["payload"]["room"]["participants"][1]["id"] = json!(1.5);
    let pretty = serde_json::to_string_pretty(&value).expect("JSON");
    let (line, text) = pretty
        .lines()
        .enumerate()
        .find(|(_, text)| text.trim() == r#""id": 1.5"#)
        .expect("the misfit is on its own line");
    let line = line + 1;
    let column = text.len(); // serde_json points at the value's last character

    let error = Event::from_slice(pretty.as_bytes()).expect_err("a float is not an id");
    assert_eq!((error.line(), error.column()), (line, column), "{error}");
    assert!(line > 30, "deep inside: line {line}");
    let display = error.to_string();
    assert!(
        display.ends_with(&format!(" at line {line} column {column}")),
        "{display}"
    );
    assert!(display.contains("expected an id"), "{display}");

    // The same for every misfit of a known event: never line 0, column 0.
    for body in [
        "{\"type\":\"post_comment_mobile\",\n\"payload\":5}",
        "{\"payload\":{\"room\":{\"participants\":[null]}},\n\"type\":\"post_comment_rest\"}",
        r#"{"payload":{"message":{"type":7}},"type":"post_comment_rest"}"#,
        r#"{"payload":{"message":{"unix_nano_timestamp":1.5e18}},"type":"post_comment_rest"}"#,
        r#"{"app_code":1,"type":"post_comment_rest"}"#,
        r#"{"payload":[],"type":"post_comment_rest"}"#,
    ] {
        let error = Event::from_slice(body.as_bytes()).expect_err(body);
        assert!(error.line() > 0 && error.column() > 0, "{body}: {error}");
        // Through the generic Deserialize (what `VerifiedJson<Event>` uses): where the object
        // ends, on its last line, never line 0, column 0.
        let lines = body.lines().count();
        let rejection = qiscus_webhook::json::parse::<Event>(body.as_bytes()).expect_err(body);
        let source = std::error::Error::source(&rejection).expect("a payload error");
        let payload = source
            .downcast_ref::<qiscus_webhook::json::PayloadError>()
            .expect("a payload error");
        let last = body.lines().last().unwrap_or_default();
        assert_eq!(payload.line(), lines, "{body}: {payload}");
        assert!(payload.column() >= last.len() - 1, "{body}: {payload}");
    }
    // And for a body that is not an event at all: serde's position, as it reports it.
    for body in [
        "",
        "[]",
        "{}",
        r#"{"type":5}"#,
        r#"{"type":"x"} trailing"#,
        r#"{"a":}"#,
    ] {
        let error = Event::from_slice(body.as_bytes()).expect_err(body);
        assert!(error.line() > 0, "{body:?}: {error}"); // an empty body is at column 0
    }
}

#[test]
fn reserialised_json_is_not_the_signed_bytes() {
    // Why the docs say never to verify re-serialised JSON: Go escapes <, > and &.
    let signed = br#"{"payload":{"message":{"text":"a \u003cb\u003e \u0026 c"}},"type":"post_comment_rest"}"#;
    let event = parse(signed);
    assert_eq!(
        comment(&event).message().and_then(|m| m.text.as_deref()),
        Some("a <b> & c")
    );
    let verifier = Verifier::new(Token::new("secret").expect("token"));
    let reserialised = serde_json::to_vec(&event).expect("serialises");
    assert_ne!(reserialised, signed);
    assert_eq!(
        verifier.verify(&reserialised, &verifier.sign(signed)),
        Err(Error::SignatureMismatch)
    );
}

// ---------------------------------------------------------------------------------------------
// Exact integers.

#[test]
fn unix_nano_timestamp_above_2_pow_53_is_exact_to_the_last_digit() {
    for nanos in [
        1_506_162_884_156_457_000_i64,
        1_506_162_884_156_457_123,
        i64::MAX,
    ] {
        assert!(nanos > 1 << 53);
        let body = format!(
            r#"{{"payload":{{"message":{{"unix_nano_timestamp":{nanos}}}}},"type":"post_comment_mobile"}}"#
        );
        let event = parse(body.as_bytes());
        let message = comment(&event).message().expect("message");
        assert_eq!(message.unix_nano_timestamp, Some(nanos));
        let written = serde_json::to_string(&event).expect("serialises");
        assert!(written.contains(&format!(":{nanos}}}")), "{written}");
    }
    // The test means something: through an f64 the last digits would be lost.
    let nanos = 1_506_162_884_156_457_123_i64;
    let through_f64 = nanos as f64 as i64;
    assert_ne!(through_f64, nanos);
}

#[test]
fn ids_keep_their_form_and_exact_value() {
    let cases: [(&str, Id, &str); 5] = [
        ("0", Id::from(0_u64), "0"),
        (
            "18446744073709551615",
            Id::from(u64::MAX),
            "18446744073709551615",
        ),
        (
            "-9223372036854775808",
            Id::from(i64::MIN),
            "-9223372036854775808",
        ),
        (
            "9007199254740993",
            Id::from(9_007_199_254_740_993_u64),
            "9007199254740993",
        ),
        (r#""0123""#, Id::from("0123"), "0123"),
    ];
    for (json, expected, display) in cases {
        let id: Id = serde_json::from_str(json).expect("an id");
        assert_eq!(id, expected);
        assert_eq!(id.to_string(), display);
        assert_eq!(serde_json::to_string(&id).expect("serialises"), json);
    }
    assert_eq!(Id::from(5_i64), Id::from(5_u64));
    assert_ne!(Id::from(123_u64), Id::from("123"));
    assert_eq!(Id::from(u64::MAX).as_i64(), None);
    assert_eq!(Id::from(-1_i64).as_u64(), None);
    assert_eq!(Id::from(-1_i64).as_i64(), Some(-1));
    assert_eq!(format!("{:?}", Id::from(7_u64)), "Id(7)");
    assert_eq!(format!("{:?}", Id::from("7")), r#"Id("7")"#);
    for not_an_id in [
        "1.5",
        "1e3",
        "true",
        "null",
        "[]",
        "{}",
        "18446744073709551616",
    ] {
        assert!(
            serde_json::from_str::<Id>(not_an_id).is_err(),
            "{not_an_id}"
        );
    }
}

#[test]
fn message_types_parse_and_serialise_by_name() {
    let documented = [
        ("text", MessageType::Text),
        ("file_attachment", MessageType::FileAttachment),
        ("buttons", MessageType::Buttons),
        (
            "button_postback_response",
            MessageType::ButtonPostbackResponse,
        ),
        ("card", MessageType::Card),
        ("carousel", MessageType::Carousel),
        ("location", MessageType::Location),
        ("reply", MessageType::Reply),
        ("custom", MessageType::Custom),
        ("account_linking", MessageType::AccountLinking),
        ("contact_person", MessageType::ContactPerson),
    ];
    for (name, expected) in documented {
        let parsed: MessageType = serde_json::from_value(json!(name)).expect("a type");
        assert_eq!(parsed, expected);
        assert_eq!(parsed.as_str(), name);
        assert_eq!(
            serde_json::to_value(&parsed).expect("serialises"),
            json!(name)
        );
    }
    let unknown: MessageType = serde_json::from_str(r#""Text""#).expect("a type");
    assert_eq!(unknown, MessageType::Unknown("Text".into()));
    assert_eq!(
        serde_json::to_string(&unknown).expect("serialises"),
        r#""Text""#
    );
    assert_eq!(MessageType::from(String::from("card")), MessageType::Card);
    assert!(serde_json::from_str::<MessageType>("1").is_err());
}

// ---------------------------------------------------------------------------------------------
// What parses and what does not.

#[test]
fn an_unknown_type_parses_as_unknown() {
    let event = parse(br#"{"type": "x"}"#);
    assert_eq!(event.event_type(), "x");
    let Event::Unknown(unknown) = &event else {
        panic!("x is not a known type: {event:?}")
    };
    assert_eq!(unknown.event_type(), "x");
    assert!(unknown.fields().is_empty());
    assert_eq!(unknown.payload(), None);
    assert_eq!(event.post_comment(), None);
    assert_eq!(
        serde_json::to_string(&event).expect("serialises"),
        r#"{"type":"x"}"#
    );

    // Whatever the rest holds, including numbers beyond u64 and a known type deeper down.
    let event = parse(
        br#"{"z":[1,{"a":null}],"payload":5,"n":123456789012345678901234567890,"type":"room_deleted","inner":{"type":"post_comment_mobile","payload":5}}"#,
    );
    let Event::Unknown(unknown) = &event else {
        panic!("room_deleted is not a known type: {event:?}")
    };
    assert_eq!(unknown.event_type(), "room_deleted");
    assert_eq!(unknown.payload(), Some(&json!(5)));
    assert_eq!(unknown.fields().len(), 4);
    assert_eq!(reparse(&event), event);
    // `type` in its sorted place when written back.
    let written = serde_json::to_string(&event).expect("serialises");
    assert!(
        written.contains(r#""payload":5,"type":"room_deleted","z":"#),
        "{written}"
    );

    let (event_type, fields) = unknown.clone().into_parts();
    assert_eq!(event_type, "room_deleted");
    assert_eq!(&fields, unknown.fields());
    let rebuilt = UnknownEvent::new("room_deleted", {
        let mut with_type = fields;
        with_type.insert("type".into(), json!("ignored"));
        with_type
    });
    assert_eq!(&rebuilt, unknown);
}

#[test]
fn a_known_type_with_nothing_else_parses() {
    let event = parse(br#"{"type":"post_comment_rest"}"#);
    assert_eq!(event, Event::PostCommentRest(PostComment::default()));
    assert_eq!(event.event_type(), "post_comment_rest");
    let comment = comment(&event);
    assert_eq!(
        (comment.sender(), comment.room(), comment.message()),
        (None, None, None)
    );

    // Every field null is every field absent (except raw JSON, where null is kept).
    let event = parse(
        br#"{"app_code":null,"channel":null,"payload":{"from":null,"room":{"participants":null,"options":null},"message":{"extras":null,"payload":null,"type":null,"id":null}},"type":"post_comment_mobile"}"#,
    );
    let message = comment_message(&event);
    assert_eq!(
        (message.extras.clone(), message.payload.clone()),
        (Some(Value::Null), Some(Value::Null))
    );
    assert_eq!((message.r#type.clone(), message.id.clone()), (None, None));
    assert_eq!(comment_room(&event), &Room::default());
    assert_eq!(reparse(&event), event);
}

fn comment_message(event: &Event) -> &Message {
    comment(event).message().expect("message")
}

fn comment_room(event: &Event) -> &Room {
    comment(event).room().expect("room")
}

#[test]
fn extras_and_payload_distinguish_absent_null_and_empty() {
    let absent = parse(br#"{"payload":{"message":{}},"type":"post_comment_mobile"}"#);
    let null = parse(
        br#"{"payload":{"message":{"extras":null,"payload":null}},"type":"post_comment_mobile"}"#,
    );
    let empty = parse(
        br#"{"payload":{"message":{"extras":{},"payload":{}}},"type":"post_comment_mobile"}"#,
    );
    assert_eq!(comment_message(&absent).extras, None);
    assert_eq!(comment_message(&absent).payload, None);
    assert_eq!(comment_message(&null).extras, Some(Value::Null));
    assert_eq!(comment_message(&null).payload, Some(Value::Null));
    assert_eq!(comment_message(&empty).extras, Some(json!({})));
    assert_eq!(comment_message(&empty).payload, Some(json!({})));
    for event in [absent, null, empty] {
        assert_eq!(reparse(&event), event);
    }
}

#[test]
fn room_options_parse_on_demand() {
    let room = |options: Value| -> Room {
        serde_json::from_value(json!({ "options": options })).expect("a room")
    };
    assert_eq!(
        room(json!("")).parse_options::<Value>().expect("blank"),
        None
    );
    assert_eq!(
        room(json!(" \n")).parse_options::<Value>().expect("blank"),
        None
    );
    assert_eq!(
        room(json!("{}")).parse_options::<Value>().expect("JSON"),
        Some(json!({}))
    );
    assert!(room(json!("{not json")).parse_options::<Value>().is_err());

    #[derive(serde::Deserialize)]
    struct Options {
        channel: String,
        is_waiting: bool,
    }
    let event = parse(MULTICHANNEL_2025);
    let options: Options = comment_room(&event)
        .parse_options()
        .expect("JSON")
        .expect("options");
    assert_eq!((options.channel.as_str(), options.is_waiting), ("wa", true));
}

#[test]
fn a_known_type_whose_fields_do_not_fit_is_an_error() {
    for body in [
        r#"{"type":"post_comment_mobile","payload":5}"#,
        r#"{"type":"post_comment_mobile","payload":"{}"}"#,
        r#"{"type":"post_comment_rest","payload":[]}"#,
        r#"{"type":"post_comment_rest","payload":[null,null,null,null]}"#,
        r#"{"type":"post_comment_mobile","channel":"wa"}"#,
        r#"{"type":"post_comment_mobile","payload":{"room":{"participants":[null]}}}"#,
        r#"{"type":"post_comment_mobile","payload":{"room":{"participants":{}}}}"#,
        r#"{"type":"post_comment_mobile","payload":{"message":{"unix_nano_timestamp":1.5e18}}}"#,
        r#"{"type":"post_comment_mobile","payload":{"message":{"unix_timestamp":"1506162884"}}}"#,
        r#"{"type":"post_comment_mobile","payload":{"message":{"type":7}}}"#,
        r#"{"type":"post_comment_mobile","payload":{"from":{"id":1.0}}}"#,
    ] {
        assert!(Event::from_slice(body.as_bytes()).is_err(), "{body}");
    }
}

#[test]
fn a_body_that_is_not_an_event_object_is_an_error() {
    for body in [
        "",
        "null",
        "[]",
        r#""post_comment_mobile""#,
        "{}",
        r#"{"payload":{}}"#,
        r#"{"type":null}"#,
        r#"{"type":5}"#,
        r#"{"type":["x"]}"#,
        r#"{"type":"x""#,
        r#"{"type":"x"} trailing"#,
    ] {
        assert!(Event::from_slice(body.as_bytes()).is_err(), "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Verify, then parse.

fn verifier() -> Verifier {
    Verifier::new(Token::new("the signature token").expect("token"))
}

#[test]
fn verify_and_parse_accepts_a_good_signature_over_good_json() {
    let verifier = verifier();
    for fixture in [SDK_2017, MULTICHANNEL_2025] {
        let (verified, event) = verifier
            .verify_and_parse::<Event>(fixture, &verifier.sign(fixture))
            .expect("verified and parsed");
        assert!(verified.is_primary());
        assert_eq!(event, parse(fixture));
    }
    let (_, value) = verifier
        .verify_and_parse::<Value>(b"[1]", &verifier.sign(b"[1]"))
        .expect("any DeserializeOwned");
    assert_eq!(value, json!([1]));
}

#[test]
fn verify_and_parse_refuses_a_good_signature_over_bad_json_as_invalid_payload() {
    let verifier = verifier();
    for body in [
        &b"not json"[..],
        b"",
        b"{\"type\":\"post_comment_mobile\",\"payload\":5}",
        b"{\"no_type\":1}",
    ] {
        let result = verifier.verify_and_parse::<Event>(body, &verifier.sign(body));
        assert_eq!(result.unwrap_err(), Error::InvalidPayload);
    }
}

#[test]
fn verify_and_parse_refuses_a_bad_signature_before_parsing() {
    let verifier = verifier();
    let forger = Verifier::new(Token::new("not the token").expect("token"));
    for body in [
        &b"not json"[..],
        b"{\"type\":\"post_comment_mobile\",\"payload\":5}",
        SDK_2017,
    ] {
        let result = verifier.verify_and_parse::<Event>(body, &forger.sign(body));
        assert_eq!(result.unwrap_err(), Error::SignatureMismatch);
    }
    // Over the limit: refused as too large, never parsed.
    let small = verifier.clone().with_body_limit(8);
    let body = b"not json, and too long";
    let result = small.verify_and_parse::<Event>(body, &small.sign(body));
    assert_eq!(result.unwrap_err(), Error::BodyTooLarge);
}

#[test]
fn streaming_verification_then_from_slice() {
    let verifier = verifier();
    let header = verifier.sign(MULTICHANNEL_2025).to_string();
    let mut request = verifier
        .begin_request(
            [header.as_bytes()],
            Some(MULTICHANNEL_2025.len().to_string().as_bytes()),
            None,
        )
        .expect("header");
    for chunk in MULTICHANNEL_2025.chunks(100) {
        request.update(chunk).expect("under the limit");
    }
    request.finish().expect("verified");
    assert_eq!(
        Event::from_slice(MULTICHANNEL_2025)
            .expect("parses")
            .event_type(),
        "post_comment_mobile"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// Floats that serde_json writes and reads back exactly (few digits, small exponent), so that
/// round trips can be compared with `==`.
fn exact_f64() -> impl Strategy<Value = f64> {
    (any::<i16>(), 0_i32..=8)
        .prop_map(|(mantissa, shift)| f64::from(mantissa) / f64::from(1_u16 << shift))
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        exact_f64().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> BoxedStrategy<Value> {
    json_leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                json_object_of(inner).prop_map(Value::Object),
            ]
        })
        .boxed()
}

fn json_object_of(
    values: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![
        any::<String>(),
        "[a-z_]{1,12}".boxed(),
        Just("type".to_owned()),
        // The model's own names, so that nested objects often hit a modelled field.
        prop::sample::select(model_keys()).prop_map(str::to_owned),
    ];
    prop::collection::btree_map(key, values, 0..6).prop_map(|map| map.into_iter().collect())
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    json_object_of(json_value())
}

/// Event types that are not known: anything, and near misses of the known names.
fn unknown_type() -> impl Strategy<Value = String> {
    let near_miss =
        (prop::sample::select(Event::KNOWN_TYPES), 0_usize..6).prop_map(|(name, how)| match how {
            0 => name.to_uppercase(),
            1 => format!("{name} "),
            2 => format!(" {name}"),
            3 => name[..name.len() - 1].to_owned(),
            4 => format!("{name}\0"),
            _ => name.replace('_', "-"),
        });
    prop_oneof![any::<String>(), "[a-z_]{0,24}".boxed(), near_miss.boxed()]
        .prop_filter("not a known type", |name| {
            !Event::KNOWN_TYPES.contains(&name.as_str())
        })
}

fn known_type() -> impl Strategy<Value = &'static str> {
    prop::sample::select(Event::KNOWN_TYPES)
}

fn opt_string() -> BoxedStrategy<Option<String>> {
    prop::option::of(prop_oneof![any::<String>(), "[a-z0-9 _<>&]{0,16}".boxed()]).boxed()
}

fn opt_id() -> BoxedStrategy<Option<Id>> {
    prop::option::of(prop_oneof![
        any::<u64>().prop_map(Id::from),
        any::<i64>().prop_map(Id::from),
        any::<String>().prop_map(Id::from),
        "[0-9]{1,20}".prop_map(Id::from),
    ])
    .boxed()
}

/// Raw JSON fields: absent, `null` and every other value are three different things.
fn opt_raw() -> BoxedStrategy<Option<Value>> {
    prop::option::of(json_value()).boxed()
}

fn opt_message_type() -> BoxedStrategy<Option<MessageType>> {
    const NAMES: &[&str] = &[
        "text",
        "file_attachment",
        "buttons",
        "button_postback_response",
        "card",
        "carousel",
        "location",
        "reply",
        "custom",
        "account_linking",
        "contact_person",
    ];
    prop::option::of(prop_oneof![
        prop::sample::select(NAMES).prop_map(MessageType::from),
        any::<String>().prop_map(MessageType::from),
    ])
    .boxed()
}

fn user() -> BoxedStrategy<User> {
    (
        opt_string(),
        opt_string(),
        opt_id(),
        opt_string(),
        opt_string(),
    )
        .prop_map(|(avatar_url, email, id, id_str, name)| {
            let mut user = User::default();
            (user.avatar_url, user.email, user.id, user.id_str, user.name) =
                (avatar_url, email, id, id_str, name);
            user
        })
        .boxed()
}

fn participant() -> BoxedStrategy<Participant> {
    (
        (opt_string(), opt_string(), opt_id(), opt_string()),
        (opt_id(), opt_string(), opt_id(), opt_string(), opt_string()),
    )
        .prop_map(
            |(
                (avatar_url, email, id, id_str),
                (read, read_str, received, received_str, username),
            )| {
                let mut participant = Participant::default();
                (
                    participant.avatar_url,
                    participant.email,
                    participant.id,
                    participant.id_str,
                ) = (avatar_url, email, id, id_str);
                (
                    participant.last_comment_read_id,
                    participant.last_comment_read_id_str,
                ) = (read, read_str);
                (
                    participant.last_comment_received_id,
                    participant.last_comment_received_id_str,
                ) = (received, received_str);
                participant.username = username;
                participant
            },
        )
        .boxed()
}

fn room() -> BoxedStrategy<Room> {
    (
        (
            opt_id(),
            opt_string(),
            prop::option::of(any::<bool>()),
            opt_string(),
        ),
        (
            prop::option::of(prop_oneof![
                opt_raw().prop_map(|options| options.map_or_else(String::new, |v| v.to_string())),
                any::<String>(),
            ]),
            prop::option::of(prop::collection::vec(participant(), 0..4)),
        ),
        (opt_string(), opt_id(), opt_string(), opt_string()),
    )
        .prop_map(
            |(
                (id, id_str, public, name),
                (options, participants),
                (avatar, topic, topic_str, kind),
            )| {
                let mut room = Room::default();
                (room.id, room.id_str, room.is_public_channel, room.name) =
                    (id, id_str, public, name);
                (room.options, room.participants) = (options, participants);
                (
                    room.room_avatar,
                    room.topic_id,
                    room.topic_id_str,
                    room.r#type,
                ) = (avatar, topic, topic_str, kind);
                room
            },
        )
        .boxed()
}

fn message() -> BoxedStrategy<Message> {
    (
        (
            opt_id(),
            opt_string(),
            opt_string(),
            prop::option::of(any::<bool>()),
            opt_raw(),
        ),
        (
            opt_id(),
            opt_string(),
            opt_raw(),
            opt_string(),
            opt_string(),
        ),
        (
            opt_message_type(),
            opt_string(),
            prop::option::of(any::<i64>()),
            prop::option::of(any::<i64>()),
        ),
    )
        .prop_map(|(first, second, third)| {
            let mut message = Message::default();
            (
                message.comment_before_id,
                message.comment_before_id_str,
                message.created_at,
                message.disable_link_preview,
                message.extras,
            ) = first;
            (
                message.id,
                message.id_str,
                message.payload,
                message.text,
                message.timestamp,
            ) = second;
            (
                message.r#type,
                message.unique_temp_id,
                message.unix_nano_timestamp,
                message.unix_timestamp,
            ) = third;
            message
        })
        .boxed()
}

fn post_comment() -> BoxedStrategy<PostComment> {
    let channel = (opt_id(), opt_string(), opt_string()).prop_map(|(id, name, source)| {
        let mut channel = Channel::default();
        (channel.id, channel.name, channel.source) = (id, name, source);
        channel
    });
    let payload = (
        prop::option::of(user()),
        prop::option::of(message()),
        prop::option::of(room()),
        opt_string(),
    )
        .prop_map(|(from, message, room, kind)| {
            let mut payload = CommentPayload::default();
            (payload.from, payload.message, payload.room, payload.r#type) =
                (from, message, room, kind);
            payload
        });
    (
        opt_string(),
        prop::option::of(channel),
        prop::option::of(payload),
    )
        .prop_map(|(app_code, channel, payload)| {
            let mut comment = PostComment::default();
            (comment.app_code, comment.channel, comment.payload) = (app_code, channel, payload);
            comment
        })
        .boxed()
}

fn known_event() -> BoxedStrategy<Event> {
    (any::<bool>(), post_comment())
        .prop_map(|(mobile, comment)| {
            if mobile {
                Event::PostCommentMobile(comment)
            } else {
                Event::PostCommentRest(comment)
            }
        })
        .boxed()
}

/// What a field of the model accepts. Every field but a list element also accepts `null`, as
/// absent.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Any,
    Object,
    ObjectList,
    ListElement,
    String,
    Bool,
    I64,
    Id,
}

impl Kind {
    fn fits(self, value: &Value) -> bool {
        match self {
            Self::Any => true,
            Self::ListElement => value.is_object(),
            _ if value.is_null() => true,
            Self::Object => value.is_object(),
            Self::ObjectList => value
                .as_array()
                .is_some_and(|list| list.iter().all(Value::is_object)),
            Self::String => value.is_string(),
            Self::Bool => value.is_boolean(),
            Self::I64 => value.is_i64(),
            Self::Id => value.is_i64() || value.is_u64() || value.is_string(),
        }
    }
}

/// Every modelled field of a post_comment event, by path (`[]`: an element of a list). Any
/// other member is not typed, and kept raw in its object's `extra`.
const FIELDS: &[(&[&str], Kind)] = &[
    (&["app_code"], Kind::String),
    (&["channel"], Kind::Object),
    (&["channel", "id"], Kind::Id),
    (&["channel", "name"], Kind::String),
    (&["channel", "source"], Kind::String),
    (&["payload"], Kind::Object),
    (&["payload", "type"], Kind::String),
    (&["payload", "from"], Kind::Object),
    (&["payload", "from", "avatar_url"], Kind::String),
    (&["payload", "from", "email"], Kind::String),
    (&["payload", "from", "id"], Kind::Id),
    (&["payload", "from", "id_str"], Kind::String),
    (&["payload", "from", "name"], Kind::String),
    (&["payload", "room"], Kind::Object),
    (&["payload", "room", "id"], Kind::Id),
    (&["payload", "room", "id_str"], Kind::String),
    (&["payload", "room", "is_public_channel"], Kind::Bool),
    (&["payload", "room", "name"], Kind::String),
    (&["payload", "room", "options"], Kind::String),
    (&["payload", "room", "participants"], Kind::ObjectList),
    (
        &["payload", "room", "participants", "[]"],
        Kind::ListElement,
    ),
    (
        &["payload", "room", "participants", "[]", "avatar_url"],
        Kind::String,
    ),
    (
        &["payload", "room", "participants", "[]", "email"],
        Kind::String,
    ),
    (&["payload", "room", "participants", "[]", "id"], Kind::Id),
    (
        &["payload", "room", "participants", "[]", "id_str"],
        Kind::String,
    ),
    (
        &[
            "payload",
            "room",
            "participants",
            "[]",
            "last_comment_read_id",
        ],
        Kind::Id,
    ),
    (
        &[
            "payload",
            "room",
            "participants",
            "[]",
            "last_comment_read_id_str",
        ],
        Kind::String,
    ),
    (
        &[
            "payload",
            "room",
            "participants",
            "[]",
            "last_comment_received_id",
        ],
        Kind::Id,
    ),
    (
        &[
            "payload",
            "room",
            "participants",
            "[]",
            "last_comment_received_id_str",
        ],
        Kind::String,
    ),
    (
        &["payload", "room", "participants", "[]", "username"],
        Kind::String,
    ),
    (&["payload", "room", "room_avatar"], Kind::String),
    (&["payload", "room", "topic_id"], Kind::Id),
    (&["payload", "room", "topic_id_str"], Kind::String),
    (&["payload", "room", "type"], Kind::String),
    (&["payload", "message"], Kind::Object),
    (&["payload", "message", "comment_before_id"], Kind::Id),
    (
        &["payload", "message", "comment_before_id_str"],
        Kind::String,
    ),
    (&["payload", "message", "created_at"], Kind::String),
    (&["payload", "message", "disable_link_preview"], Kind::Bool),
    (&["payload", "message", "id"], Kind::Id),
    (&["payload", "message", "id_str"], Kind::String),
    (&["payload", "message", "text"], Kind::String),
    (&["payload", "message", "timestamp"], Kind::String),
    (&["payload", "message", "type"], Kind::String),
    (&["payload", "message", "unique_temp_id"], Kind::String),
    (&["payload", "message", "unix_nano_timestamp"], Kind::I64),
    (&["payload", "message", "unix_timestamp"], Kind::I64),
    (&["payload", "message", "extras"], Kind::Any),
    (&["payload", "message", "payload"], Kind::Any),
];

/// Every name the model uses.
fn model_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = FIELDS
        .iter()
        .filter_map(|(path, _)| path.last().copied())
        .collect();
    keys.retain(|key| *key != "[]");
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Whether `value` at `path` fits the model: the field's kind, and recursively every modelled
/// member inside it (members the model does not name fit anything: they are kept raw).
fn fits_model(path: &[&str], value: &Value) -> bool {
    let Some(&(_, kind)) = FIELDS.iter().find(|(field, _)| *field == path) else {
        return true;
    };
    if !kind.fits(value) {
        return false;
    }
    let inside = |key: &str, member: &Value| {
        let mut deeper = path.to_vec();
        deeper.push(key);
        fits_model(&deeper, member)
    };
    match (kind, value) {
        (Kind::Object | Kind::ListElement, Value::Object(members)) => {
            members.iter().all(|(key, member)| inside(key, member))
        }
        (Kind::ObjectList, Value::Array(list)) => list.iter().all(|member| inside("[]", member)),
        _ => true,
    }
}

/// The JSON with `leaf` at `path` (objects along the way; `[]` is a one-element list).
fn nest(path: &[&str], leaf: Value) -> Value {
    match path.split_first() {
        None => leaf,
        Some((&"[]", rest)) => Value::Array(vec![nest(rest, leaf)]),
        Some((key, rest)) => json!({ *key: nest(rest, leaf) }),
    }
}

/// Adds members whose keys the model does not use to every object of the model in an event's
/// JSON (not inside the raw `extras` and `payload` of the message, which are kept whole).
fn add_unknown_fields(event: &mut Value, extra: &Map<String, Value>) {
    let add = |object: &mut Value| {
        if let Value::Object(object) = object {
            for (key, member) in extra {
                object.insert(format!("zz_not_modelled_{key}"), member.clone());
            }
        }
    };
    for pointer in [
        "",
        "/channel",
        "/payload",
        "/payload/from",
        "/payload/room",
        "/payload/message",
    ] {
        event.pointer_mut(pointer).map(add);
    }
    if let Some(Value::Array(participants)) = event.pointer_mut("/payload/room/participants") {
        participants.iter_mut().for_each(add);
    }
}

/// The event with every `extra` emptied: only the typed fields.
fn without_extra(event: Event) -> Event {
    let strip = |comment: &mut PostComment| {
        comment.extra.clear();
        if let Some(channel) = &mut comment.channel {
            channel.extra.clear();
        }
        if let Some(payload) = &mut comment.payload {
            payload.extra.clear();
            if let Some(from) = &mut payload.from {
                from.extra.clear();
            }
            if let Some(message) = &mut payload.message {
                message.extra.clear();
            }
            if let Some(room) = &mut payload.room {
                room.extra.clear();
                for participant in room.participants.iter_mut().flatten() {
                    participant.extra.clear();
                }
            }
        }
    };
    match event {
        Event::PostCommentMobile(mut comment) => {
            strip(&mut comment);
            Event::PostCommentMobile(comment)
        }
        Event::PostCommentRest(mut comment) => {
            strip(&mut comment);
            Event::PostCommentRest(comment)
        }
        other => other,
    }
}

/// Does this JSON hold a float anywhere (which serde_json may read back one ulp off)?
fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(list) => list.iter().any(has_float),
        Value::Object(object) => object.values().any(has_float),
        _ => false,
    }
}

fn mutated(fixture: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(edits, cut)| {
            let mut bytes = fixture.to_vec();
            for (at, byte) in edits {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Any JSON object whose string `type` is not a known name parses, as Unknown with that
    /// type and every other member kept, and round-trips.
    #[test]
    fn objects_with_an_unknown_type_parse_as_unknown(mut object in json_object(), event_type in unknown_type()) {
        object.insert("type".to_owned(), Value::String(event_type.clone()));
        let body = serde_json::to_vec(&object).expect("JSON");
        let event = Event::from_slice(&body);
        prop_assert!(event.is_ok(), "{:?}", event);
        let event = event.expect("checked");
        prop_assert_eq!(event.event_type(), event_type.as_str());
        let Event::Unknown(unknown) = &event else {
            return Err(TestCaseError::fail(format!("not Unknown: {event:?}")));
        };
        object.remove("type");
        prop_assert_eq!(unknown.fields(), &object);
        prop_assert_eq!(unknown.payload(), object.get("payload"));
        prop_assert_eq!(reparse(&event), event.clone());
    }

    /// Arbitrary bytes and damaged fixtures never panic; what parses follows the rules:
    /// only a JSON object parses, an unknown string `type` always does, and it round-trips.
    #[test]
    fn arbitrary_bytes_never_panic(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            mutated(SDK_2017),
            mutated(MULTICHANNEL_2025),
        ]
    ) {
        let event = Event::from_slice(&body);
        let value = serde_json::from_slice::<Value>(&body);
        match (&event, &value) {
            (Ok(event), Ok(value)) => {
                prop_assert!(value.is_object());
                prop_assert_eq!(Some(event.event_type()), value["type"].as_str());
                let written = serde_json::to_value(event).expect("serialises");
                let again = parse(&serde_json::to_vec(event).expect("serialises"));
                prop_assert_eq!(again.event_type(), event.event_type());
                if !has_float(&written) {
                    prop_assert_eq!(&again, event);
                }
            }
            (Ok(event), Err(error)) => {
                return Err(TestCaseError::fail(format!("{event:?} parsed from invalid JSON: {error}")));
            }
            (Err(_), Ok(value)) => {
                // Valid JSON refused: never an object with an unknown string type.
                let unknown = value["type"].as_str().is_some_and(|t| !Event::KNOWN_TYPES.contains(&t));
                prop_assert!(!(value.is_object() && unknown), "refused {}", value);
            }
            (Err(_), Err(_)) => {}
        }
    }

    /// Known events built from random optional fields serialise to JSON that parses back to
    /// the same event.
    #[test]
    fn known_events_round_trip(event in known_event()) {
        let body = serde_json::to_vec(&event).expect("serialises");
        let parsed = Event::from_slice(&body);
        prop_assert!(parsed.is_ok(), "{:?} from {}", parsed, String::from_utf8_lossy(&body));
        prop_assert_eq!(parsed.expect("checked"), event.clone());
        let written = serde_json::to_value(&event).expect("serialises");
        prop_assert_eq!(&written["type"], event.event_type());
    }

    /// Members the model does not type are kept, at every level: the event parses to the same
    /// typed fields, and serialises back to JSON equal to what it was parsed from.
    #[test]
    fn unknown_fields_are_kept(event in known_event(), extra in json_object()) {
        let mut value = serde_json::to_value(&event).expect("serialises");
        add_unknown_fields(&mut value, &extra);
        let parsed = Event::from_slice(&serde_json::to_vec(&value).expect("JSON"));
        prop_assert!(parsed.is_ok(), "{:?}", parsed);
        let parsed = parsed.expect("checked");
        prop_assert_eq!(serde_json::to_value(&parsed).expect("serialises"), value);
        prop_assert_eq!(without_extra(parsed), event);
    }

    /// A known type promises a shape: the event parses exactly when every modelled field in it
    /// fits the model (`null` is absent; unknown members are ignored, at any depth); a single
    /// misshapen field makes the whole event an error, never an Unknown.
    #[test]
    fn a_known_type_parses_exactly_when_its_fields_fit(
        event_type in known_type(),
        (path, kind) in prop::sample::select(FIELDS),
        value in json_value(),
    ) {
        let mut body = nest(path, value.clone());
        body["type"] = json!(event_type);
        let parsed = Event::from_slice(&serde_json::to_vec(&body).expect("JSON"));
        if kind.fits(&value) && !value.is_object() && !value.is_array() {
            prop_assert!(parsed.is_ok(), "{} refused: {:?}", body, parsed);
        }
        if !kind.fits(&value) {
            prop_assert!(parsed.is_err(), "{} parsed: {:?}", body, parsed);
        }
        prop_assert_eq!(parsed.is_ok(), fits_model(path, &value), "{} gave {:?}", body, parsed);
    }

    /// The top-level `payload` of a known type: absent, `null` or a fitting object parse; any
    /// other kind of value (a number, a string, an array...) is an error.
    #[test]
    fn a_known_type_payload_must_be_an_object(event_type in known_type(), payload in json_value(), extra in json_object()) {
        let body = json!({ "type": event_type, "payload": payload.clone() });
        let parsed = Event::from_slice(&serde_json::to_vec(&body).expect("JSON"));
        if !payload.is_object() && !payload.is_null() {
            prop_assert!(parsed.is_err(), "{} parsed: {:?}", body, parsed);
        }
        prop_assert_eq!(parsed.is_ok(), fits_model(&["payload"], &payload), "{} gave {:?}", body, parsed);

        let unmodelled: Map<String, Value> = extra
            .into_iter()
            .filter(|(key, _)| !["from", "message", "room", "type"].contains(&key.as_str()))
            .collect();
        let body = json!({ "type": event_type, "payload": unmodelled });
        let parsed = Event::from_slice(&serde_json::to_vec(&body).expect("JSON"));
        prop_assert!(parsed.is_ok(), "{} refused: {:?}", body, parsed);
        let comment = parsed.expect("checked");
        let payload = comment.post_comment().and_then(|c| c.payload.clone()).expect("a payload");
        prop_assert_eq!(&payload.extra, &unmodelled);
        prop_assert_eq!((payload.from, payload.message, payload.room, payload.r#type), (None, None, None, None));
    }
}

/// A key repeated in one object means two things to two JSON readers; both parse paths
/// refuse it, at any depth and for any type (found by the axum_extractor fuzz target: a
/// repeated `payload.message.type` was 400 through `from_slice` and 200 through `json::parse`).
#[test]
fn a_repeated_key_is_refused_by_both_parse_paths() {
    let repeated = [
        br#"{"payload":{"message":{"type":"text","type":"group"}},"type":"post_comment_mobile"}"#
            .as_slice(),
        br#"{"type":"post_comment_rest","type":"post_comment_rest"}"#,
        br#"{"payload":{"extras":{"a":1,"a":1}},"type":"post_comment_mobile"}"#,
        br#"{"payload":{"rooms":[{"x":1},{"y":1,"y":2}]},"type":"some_new_event"}"#,
    ];
    for body in repeated {
        let text = String::from_utf8_lossy(body);
        assert!(
            Event::from_slice(body).is_err(),
            "from_slice accepted {text}"
        );
        let generic = qiscus_webhook::json::parse::<Event>(body);
        assert!(generic.is_err(), "json::parse accepted {text}");
        assert!(serde_json::from_slice::<Event>(body).is_err(), "{text}");
    }
    // The same keys, once each, in sibling objects: fine on both paths.
    let once = br#"{"payload":{"rooms":[{"y":1},{"y":2}]},"type":"some_new_event"}"#;
    assert!(Event::from_slice(once).is_ok());
    assert!(qiscus_webhook::json::parse::<Event>(once).is_ok());
}
