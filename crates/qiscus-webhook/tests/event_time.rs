//! Property tests of the event time: the magnitude rule at its boundaries, RFC 3339 against a
//! day-counting oracle, and `events::event_time(body)` agreeing with the typed
//! `Message::event_time` on generated bodies.
#![cfg(feature = "events")]

use proptest::prelude::*;
use qiscus_webhook::events::{Event, EventTime, event_time};
use serde_json::{Map, Value, json};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(1_000)
}

const SECONDS_BELOW: i64 = 100_000_000_000; // 10^11
const MILLIS_BELOW: i64 = 100_000_000_000_000; // 10^14

/// The rule, written out again for the test.
fn by_magnitude(value: i64) -> EventTime {
    if value < SECONDS_BELOW {
        EventTime::from_unix_seconds(value)
    } else if value < MILLIS_BELOW {
        EventTime::from_unix_millis(value)
    } else {
        EventTime::from_unix_nanos(value)
    }
}

#[test]
fn the_magnitude_rule_at_each_boundary() {
    let read = EventTime::from_unix_nano_timestamp;
    // 10^11 - 1 seconds (the year 5138), then 10^11 milliseconds (1973).
    assert_eq!(read(SECONDS_BELOW - 1).unix_seconds(), SECONDS_BELOW - 1);
    assert_eq!(read(SECONDS_BELOW).unix_seconds(), 100_000_000);
    // 10^14 - 1 milliseconds (5138), then 10^14 nanoseconds (1970-01-02).
    let last_milli = read(MILLIS_BELOW - 1);
    assert_eq!(
        (last_milli.unix_seconds(), last_milli.subsec_nanos()),
        (99_999_999_999, 999_000_000)
    );
    let first_nano = read(MILLIS_BELOW);
    assert_eq!(
        (first_nano.unix_seconds(), first_nano.subsec_nanos()),
        (100_000, 0)
    );
}

/// Values on and around the two boundaries, and the ends of `i64`.
fn near_a_boundary() -> impl Strategy<Value = i64> {
    let at = prop::sample::select(vec![
        SECONDS_BELOW,
        MILLIS_BELOW,
        0,
        i64::MIN + 8,
        i64::MAX - 8,
    ]);
    (at, -8_i64..=8).prop_map(|(at, delta)| at + delta)
}

// ---------------------------------------------------------------------------------------------
// RFC 3339 against an oracle that counts days one year at a time.

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn month_days(year: i64, month: i64) -> i64 {
    const DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let index = usize::try_from(month - 1).expect("a month");
    DAYS[index] + i64::from(month == 2 && is_leap(year))
}

/// Days from 1970-01-01, by counting.
fn oracle_days(year: i64, month: i64, day: i64) -> i64 {
    let year_days = |year| if is_leap(year) { 366 } else { 365 };
    let mut days: i64 = if year >= 1970 {
        (1970..year).map(year_days).sum()
    } else {
        -(year..1970).map(year_days).sum::<i64>()
    };
    days += (1..month).map(|m| month_days(year, m)).sum::<i64>();
    days + day - 1
}

#[derive(Debug, Clone)]
struct DateTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    fraction: String,
    /// `None`: `Z`; else minutes east of UTC.
    offset: Option<i64>,
    lower_case: bool,
}

