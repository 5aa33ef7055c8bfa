//! [`EventTime`], when the event happened: the one rule that reads it from a message, from a
//! typed [`Message`](super::Message) or straight from the verified bytes ([`event_time`]).

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_MILLI: i128 = 1_000_000;

/// Below this, `unix_nano_timestamp` is read as seconds (10^11 s is the year 5138).
const SECONDS_BELOW: i64 = 100_000_000_000;
/// Below this (and from [`SECONDS_BELOW`]), as milliseconds (10^14 ms is the year 5138).
const MILLIS_BELOW: i64 = 100_000_000_000_000;

/// An instant, as nanoseconds since the Unix epoch (UTC, no leap seconds): when a message was
/// sent, normalised from whichever form Qiscus used.
///
/// Ordered, hashable and `Copy`. Every constructor keeps the whole seconds within an `i64`
/// (a [`SystemTime`] beyond ±292 billion years saturates, see [`unix_seconds`](Self::unix_seconds)).
///
/// ```
/// use qiscus_webhook::events::EventTime;
///
/// let sent = EventTime::parse_rfc3339("2025-07-11T05:46:37Z").expect("RFC 3339");
/// assert_eq!(sent.unix_seconds(), 1_752_212_797);
/// assert_eq!(sent, EventTime::from_unix_nano_timestamp(1_752_212_797_000)); // milliseconds
/// assert_eq!(sent, EventTime::from_unix_seconds(1_752_212_797));
/// let system = sent.to_system_time().expect("within SystemTime's range");
/// assert_eq!(EventTime::from(system), sent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime {
    unix_nanos: i128,
}

