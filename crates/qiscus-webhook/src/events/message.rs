//! [`Message`], the comment that triggered the event, and its [`MessageType`].

use alloc::string::String;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::parse::nullable;
use super::time::from_message_fields;
use super::{EventTime, Id};

/// The message (Qiscus calls it a comment) that triggered the event.
///
/// Every field may be absent. Timestamps are kept as Qiscus sends them: `created_at` and
/// `timestamp` as RFC 3339 strings, `unix_timestamp` (seconds) and `unix_nano_timestamp` as
/// exact integers; [`event_time`](Message::event_time) reads them as one instant.
///
/// `extras` and `payload` are kept as raw JSON: `None` when the field is absent,
/// `Some(Value::Null)` when it is `null`, `Some(Value::Object(..))` for `{}` and the rest.
/// Every other member is kept in [`extra`](Message::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// The id of the previous message in the room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_before_id: Option<Id>,
    /// `comment_before_id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_before_id_str: Option<String>,
    /// When the message was created, RFC 3339 (`2017-09-23T10:34:44.156457Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Whether clients should not render a preview of links in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_link_preview: Option<bool>,
    /// The message's metadata, raw (`None`: absent; `Some(Value::Null)`: `null`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub extras: Option<Value>,
    /// The message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// `id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_str: Option<String>,
    /// The payload specific to the message type, raw (`None`: absent; `Some(Value::Null)`:
    /// `null`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub payload: Option<Value>,
    /// The text (for attachments, the caption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When the message was sent, RFC 3339 to the second (`2017-09-23T10:34:44Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The message type (Qiscus' field `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<MessageType>,
    /// The id the sending client gave the message before the server assigned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_temp_id: Option<String>,
    /// When the message was sent, since the Unix epoch, as an exact integer (never through an
    /// `f64`): despite the name, not always nanoseconds. Qiscus documents nanoseconds
    /// (`1506162884156457000`, above 2^53), Multichannel sends **milliseconds**
    /// (`1752212797000`, next to `unix_timestamp` `1752212797`), and the 2017 SDK payload has
    /// no such field. [`event_time`](Message::event_time) tells the units apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unix_nano_timestamp: Option<i64>,
    /// When the message was sent, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unix_timestamp: Option<i64>,
    /// Every member this model does not type, raw, as sent (fields Qiscus adds later), and
    /// written back when the message is serialised. A typed field's name put here by hand
    /// would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// When the message was sent, as one instant, by the rule that
    /// [`events::event_time`](super::event_time) applies to raw bytes:
    ///
    /// 1. [`unix_nano_timestamp`](Message::unix_nano_timestamp), read by magnitude (below
    ///    10^11 seconds, below 10^14 milliseconds, else nanoseconds; see
    ///    [`EventTime::from_unix_nano_timestamp`]);
    /// 2. else [`timestamp`](Message::timestamp), RFC 3339;
    /// 3. else [`created_at`](Message::created_at), RFC 3339.
    ///
    /// A string that is not valid RFC 3339 ([`EventTime::parse_rfc3339`]) counts as absent.
    /// `None` when no source gives a time. `unix_timestamp` is not a source: Qiscus always
    /// sends a finer field next to it.
    ///
    /// The real payloads (the repository's `fixtures/`), their message's time fields:
    ///
    /// ```
    /// use qiscus_webhook::events::{EventTime, Message};
    ///
    /// // Multichannel (2025): milliseconds in `unix_nano_timestamp`.
    /// let multichannel: Message = serde_json::from_str(r#"{"created_at":"2025-07-11T05:46:37Z","timestamp":"2025-07-11T05:46:37Z","unix_nano_timestamp":1752212797000,"unix_timestamp":1752212797}"#)?;
    /// let sent = multichannel.event_time().expect("a time");
    /// assert_eq!(sent, EventTime::from_unix_millis(1_752_212_797_000));
    /// assert_eq!((sent.unix_seconds(), sent.subsec_nanos()), (1_752_212_797, 0)); // 2025-07-11T05:46:37Z
    ///
    /// // SDK (2017): no `unix_nano_timestamp`; `timestamp` (to the second) comes first.
    /// let sdk: Message = serde_json::from_str(r#"{"created_at":"2017-09-23T10:34:44.156457Z","timestamp":"2017-09-23T10:34:44Z","unix_timestamp":1506162884}"#)?;
    /// assert_eq!(sdk.event_time(), Some(EventTime::from_unix_seconds(1_506_162_884)));
    ///
    /// // Nanoseconds, as Qiscus documents the field.
    /// let nanos: Message = serde_json::from_str(r#"{"unix_nano_timestamp":1506162884156457000}"#)?;
    /// assert_eq!(nanos.event_time().map(EventTime::subsec_nanos), Some(156_457_000));
    ///
    /// assert_eq!(Message::default().event_time(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn event_time(&self) -> Option<EventTime> {
        let rfc3339 = |field: &Option<String>| field.as_deref().and_then(EventTime::parse_rfc3339);
        from_message_fields(
            self.unix_nano_timestamp,
            rfc3339(&self.timestamp),
            rfc3339(&self.created_at),
        )
    }
}

