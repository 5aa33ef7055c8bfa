//! Target `events`: `Event::from_slice` on arbitrary bytes and on arbitrary objects.

use std::string::String;
use std::vec::Vec;

use arbitrary::Unstructured;
use qiscus_webhook::events::Event;
use serde_json::{Map, Value};

/// Target `events`. Input: any bytes, used twice.
///
/// 1. As a body: [`Event::from_slice`] never panics, and agrees with plain JSON parsing: a
///    JSON object whose `type` is a string this crate does not know parses as
///    [`Event::Unknown`] with that type and every other member as is; anything but an object
///    with a string `type` is an error, and so is JSON in which any object names a key twice
///    (one meaning per body, whichever path parses it; the model is [`repeats_a_key`]). An
///    event that parses serialises back to JSON that parses to an equal event (checked when
///    the body holds no float, whose text serde_json does not promise to round-trip exactly).
/// 2. As the seed of a JSON object ([`unknown_object`]): with a `type` that is not a known
///    event name, serialised by serde_json, it always parses as [`Event::Unknown`].
///
/// # Panics
///
/// When a property fails.
pub fn events(data: &[u8]) {
    check_body(data);
    if let Some((event_type, body)) = unknown_object(data) {
        match Event::from_slice(&body) {
            Ok(Event::Unknown(event)) => assert_eq!(event.event_type(), event_type),
            other => panic!("an object of unknown type {event_type:?} parsed as {other:?}"),
        }
        check_body(&body);
    }
}

fn check_body(body: &[u8]) {
    let event = Event::from_slice(body);
    if repeats_a_key(body) {
        assert!(event.is_err(), "a key repeats, yet {event:?}");
        return;
    }
    let json = serde_json::from_slice::<Value>(body);
    let object = match &json {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    };
    match object.map(|object| object.get("type")) {
        Some(Some(Value::String(event_type)))
            if !Event::KNOWN_TYPES.contains(&event_type.as_str()) =>
        {
            let Ok(Event::Unknown(unknown)) = &event else {
                panic!("unknown type {event_type:?} parsed as {event:?}");
            };
            assert_eq!(unknown.event_type(), event_type);
            let mut fields = object.cloned().unwrap_or_default();
            fields.remove("type");
            assert_eq!(unknown.fields(), &fields, "an unknown event's fields");
        }
        Some(Some(Value::String(_))) => {} // A known type: its fields may or may not fit.
        _ => assert!(
            event.is_err(),
            "not an object with a string type, yet {event:?}"
        ),
    }
    if let (Ok(event), Ok(json)) = (&event, &json)
        && !holds_float(json)
    {
        let text = serde_json::to_vec(event).expect("an event serialises");
        let again = Event::from_slice(&text);
        assert_eq!(
            again.as_ref().ok(),
            Some(event),
            "the event does not round-trip"
        );
    }
}

/// Whether `body` is JSON in which some object, at any depth, names a key twice (keys compared
/// after unescaping: `"type"` and `"typ\u0065"` are one key). `false` for anything that is not
/// JSON. Written apart from the core's rule on purpose: an oracle that calls the code it checks
/// proves nothing.
#[must_use]
pub fn repeats_a_key(body: &[u8]) -> bool {
    let mut reader = serde_json::Deserializer::from_slice(body);
    match serde::Deserialize::deserialize(&mut reader) {
        Ok(Keys(repeated)) => repeated && reader.end().is_ok(),
        Err(_) => false,
    }
}

/// Reads any JSON value; `.0` says whether one of its objects repeats a key.
struct Keys(bool);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

struct KeysVisitor;

