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
///    with a string `type` is an error. An event that parses serialises back to JSON that
///    parses to an equal event (checked when the body holds no float, whose text serde_json
///    does not promise to round-trip exactly).
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
    fn bodies() {
        for body in [
            &br#"{"type":"x","payload":{"a":1.5}}"#[..],
            br#"{"type":"post_comment_rest","payload":5}"#,
            br#"{"type":"post_comment_mobile","payload":{"message":{"text":"hi"}}}"#,
            br#"{"type":5}"#,
            b"[]",
            b"",
        ] {
            events(body);
        }
    }
}