impl EventTime {
    /// The instant `seconds` after the Unix epoch (before it, when negative).
    #[must_use]
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self {
            unix_nanos: seconds as i128 * NANOS_PER_SECOND,
        }
    }

    /// The instant `millis` milliseconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix_millis(millis: i64) -> Self {
        Self {
            unix_nanos: millis as i128 * NANOS_PER_MILLI,
        }
    }

    /// The instant `nanos` nanoseconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix_nanos(nanos: i64) -> Self {
        Self {
            unix_nanos: nanos as i128,
        }
    }

    /// Reads a message's `unix_nano_timestamp` as Qiscus really sends it, telling the unit
    /// apart by magnitude: below 10^11 seconds, below 10^14 milliseconds, else nanoseconds.
    ///
    /// Despite its name the field is not always in nanoseconds: Qiscus documents nanoseconds
    /// (`1506162884156457000`, above 2^53), but Multichannel sends milliseconds
    /// (`1752212797000`, next to `unix_timestamp` `1752212797`). Any instant from 1973-03-03
    /// (10^11 ms) to 2262 (the end of `i64` nanoseconds) reads right in each of the three
    /// units: in seconds it is below 10^11 (the year 5138), in milliseconds from 10^11 to
    /// 10^14, in nanoseconds from 10^14 (1970-01-02). Microseconds are not told apart (they
    /// would read as nanoseconds); a negative value reads as seconds.
    ///
    /// ```
    /// use qiscus_webhook::events::EventTime;
    ///
    /// let nanos = EventTime::from_unix_nano_timestamp(1_506_162_884_156_457_000);
    /// assert_eq!((nanos.unix_seconds(), nanos.subsec_nanos()), (1_506_162_884, 156_457_000));
    /// let multichannel = EventTime::from_unix_nano_timestamp(1_752_212_797_000);
    /// assert_eq!(multichannel, EventTime::from_unix_seconds(1_752_212_797));
    /// let seconds = EventTime::from_unix_nano_timestamp(1_752_212_797);
    /// assert_eq!(seconds, multichannel);
    /// ```
    #[must_use]
    pub const fn from_unix_nano_timestamp(value: i64) -> Self {
        if value < SECONDS_BELOW {
            Self::from_unix_seconds(value)
        } else if value < MILLIS_BELOW {
            Self::from_unix_millis(value)
        } else {
            Self::from_unix_nanos(value)
        }
    }

    /// Parses an RFC 3339 date-time (`2017-09-23T10:34:44.156457Z`,
    /// `2025-07-11T12:46:37+07:00`), strictly: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    ///
    /// - `T` and `Z` may be lower case (`t`, `z`), as RFC 3339 §5.6 allows; a space instead of
    ///   the `T` (which §5.6 lets applications choose) is refused.
    /// - The date must exist (`2024-02-29` does, `2023-02-29` and `2025-02-30` do not); hours
    ///   `00`–`23`, minutes and seconds `00`–`59` (a leap second, `:60`, is refused: Unix time
    ///   has none), offsets up to `±23:59` (`-00:00` is UTC).
    /// - The fraction has at least one digit; digits beyond the ninth (below a nanosecond)
    ///   are dropped.
    /// - Nothing may come before or after.
    ///
    /// `None` for anything else. Written by hand, small and allocation-free: it runs on every
    /// webhook whose message has no `unix_nano_timestamp`.
    ///
    /// ```
    /// use qiscus_webhook::events::EventTime;
    ///
    /// let utc = EventTime::parse_rfc3339("2017-09-23T10:34:44.156457Z").expect("RFC 3339");
    /// assert_eq!((utc.unix_seconds(), utc.subsec_nanos()), (1_506_162_884, 156_457_000));
    /// let jakarta = EventTime::parse_rfc3339("2017-09-23T17:34:44.156457+07:00");
    /// assert_eq!(jakarta, Some(utc));
    /// assert_eq!(EventTime::parse_rfc3339("2017-09-23 10:34:44Z"), None);
    /// assert_eq!(EventTime::parse_rfc3339("2025-02-30T00:00:00Z"), None);
    /// ```
    #[must_use]
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        rfc3339(text.as_bytes())
    }

    /// Nanoseconds since the Unix epoch (negative before it).
    #[must_use]
    pub const fn unix_nanos(self) -> i128 {
        self.unix_nanos
    }

    /// Whole seconds since the Unix epoch, rounded down (toward the past), as in
    /// `unix_timestamp`. Saturates at `i64::MIN` / `i64::MAX`, which only a [`SystemTime`]
    /// hundreds of billions of years away can reach.
    #[must_use]
    pub fn unix_seconds(self) -> i64 {
        let seconds = self.unix_nanos.div_euclid(NANOS_PER_SECOND);
        i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX })
    }

    /// The nanoseconds past [`unix_seconds`](Self::unix_seconds), `0..1_000_000_000`.
    #[must_use]
    pub fn subsec_nanos(self) -> u32 {
        // rem_euclid by 10^9 is in 0..10^9, which fits a u32.
        u32::try_from(self.unix_nanos.rem_euclid(NANOS_PER_SECOND)).unwrap_or(0)
    }

    /// The same instant as a [`SystemTime`], or `None` outside the platform's range.
    #[must_use]
    pub fn to_system_time(self) -> Option<SystemTime> {
        let magnitude = self.unix_nanos.unsigned_abs();
        let seconds = u64::try_from(magnitude / NANOS_PER_SECOND.unsigned_abs()).ok()?;
        // The remainder of a division by 10^9 fits a u32.
        let nanos = u32::try_from(magnitude % NANOS_PER_SECOND.unsigned_abs()).ok()?;
        let distance = Duration::new(seconds, nanos);
        if self.unix_nanos < 0 {
            UNIX_EPOCH.checked_sub(distance)
        } else {
            UNIX_EPOCH.checked_add(distance)
        }
    }
}

impl From<SystemTime> for EventTime {
    /// The same instant (for a replay window: `EventTime::from(SystemTime::now())`).
    fn from(time: SystemTime) -> Self {
        let unix_nanos = match time.duration_since(UNIX_EPOCH) {
            // A Duration holds at most u64::MAX seconds: below 2^94 nanoseconds, within an i128.
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
            Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |n| -n),
        };
        Self { unix_nanos }
    }
}