impl<'de> serde::de::Visitor<'de> for KeysVisitor {
    type Value = Keys;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_str<E>(self, _: &str) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_unit<E>(self) -> Result<Keys, E> {
        Ok(Keys(false))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
        let mut repeated = false;
        while let Some(Keys(inner)) = seq.next_element()? {
            repeated |= inner;
        }
        Ok(Keys(repeated))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        let mut repeated = false;
        while let Some(key) = map.next_key::<String>()? {
            repeated |= !seen.insert(key);
            let Keys(inner) = map.next_value()?;
            repeated |= inner;
        }
        Ok(Keys(repeated))
    }
}

fn holds_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(values) => values.iter().any(holds_float),
        Value::Object(members) => members.values().any(holds_float),
        _ => false,
    }
}

/// The JSON object `data` seeds, and its `type`: random members (nested up to three deep) and
/// a string `type` that is not one of [`Event::KNOWN_TYPES`]; `None` when the seed picks a
/// known type.
#[must_use]
pub fn unknown_object(data: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut seed = Unstructured::new(data);
    let event_type: String = seed.arbitrary().unwrap_or_default();
    if Event::KNOWN_TYPES.contains(&event_type.as_str()) {
        return None;
    }
    let mut object = object(&mut seed, 3);
    object.insert("type".into(), Value::String(event_type.clone()));
    let body = serde_json::to_vec(&object).expect("a JSON object serialises");
    Some((event_type, body))
}

fn object(seed: &mut Unstructured<'_>, depth: u32) -> Map<String, Value> {
    let len = seed.int_in_range(0..=6).unwrap_or(0);
    (0..len)
        .map(|_| {
            let key: String = seed.arbitrary().unwrap_or_default();
            (key, value(seed, depth))
        })
        .collect()
}

fn value(seed: &mut Unstructured<'_>, depth: u32) -> Value {
    let kinds = if depth == 0 { 5 } else { 7 };
    match seed.int_in_range(0..=kinds).unwrap_or(0) {
        0 => Value::Null,
        1 => Value::Bool(seed.arbitrary().unwrap_or_default()),
        2 => seed.arbitrary::<i64>().unwrap_or_default().into(),
        3 => seed.arbitrary::<u64>().unwrap_or_default().into(),
        // A non-finite float becomes `null`.
        4 => seed.arbitrary::<f64>().unwrap_or_default().into(),
        5 => Value::String(seed.arbitrary().unwrap_or_default()),
        6 => {
            let len = seed.int_in_range(0..=4).unwrap_or(0);
            Value::Array((0..len).map(|_| value(seed, depth - 1)).collect())
        }
        _ => Value::Object(object(seed, depth - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_objects_have_their_type() {
        for seed in [&b""[..], b"\x05hello world, some more bytes", &[0xff; 64]] {
            let (event_type, body) = unknown_object(seed).expect("not a known type");
            let value: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(value["type"], Value::String(event_type));
            events(seed);
        }
    }

    #[test]
    fn repeated_keys_by_the_model() {
        for (body, repeats) in [
            (&br#"{"type":"x","type":"y"}"#[..], true),
            (br#"{"type":"x","typ\u0065":"y"}"#, true),
            (br#"{"type":"x","payload":[{"a":1,"a":2}]}"#, true),
            (
                br#"{"type":"x","payload":{"m":{"a":1}},"other":{"a":1}}"#,
                false,
            ),
            (br#"{"a":{"b":1},"b":{"a":1}}"#, false),
            (br#"{"a":1,"a":2"#, false),
            (br#"{"a":1,"a":2} trailing"#, false),
            (b"[]", false),
            (b"", false),
        ] {
            assert_eq!(
                repeats_a_key(body),
                repeats,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn bodies() {
        for body in [
            &br#"{"type":"x","payload":{"a":1.5}}"#[..],
            br#"{"type":"post_comment_rest","payload":5}"#,
            br#"{"type":"post_comment_mobile","payload":{"message":{"text":"hi"}}}"#,
            br#"{"type":5}"#,
            br#"{"text":"0026","type":"\u003cb\u003e \u0026","type":"x"}"#,
            b"[]",
            b"",
        ] {
            events(body);
        }
    }
}