impl DateTime {
    fn text(&self) -> String {
        let (t, z) = if self.lower_case {
            ('t', 'z')
        } else {
            ('T', 'Z')
        };
        let fraction = if self.fraction.is_empty() {
            String::new()
        } else {
            format!(".{}", self.fraction)
        };
        let offset = match self.offset {
            None => z.to_string(),
            Some(minutes) => format!(
                "{}{:02}:{:02}",
                if minutes < 0 { '-' } else { '+' },
                minutes.abs() / 60,
                minutes.abs() % 60
            ),
        };
        format!(
            "{:04}-{:02}-{:02}{t}{:02}:{:02}:{:02}{fraction}{offset}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    fn oracle_nanos(&self) -> i128 {
        let seconds = oracle_days(self.year, self.month, self.day) * 86_400
            + self.hour * 3_600
            + self.minute * 60
            + self.second
            - self.offset.unwrap_or(0) * 60;
        let digits: String = self
            .fraction
            .chars()
            .chain("000000000".chars())
            .take(9)
            .collect();
        let nanos: i128 = digits.parse().expect("digits");
        i128::from(seconds) * 1_000_000_000 + nanos
    }
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (
        (0_i64..=9999, 1_i64..=12, 1_i64..=31),
        (0_i64..=23, 0_i64..=59, 0_i64..=59),
        "[0-9]{0,12}",
        prop::option::of(-(23 * 60 + 59)..=(23 * 60 + 59_i64)),
        any::<bool>(),
    )
        .prop_map(
            |((year, month, day), (hour, minute, second), fraction, offset, lower_case)| DateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
                fraction,
                offset,
                lower_case,
            },
        )
}

proptest! {
    #![proptest_config(config())]

    /// The unit is told by magnitude alone: seconds below 10^11, milliseconds below 10^14,
    /// nanoseconds from there, for every `i64`.
    #[test]
    fn the_magnitude_rule(value in prop_oneof![any::<i64>(), near_a_boundary()]) {
        let time = EventTime::from_unix_nano_timestamp(value);
        prop_assert_eq!(time, by_magnitude(value));
        let wide = i128::from(value);
        let expected = if value < SECONDS_BELOW {
            wide * 1_000_000_000
        } else if value < MILLIS_BELOW {
            wide * 1_000_000
        } else {
            wide
        };
        prop_assert_eq!(time.unix_nanos(), expected);
        prop_assert_eq!(i128::from(time.unix_seconds()) * 1_000_000_000 + i128::from(time.subsec_nanos()), expected);
    }

    /// Every valid date-time parses to the instant counted day by day; a day past the
    /// month's end (Feb 29 of a common year, Feb 30, Apr 31...) never parses.
    #[test]
    fn rfc3339_agrees_with_counting_days(date_time in date_time()) {
        let text = date_time.text();
        let parsed = EventTime::parse_rfc3339(&text);
        if date_time.day <= month_days(date_time.year, date_time.month) {
            prop_assert_eq!(parsed.map(EventTime::unix_nanos), Some(date_time.oracle_nanos()), "{}", text);
        } else {
            prop_assert_eq!(parsed, None, "{}", text);
        }
    }

    /// Any other text never panics, and what parses is a date-time of the grammar's length.
    #[test]
    fn rfc3339_never_panics(text in prop_oneof![
        any::<String>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,3})?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
    ]) {
        if EventTime::parse_rfc3339(&text).is_some() {
            prop_assert!(text.len() >= 20 && text.is_ascii(), "{}", text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The raw reader and the typed message agree.

/// A `unix_nano_timestamp` as it may come: an i64 anywhere (boundaries often), or something
/// that is not one.
fn nano_field() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![
        4 => prop_oneof![any::<i64>(), near_a_boundary()].prop_map(Value::from),
        1 => Just(Value::Null),
        1 => (i64::MAX as u64 + 1..=u64::MAX).prop_map(Value::from),
        1 => Just(json!(1.5e18)),
        1 => Just(json!("1752212797000")),
        1 => Just(json!({"ns": 1})),
    ])
}

/// An RFC 3339 field as it may come: valid, invalid text, `null`, another type.
fn rfc3339_field() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![
        4 => date_time().prop_map(|date_time| Value::String(date_time.text())),
        1 => Just(Value::Null),
        1 => "[0-9: TZ+.-]{0,30}".prop_map(Value::String),
        1 => Just(json!("2025-07-11 05:46:37")),
        1 => Just(json!(1_752_212_797)),
        1 => Just(json!(["2025-07-11T05:46:37Z"])),
    ])
}

fn other_members() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        "[a-z :0-9TZ-]{0,12}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("zz_[a-z_]{0,8}", value, 0..3)
        .prop_map(|map| map.into_iter().collect())
}