/// The rule, on a message's three time fields as sent.
pub(crate) fn from_message_fields(
    unix_nano_timestamp: Option<i64>,
    timestamp: Option<EventTime>,
    created_at: Option<EventTime>,
) -> Option<EventTime> {
    unix_nano_timestamp
        .map(EventTime::from_unix_nano_timestamp)
        .or(timestamp)
        .or(created_at)
}

/// The event time of a webhook body, from its raw (verified) bytes, whatever the event's
/// `type` (unknown types too).
///
/// The rule, which [`Message::event_time`](super::Message::event_time) applies to a typed
/// message too:
///
/// 1. `payload.message.unix_nano_timestamp`, an integer, read by magnitude
///    ([`EventTime::from_unix_nano_timestamp`]: below 10^11 seconds, below 10^14
///    milliseconds, else nanoseconds);
/// 2. else `payload.message.timestamp`, an RFC 3339 string ([`EventTime::parse_rfc3339`]);
/// 3. else `payload.message.created_at`, an RFC 3339 string.
///
/// A source that is absent, `null`, of another JSON type (a float, a string
/// `unix_nano_timestamp`, an integer beyond `i64`) or not valid RFC 3339 counts as absent,
/// and the next one is tried. A body with none of them, or that is not JSON, has no event
/// time: `None`. A member repeated in one object counts once, the last time, as in
/// `serde_json::Value`.
///
/// It reads only `payload.message`: everything else is skipped without being built
/// (no allocation but for a string with escapes in a key or time), so it is cheap enough to
/// run on every request.
///
/// ```
/// use qiscus_webhook::events::{EventTime, event_time};
///
/// // The Multichannel fixture: milliseconds in `unix_nano_timestamp`.
/// let multichannel = br#"{"payload":{"message":{"timestamp":"2025-07-11T05:46:37Z","unix_nano_timestamp":1752212797000,"unix_timestamp":1752212797}},"type":"post_comment_mobile"}"#;
/// assert_eq!(event_time(multichannel), Some(EventTime::from_unix_seconds(1_752_212_797)));
///
/// // The SDK fixture (2017): no `unix_nano_timestamp`, so `timestamp`.
/// let sdk = br#"{"payload":{"message":{"created_at":"2017-09-23T10:34:44.156457Z","timestamp":"2017-09-23T10:34:44Z","unix_timestamp":1506162884}},"type":"post_comment_mobile"}"#;
/// assert_eq!(event_time(sdk), Some(EventTime::from_unix_seconds(1_506_162_884)));
///
/// // Any event type; and no time at all is `None`.
/// assert!(event_time(br#"{"type":"room_deleted","payload":{"message":{"created_at":"2024-02-29T00:00:00Z"}}}"#).is_some());
/// assert_eq!(event_time(br#"{"type":"x","payload":{"room_id":1}}"#), None);
/// assert_eq!(event_time(b"not json"), None);
/// ```
#[must_use]
pub fn event_time(body: &[u8]) -> Option<EventTime> {
    serde_json::from_slice::<BodyTime>(body).ok()?.0
}

/// The event time of an event object's `payload` member, raw (for unknown events).
pub(crate) fn payload_event_time(payload: &serde_json::Value) -> Option<EventTime> {
    Level::Payload.read(payload).ok().flatten()
}

/// [`event_time`]'s whole body.
struct BodyTime(Option<EventTime>);

impl<'de> Deserialize<'de> for BodyTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Level::Body.read(deserializer).map(Self)
    }
}

/// Which object of the path `payload.message` is being read.
#[derive(Debug, Clone, Copy)]
enum Level {
    /// The event object: its `payload`.
    Body,
    /// `payload`: its `message`.
    Payload,
    /// `payload.message`: its three time fields.
    Message,
}

impl Level {
    /// The event time inside the object at this level; a value that is not an object has none.
    fn read<'de, D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<EventTime>, D::Error> {
        deserializer.deserialize_any(ObjectTime(self))
    }
}

impl<'de> de::DeserializeSeed<'de> for Level {
    type Value = Option<EventTime>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.read(deserializer)
    }
}