/// A message's `type`: one of the types Qiscus documents, or [`Unknown`](MessageType::Unknown)
/// with the name as sent.
///
/// Parsing never fails on a string: a type Qiscus adds later parses as `Unknown` and
/// serialises back to the same string. Build one with [`MessageType::from`], which maps a
/// documented name to its variant; an `Unknown` built by hand with a documented name would
/// parse back as that name's variant.
///
/// ```
/// use qiscus_webhook::events::MessageType;
///
/// assert_eq!(MessageType::from("button_postback_response"), MessageType::ButtonPostbackResponse);
/// let new = MessageType::from("voice_note");
/// assert_eq!(new, MessageType::Unknown("voice_note".into()));
/// assert_eq!(new.as_str(), "voice_note");
/// assert_eq!(serde_json::to_string(&new)?, r#""voice_note""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// `text`: plain text, the default.
    Text,
    /// `file_attachment`: a file, with the text as its caption.
    FileAttachment,
    /// `buttons`: text with buttons.
    Buttons,
    /// `button_postback_response`: the answer a user gave by pressing a postback button.
    ButtonPostbackResponse,
    /// `card`: a card with an image, a title, a description and buttons.
    Card,
    /// `carousel`: several cards.
    Carousel,
    /// `location`: a place on the map.
    Location,
    /// `reply`: a reply quoting an earlier message.
    Reply,
    /// `custom`: an application-defined type, described by the payload.
    Custom,
    /// `account_linking`: a link to connect the user's account.
    AccountLinking,
    /// `contact_person`: a contact card.
    ContactPerson,
    /// A type this crate does not know (yet), with its name as sent.
    Unknown(String),
}

impl MessageType {
    /// The type's name, as Qiscus sends it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text => "text",
            Self::FileAttachment => "file_attachment",
            Self::Buttons => "buttons",
            Self::ButtonPostbackResponse => "button_postback_response",
            Self::Card => "card",
            Self::Carousel => "carousel",
            Self::Location => "location",
            Self::Reply => "reply",
            Self::Custom => "custom",
            Self::AccountLinking => "account_linking",
            Self::ContactPerson => "contact_person",
            Self::Unknown(name) => name,
        }
    }

    /// The documented type with this name, if any.
    fn known(name: &str) -> Option<Self> {
        Some(match name {
            "text" => Self::Text,
            "file_attachment" => Self::FileAttachment,
            "buttons" => Self::Buttons,
            "button_postback_response" => Self::ButtonPostbackResponse,
            "card" => Self::Card,
            "carousel" => Self::Carousel,
            "location" => Self::Location,
            "reply" => Self::Reply,
            "custom" => Self::Custom,
            "account_linking" => Self::AccountLinking,
            "contact_person" => Self::ContactPerson,
            _ => return None,
        })
    }
}

impl From<&str> for MessageType {
    /// The documented type with this name, else [`Unknown`](MessageType::Unknown).
    fn from(name: &str) -> Self {
        Self::known(name).unwrap_or_else(|| Self::Unknown(name.into()))
    }
}

impl From<String> for MessageType {
    /// The documented type with this name, else [`Unknown`](MessageType::Unknown).
    fn from(name: String) -> Self {
        Self::known(&name).unwrap_or(Self::Unknown(name))
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MessageType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MessageType {
    /// Accepts any JSON string; anything else is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(MessageTypeVisitor)
    }
}

struct MessageTypeVisitor;

impl Visitor<'_> for MessageTypeVisitor {
    type Value = MessageType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message type (a string)")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<MessageType, E> {
        Ok(MessageType::from(name))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<MessageType, E> {
        Ok(MessageType::from(name))
    }
}