#[derive(Debug, Clone)]
struct Body {
    event_type: String,
    nanos: Option<Value>,
    timestamp: Option<Value>,
    created_at: Option<Value>,
    /// Other members of the event, the payload and the message.
    extra: [Map<String, Value>; 3],
    pretty: bool,
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        let mut message = self.extra[2].clone();
        for (name, field) in [
            ("unix_nano_timestamp", &self.nanos),
            ("timestamp", &self.timestamp),
            ("created_at", &self.created_at),
        ] {
            if let Some(value) = field {
                message.insert(name.into(), value.clone());
            }
        }
        let mut payload = self.extra[1].clone();
        payload.insert("message".into(), Value::Object(message));
        let mut event = self.extra[0].clone();
        event.insert("payload".into(), Value::Object(payload));
        event.insert("type".into(), Value::String(self.event_type.clone()));
        if self.pretty {
            serde_json::to_vec_pretty(&event).expect("JSON")
        } else {
            serde_json::to_vec(&event).expect("JSON")
        }
    }

    /// The rule, applied to the generated fields.
    fn expected(&self) -> Option<EventTime> {
        let rfc3339 = |field: &Option<Value>| {
            field
                .as_ref()
                .and_then(Value::as_str)
                .and_then(EventTime::parse_rfc3339)
        };
        self.nanos
            .as_ref()
            .and_then(Value::as_i64)
            .map(by_magnitude)
            .or_else(|| rfc3339(&self.timestamp))
            .or_else(|| rfc3339(&self.created_at))
    }

    /// Whether a known event type's model accepts the generated fields.
    fn fits_the_model(&self) -> bool {
        let fits = |field: &Option<Value>, check: fn(&Value) -> bool| {
            field
                .as_ref()
                .is_none_or(|value| value.is_null() || check(value))
        };
        fits(&self.nanos, Value::is_i64)
            && fits(&self.timestamp, Value::is_string)
            && fits(&self.created_at, Value::is_string)
    }
}

fn body() -> impl Strategy<Value = Body> {
    (
        prop_oneof![
            Just("post_comment_mobile".to_owned()),
            Just("post_comment_rest".to_owned()),
            "[a-z_]{1,16}",
        ],
        (nano_field(), rfc3339_field(), rfc3339_field()),
        (other_members(), other_members(), other_members()),
        any::<bool>(),
    )
        .prop_map(
            |(event_type, (nanos, timestamp, created_at), (top, payload, message), pretty)| Body {
                event_type,
                nanos,
                timestamp,
                created_at,
                extra: [top, payload, message],
                pretty,
            },
        )
}

proptest! {
    #![proptest_config(config())]

    /// `event_time(body)` follows the rule for any event type, and agrees with the typed
    /// `Message::event_time` (and `Event::event_time`) whenever the body parses as an event.
    #[test]
    fn the_raw_reader_agrees_with_the_typed_message(body in body()) {
        let bytes = body.bytes();
        let raw = event_time(&bytes);
        prop_assert_eq!(raw, body.expected(), "{}", String::from_utf8_lossy(&bytes));

        let known = Event::KNOWN_TYPES.contains(&body.event_type.as_str());
        let parsed = Event::from_slice(&bytes);
        prop_assert_eq!(parsed.is_ok(), !known || body.fits_the_model(), "{:?}", parsed);
        if let Ok(event) = parsed {
            prop_assert_eq!(event.event_time(), raw);
            if known {
                let message = event.post_comment().and_then(|comment| comment.message());
                prop_assert_eq!(message.and_then(|message| message.event_time()), raw);
            }
        }
    }

    /// Bytes that are not a JSON object with a message never have an event time, and never
    /// panic the reader.
    #[test]
    fn no_message_no_event_time(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let time = event_time(&bytes);
        if time.is_some() {
            let value: Value = serde_json::from_slice(&bytes).expect("only JSON has a time");
            prop_assert!(value.pointer("/payload/message").is_some_and(Value::is_object));
        }
    }
}