/// The member names that matter, and every other name.
#[derive(PartialEq, Eq)]
enum Key {
    Payload,
    Message,
    UnixNanoTimestamp,
    Timestamp,
    CreatedAt,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(match name {
                    "payload" => Key::Payload,
                    "message" => Key::Message,
                    "unix_nano_timestamp" => Key::UnixNanoTimestamp,
                    "timestamp" => Key::Timestamp,
                    "created_at" => Key::CreatedAt,
                    _ => Key::Other,
                })
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Visits any JSON value: what the visitor does not want (another JSON type) is consumed and
/// read as `None`.
macro_rules! anything_else_is_none {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    };
}

/// Ignores the rest of an object.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// An object at a [`Level`] of `payload.message`.
struct ObjectTime(Level);

impl<'de> Visitor<'de> for ObjectTime {
    type Value = Option<EventTime>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    anything_else_is_none!();

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (wanted, inner) = match self.0 {
            Level::Body => (Key::Payload, Level::Payload),
            Level::Payload => (Key::Message, Level::Message),
            Level::Message => return message_time(map),
        };
        let mut found = None;
        while let Some(key) = map.next_key::<Key>()? {
            if key == wanted {
                found = map.next_value_seed(inner)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// `payload.message`'s three time fields, then the rule.
fn message_time<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<EventTime>, A::Error> {
    let (mut nanos, mut timestamp, mut created_at) = (None, None, None);
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::UnixNanoTimestamp => nanos = map.next_value::<LenientI64>()?.0,
            Key::Timestamp => timestamp = map.next_value::<LenientRfc3339>()?.0,
            Key::CreatedAt => created_at = map.next_value::<LenientRfc3339>()?.0,
            Key::Payload | Key::Message | Key::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(from_message_fields(nanos, timestamp, created_at))
}

/// An integer within `i64`, or `None` for any other value.
struct LenientI64(Option<i64>);

impl<'de> Deserialize<'de> for LenientI64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntegerVisitor;

        impl<'de> Visitor<'de> for IntegerVisitor {
            type Value = Option<i64>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            anything_else_is_none!();

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(Some(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(value).ok())
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| None)
            }
        }

        deserializer.deserialize_any(IntegerVisitor).map(Self)
    }
}

/// A valid RFC 3339 string, or `None` for any other value.
struct LenientRfc3339(Option<EventTime>);

