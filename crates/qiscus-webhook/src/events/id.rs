//! [`Id`]: an identifier that Qiscus sends as a JSON integer or as a JSON string.

use alloc::string::String;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// A Qiscus identifier (user, room, message, topic, channel...), as an integer or as a string.
///
/// SDK payloads send ids as JSON integers (`"id":802802`), Multichannel ones as JSON strings
/// (`"id":"123"`); both parse to this one type and keep their exact value (never through an
/// `f64`). [`Display`](fmt::Display) gives the value either way (`802802`, `123`), and
/// serialising writes it back in the JSON form it came in. Two ids are equal when they have the
/// same form and value: the integer `123` and the string `"123"` differ (compare their
/// `to_string()` to match them across forms).
///
/// ```
/// use qiscus_webhook::events::Id;
///
/// let sdk: Id = serde_json::from_str("802802")?;
/// let multichannel: Id = serde_json::from_str(r#""123""#)?;
/// assert_eq!(sdk.as_u64(), Some(802802));
/// assert_eq!(multichannel.as_str(), Some("123"));
/// assert_eq!(multichannel.to_string(), "123");
/// assert_eq!(serde_json::to_string(&sdk)?, "802802");
/// assert_eq!(serde_json::to_string(&multichannel)?, r#""123""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Id(Repr);

/// One representation per value: non-negative integers are always `Unsigned`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Unsigned(u64),
    Negative(i64),
    Text(String),
}

impl Id {
    /// Whether the id came (or will serialise) as a JSON integer.
    #[must_use]
    pub fn is_integer(&self) -> bool {
        !self.is_string()
    }

    /// Whether the id came (or will serialise) as a JSON string.
    #[must_use]
    pub fn is_string(&self) -> bool {
        matches!(self.0, Repr::Text(_))
    }

    /// The integer form's value, if it is a non-negative integer (`None` for the string form).
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Repr::Unsigned(value) => Some(value),
            Repr::Negative(_) | Repr::Text(_) => None,
        }
    }

    /// The integer form's value, if it fits an `i64` (`None` for the string form).
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Unsigned(value) => i64::try_from(value).ok(),
            Repr::Negative(value) => Some(value),
            Repr::Text(_) => None,
        }
    }

    /// The string form's value (`None` for the integer form: use `to_string()` for both).
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Text(text) => Some(text),
            Repr::Unsigned(_) | Repr::Negative(_) => None,
        }
    }
}

impl From<u64> for Id {
    /// An id in the integer form.
    fn from(value: u64) -> Self {
        Self(Repr::Unsigned(value))
    }
}

impl From<i64> for Id {
    /// An id in the integer form.
    fn from(value: i64) -> Self {
        match u64::try_from(value) {
            Ok(unsigned) => Self(Repr::Unsigned(unsigned)),
            Err(_) => Self(Repr::Negative(value)),
        }
    }
}

impl From<String> for Id {
    /// An id in the string form.
    fn from(value: String) -> Self {
        Self(Repr::Text(value))
    }
}

impl From<&str> for Id {
    /// An id in the string form.
    fn from(value: &str) -> Self {
        Self(Repr::Text(value.into()))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Unsigned(value) => fmt::Display::fmt(value, f),
            Repr::Negative(value) => fmt::Display::fmt(value, f),
            Repr::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for Id {
    /// `Id(802802)` for the integer form, `Id("123")` for the string form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Unsigned(value) => write!(f, "Id({value})"),
            Repr::Negative(value) => write!(f, "Id({value})"),
            Repr::Text(text) => write!(f, "Id({text:?})"),
        }
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Unsigned(value) => serializer.serialize_u64(*value),
            Repr::Negative(value) => serializer.serialize_i64(*value),
            Repr::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Id {
    /// Accepts a JSON integer (within `i64` or `u64`) or a JSON string; anything else,
    /// including a number with a fraction or an exponent, is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (an integer or a string)")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Id, E> {
        Ok(Id::from(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Id, E> {
        Ok(Id::from(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Id, E> {
        Ok(Id::from(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Id, E> {
        Ok(Id::from(value))
    }
}