impl<'de> Deserialize<'de> for LenientRfc3339 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Rfc3339Visitor;

        impl<'de> Visitor<'de> for Rfc3339Visitor {
            type Value = Option<EventTime>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            anything_else_is_none!();

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(EventTime::parse_rfc3339(text))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| None)
            }
        }

        deserializer.deserialize_any(Rfc3339Visitor).map(Self)
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 3339, by hand.

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, see [`EventTime::parse_rfc3339`].
fn rfc3339(text: &[u8]) -> Option<EventTime> {
    let year = number(text, 0, 4)?;
    expect(text, 4, b"-")?;
    let month = number(text, 5, 2)?;
    expect(text, 7, b"-")?;
    let day = number(text, 8, 2)?;
    expect(text, 10, b"Tt")?;
    let hour = number(text, 11, 2)?;
    expect(text, 13, b":")?;
    let minute = number(text, 14, 2)?;
    expect(text, 16, b":")?;
    let second = number(text, 17, 2)?;

    let mut at = 19;
    let mut nanos: u32 = 0;
    if text.get(at) == Some(&b'.') {
        at += 1;
        let digits = text
            .get(at..)?
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        // Nanosecond resolution: the first nine digits count, the rest are below it.
        for position in 0..9 {
            let digit = if position < digits {
                u32::from(text.get(at + position)? - b'0')
            } else {
                0
            };
            nanos = nanos * 10 + digit;
        }
        at += digits;
    }

    let offset_minutes: i64 = match text.get(at)? {
        b'Z' | b'z' => {
            at += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let hours = number(text, at + 1, 2)?;
            expect(text, at + 3, b":")?;
            let minutes = number(text, at + 4, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            at += 6;
            let offset = i64::from(hours * 60 + minutes);
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    if at != text.len() {
        return None;
    }

    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
    let seconds =
        days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second) - offset_minutes * 60;
    Some(EventTime {
        unix_nanos: i128::from(seconds) * NANOS_PER_SECOND + i128::from(nanos),
    })
}

/// The `len` ASCII digits at `at`, as a number.
fn number(text: &[u8], at: usize, len: usize) -> Option<u32> {
    text.get(at..at + len)?.iter().try_fold(0, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// The byte at `at` is one of `allowed`.
fn expect(text: &[u8], at: usize, allowed: &[u8]) -> Option<()> {
    allowed.contains(text.get(at)?).then_some(())
}

fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// Days in `month` (1–12) of `year`, in the proleptic Gregorian calendar.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a valid date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use std::format;

    use super::*;

    fn parse(text: &str) -> Option<(i64, u32)> {
        EventTime::parse_rfc3339(text).map(|time| (time.unix_seconds(), time.subsec_nanos()))
    }

    #[test]
    fn utc_times_of_the_fixtures() {
        assert_eq!(parse("2017-09-23T10:34:44Z"), Some((1_506_162_884, 0)));
        assert_eq!(
            parse("2017-09-23T10:34:44.156457Z"),
            Some((1_506_162_884, 156_457_000))
        );
        assert_eq!(parse("2025-07-11T05:46:37Z"), Some((1_752_212_797, 0)));
    }

    #[test]
    fn the_epoch_and_the_ends_of_the_range() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse("1969-12-31T23:59:59.5Z"), Some((-1, 500_000_000)));
        assert_eq!(parse("0000-01-01T00:00:00Z"), Some((-62_167_219_200, 0)));
        assert_eq!(parse("9999-12-31T23:59:59Z"), Some((253_402_300_799, 0)));
        assert_eq!(parse("2000-03-01T00:00:00Z"), Some((951_868_800, 0)));
    }

    #[test]
    fn offsets_move_the_instant() {
        let utc = parse("2025-07-11T05:46:37Z");
        assert_eq!(parse("2025-07-11T12:46:37+07:00"), utc);
        assert_eq!(parse("2025-07-10T23:16:37-06:30"), utc);
        assert_eq!(parse("2025-07-11T05:46:37+00:00"), utc);
        assert_eq!(parse("2025-07-11T05:46:37-00:00"), utc);
        assert_eq!(parse("2025-07-12T05:45:37+23:59"), utc);
        assert_eq!(parse("2025-07-10T05:47:37-23:59"), utc);
        // Across a year boundary.
        assert_eq!(
            parse("2000-01-01T00:30:00+01:00"),
            parse("1999-12-31T23:30:00Z")
        );
    }

    #[test]
    fn fractions_of_one_to_nine_digits_and_beyond() {
        let cases = [
            ("1", 100_000_000),
            ("12", 120_000_000),
            ("123", 123_000_000),
            ("1234", 123_400_000),
            ("12345", 123_450_000),
            ("123456", 123_456_000),
            ("1234567", 123_456_700),
            ("12345678", 123_456_780),
            ("123456789", 123_456_789),
            ("1234567891", 123_456_789),
            ("999999999999", 999_999_999),
            ("000000000", 0),
        ];
        for (fraction, nanos) in cases {
            let text = format!("2017-09-23T10:34:44.{fraction}Z");
            assert_eq!(parse(&text), Some((1_506_162_884, nanos)), "{text}");
            let offset = format!("2017-09-23T10:34:44.{fraction}+01:00");
            assert_eq!(
                parse(&offset),
                Some((1_506_162_884 - 3_600, nanos)),
                "{offset}"
            );
        }
        assert_eq!(parse("2017-09-23T10:34:44.Z"), None);
        assert_eq!(parse("2017-09-23T10:34:44.1.2Z"), None);
        assert_eq!(parse("2017-09-23T10:34:44,1Z"), None);
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        for leap in ["2024", "2000", "1972", "0000", "2400"] {
            let text = format!("{leap}-02-29T12:00:00Z");
            assert!(parse(&text).is_some(), "{text}");
        }
        for common in ["2023", "1900", "2100", "2025", "0001"] {
            let text = format!("{common}-02-29T12:00:00Z");
            assert_eq!(parse(&text), None, "{text}");
        }
        assert_eq!(
            parse("2024-03-01T00:00:00Z").map(|(s, _)| s),
            parse("2024-02-29T00:00:00Z").map(|(s, _)| s + 86_400)
        );
        assert_eq!(parse("2024-02-29T00:00:00Z"), Some((1_709_164_800, 0)));
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        for text in [
            "2025-02-30T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-06-31T00:00:00Z",
            "2025-09-31T00:00:00Z",
            "2025-11-31T00:00:00Z",
            "2025-01-32T00:00:00Z",
            "2025-01-00T00:00:00Z",
            "2025-00-10T00:00:00Z",
            "2025-13-10T00:00:00Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        for text in [
            "2025-01-31T00:00:00Z",
            "2025-04-30T00:00:00Z",
            "2025-12-31T00:00:00Z",
        ] {
            assert!(parse(text).is_some(), "{text}");
        }
    }

    #[test]
    fn out_of_range_times_and_offsets_are_refused() {
        for text in [
            "2025-07-11T24:00:00Z",
            "2025-07-11T23:60:00Z",
            "2025-07-11T23:59:60Z",
            "2025-07-11T23:59:99Z",
            "2025-07-11T05:46:37+24:00",
            "2025-07-11T05:46:37+00:60",
            "2025-07-11T05:46:37-99:00",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        assert!(parse("2025-07-11T23:59:59Z").is_some());
    }

    #[test]
    fn the_grammar_is_strict() {
        assert!(parse("2025-07-11t05:46:37z").is_some());
        assert_eq!(parse("2025-07-11t05:46:37z"), parse("2025-07-11T05:46:37Z"));
        for text in [
            "",
            "2025-07-11",
            "2025-07-11T05:46:37",
            "2025-07-11 05:46:37Z",
            "2025-07-11_05:46:37Z",
            "2025-07-11T05:46Z",
            "2025-7-11T05:46:37Z",
            "2025-07-1T05:46:37Z",
            "25-07-11T05:46:37Z",
            "+2025-07-11T05:46:37Z",
            "20250-07-11T05:46:37Z",
            "2025/07/11T05:46:37Z",
            "2025-07-11T05.46.37Z",
            "2025-07-11T05:46:37ZZ",
            "2025-07-11T05:46:37Z ",
            " 2025-07-11T05:46:37Z",
            "2025-07-11T05:46:37+07",
            "2025-07-11T05:46:37+0700",
            "2025-07-11T05:46:37+07:0",
            "2025-07-11T05:46:37+07:00:00",
            "2025-07-11T05:46:37UTC",
            "2025-07-11T05:46:37GMT+7",
            "2025-0a-11T05:46:37Z",
            "2025-07-11T05:46:3aZ",
            "2025-07-11T05:46:37.+07:00",
            "２０２５-07-11T05:46:37Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_magnitude_rule_at_its_boundaries() {
        let read = EventTime::from_unix_nano_timestamp;
        assert_eq!(
            read(99_999_999_999),
            EventTime::from_unix_seconds(99_999_999_999)
        );
        assert_eq!(
            read(100_000_000_000),
            EventTime::from_unix_millis(100_000_000_000)
        );
        assert_eq!(
            read(99_999_999_999_999),
            EventTime::from_unix_millis(99_999_999_999_999)
        );
        assert_eq!(
            read(100_000_000_000_000),
            EventTime::from_unix_nanos(100_000_000_000_000)
        );
        assert_eq!(read(0), EventTime::from_unix_seconds(0));
        assert_eq!(read(-1), EventTime::from_unix_seconds(-1));
        assert_eq!(read(i64::MIN), EventTime::from_unix_seconds(i64::MIN));
        assert_eq!(read(i64::MAX), EventTime::from_unix_nanos(i64::MAX));
    }

    #[test]
    fn accessors_round_toward_the_past() {
        let before = EventTime::from_unix_nanos(-1);
        assert_eq!(
            (before.unix_seconds(), before.subsec_nanos()),
            (-1, 999_999_999)
        );
        let min = EventTime::from_unix_seconds(i64::MIN);
        assert_eq!((min.unix_seconds(), min.subsec_nanos()), (i64::MIN, 0));
        assert_eq!(min.unix_nanos(), i128::from(i64::MIN) * 1_000_000_000);
        let max = EventTime::from_unix_seconds(i64::MAX);
        assert_eq!(max.unix_seconds(), i64::MAX);
    }

    #[test]
    fn system_time_both_ways() {
        for time in [
            EventTime::from_unix_nanos(1_506_162_884_156_457_000),
            EventTime::from_unix_nanos(-1_500_000_001),
            EventTime::from_unix_seconds(0),
        ] {
            let system = time.to_system_time().expect("in range");
            assert_eq!(EventTime::from(system), time);
        }
        let now = SystemTime::now();
        assert_eq!(EventTime::from(now).to_system_time(), Some(now));
        // The far ends: exact where the platform's SystemTime reaches (Linux: i64 seconds).
        for far in [
            EventTime::from_unix_seconds(i64::MAX),
            EventTime::from_unix_seconds(i64::MIN),
        ] {
            if let Some(system) = far.to_system_time() {
                assert_eq!(EventTime::from(system), far);
            }
        }
    }

    #[test]
    fn the_raw_reader_skips_what_does_not_fit() {
        let time = |body: &str| event_time(body.as_bytes());
        let at = |seconds| Some(EventTime::from_unix_seconds(seconds));
        // Each source counts as absent when it does not fit, and the next one is read.
        assert_eq!(
            time(
                r#"{"payload":{"message":{"unix_nano_timestamp":"1","timestamp":"1970-01-01T00:00:02Z"}}}"#
            ),
            at(2)
        );
        assert_eq!(
            time(
                r#"{"payload":{"message":{"unix_nano_timestamp":1.5,"timestamp":"x","created_at":"1970-01-01T00:00:03Z"}}}"#
            ),
            at(3)
        );
        assert_eq!(
            time(
                r#"{"payload":{"message":{"unix_nano_timestamp":9223372036854775808,"timestamp":[1],"created_at":{"a":1}}}}"#
            ),
            None
        );
        assert_eq!(
            time(r#"{"payload":{"message":{"unix_nano_timestamp":null}}}"#),
            None
        );
        assert_eq!(
            time(
                r#"{"payload":{"message":{"unix_nano_timestamp":{"x":[1]},"created_at":"1970-01-01T00:00:04Z"}}}"#
            ),
            at(4)
        );
        // Only payload.message counts; the rest is skipped.
        assert_eq!(
            time(
                r#"{"message":{"unix_nano_timestamp":5},"payload":{"unix_nano_timestamp":5,"room":{"message":{"unix_nano_timestamp":5}}}}"#
            ),
            None
        );
        for body in [
            "",
            "null",
            "[]",
            "5",
            r#""x""#,
            r#"{"payload":5}"#,
            r#"{"payload":[{"message":{"unix_nano_timestamp":5}}]}"#,
            r#"{"payload":{"message":"x"}}"#,
        ] {
            assert_eq!(time(body), None, "{body}");
        }
        // Not JSON, even after a time was found.
        assert_eq!(
            time(r#"{"payload":{"message":{"unix_nano_timestamp":5}}} x"#),
            None
        );
        assert_eq!(
            time(r#"{"payload":{"message":{"unix_nano_timestamp":5}},"#),
            None
        );
        // Repeated members: the last counts, as in serde_json::Value.
        assert_eq!(
            time(r#"{"payload":{"message":{"unix_nano_timestamp":5,"unix_nano_timestamp":6}}}"#),
            at(6)
        );
        assert_eq!(
            time(r#"{"payload":{"message":{"unix_nano_timestamp":5}},"payload":{}}"#),
            None
        );
        // Escaped names are names.
        assert_eq!(
            time(r#"{"pay\u006coad":{"message":{"unix_nano_timestamp":7}}}"#),
            at(7)
        );
    }
}
