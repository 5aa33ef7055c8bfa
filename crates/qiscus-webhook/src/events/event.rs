//! [`Event`], the whole webhook body, tagged by its `type`.

use alloc::string::String;

use core::fmt;

use alloc::collections::BTreeSet;

use serde::de::{self, Deserialize, Deserializer, Error as _, MapAccess, Unexpected};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::strict::{self, StrictValue, UniqueKeys};
use super::time::payload_event_time;
use super::{EventTime, Id, Message, Room, User};

const POST_COMMENT_MOBILE: &str = "post_comment_mobile";
const POST_COMMENT_REST: &str = "post_comment_rest";

/// A Qiscus webhook event: the whole body, tagged by its `type`.
///
/// Parse it from the **verified** bytes, with [`Event::from_slice`] (after
/// [`Verification::finish`](crate::Verification::finish)) or in one step with
/// [`Verifier::verify_and_parse`](crate::Verifier::verify_and_parse).
///
/// # What parses
///
/// - The body must be a JSON object with a string `type`.
/// - A `type` this crate does not know parses as [`Event::Unknown`], whatever else the object
///   holds: a new Qiscus event type never fails a webhook.
/// - A known `type` promises a shape: every field may be absent or `null`, but a field that
///   is present must fit the model (an object where the model has an object, a string where
///   it has a string, an integer or a string for an [`Id`]...).
///   `{"type":"post_comment_mobile","payload":5}` is an error (`invalid_payload` through
///   `verify_and_parse`), never an `Unknown`.
/// - Members the model does not type are kept, raw, in the `extra` map of the object they are
///   in ([`PostComment::extra`], [`Message::extra`], [`Participant::extra`](super::Participant::extra)...),
///   at every level.
///
/// [`Event::from_slice`] reports serde_json's error with its line and column in the body.
/// (Through a generic deserializer, such as `serde_json::from_value` or
/// [`Verifier::verify_and_parse`](crate::Verifier::verify_and_parse), a known event is read
/// whole before its type is known, so a misfit there has no position.) Both paths refuse a key
/// repeated in any object of the event: the same bytes mean one thing whichever reads them.
///
/// # Serialising
///
/// `Event` serialises back to JSON equal, as a JSON value, to what it was parsed from: every
/// member is kept, typed or in `extra` (an `Unknown` keeps its type and its raw fields). Two
/// exceptions: a typed field sent as `null` is read as absent and written as absent (but for
/// [`Message::extras`] and [`Message::payload`], which keep `null`); and numbers follow
/// serde_json (a float may come back one ulp off, an integer beyond `u64` as a float).
///
/// **Never verify re-serialised JSON**: Qiscus' Go encoder escapes `<`, `>` and `&` (and
/// writes numbers, spaces and key order its own way), so the bytes differ from the signed
/// ones. The raw verified bytes are the only exact form of an event; the signature covers
/// them only.
///
/// ```
/// use qiscus_webhook::events::{Event, MessageType};
///
/// let body = br#"{"payload":{"from":{"id":155549,"name":"Jarjit"},"message":{"text":"simulasi","type":"text","unix_nano_timestamp":1506162884156457000},"room":{"id":"37537"}},"type":"post_comment_mobile"}"#;
///
/// match Event::from_slice(body)? {
///     Event::PostCommentMobile(comment) | Event::PostCommentRest(comment) => {
///         let message = comment.message().expect("the event has a message");
///         assert_eq!(message.text.as_deref(), Some("simulasi"));
///         assert_eq!(message.r#type, Some(MessageType::Text));
///         assert_eq!(message.unix_nano_timestamp, Some(1_506_162_884_156_457_000));
///         let sender = comment.sender().and_then(|user| user.id.as_ref());
///         assert_eq!(sender.and_then(|id| id.as_u64()), Some(155549));
///         let room = comment.room().and_then(|room| room.id.as_ref());
///         assert_eq!(room.map(ToString::to_string).as_deref(), Some("37537"));
///     }
///     Event::Unknown(event) => println!("not handled yet: {}", event.event_type()),
///     other => println!("not handled: {}", other.event_type()),
/// }
///
/// let future = Event::from_slice(br#"{"type":"room_deleted","payload":{"room_id":1}}"#)?;
/// assert_eq!(future.event_type(), "room_deleted");
/// assert!(matches!(future, Event::Unknown(_)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `post_comment_mobile`: a message posted from a client SDK (or, in Multichannel, by a
    /// customer through a channel).
    PostCommentMobile(PostComment),
    /// `post_comment_rest`: a message posted through the server REST API.
    PostCommentRest(PostComment),
    /// An event type this crate does not know (yet), with its type and raw fields.
    Unknown(UnknownEvent),
}

impl Event {
    /// The event types this crate parses into their own variant; any other `type` parses as
    /// [`Event::Unknown`].
    pub const KNOWN_TYPES: &'static [&'static str] = &[POST_COMMENT_MOBILE, POST_COMMENT_REST];

    /// Parses an event from the verified body's bytes.
    ///
    /// The bytes are read twice: once for the `type` (Qiscus sends it last), skipping the rest
    /// but refusing a key repeated in any object; then, for a known type, straight into the
    /// model, so that an error keeps serde_json's line and column in the body.
    ///
    /// ```
    /// use qiscus_webhook::events::Event;
    ///
    /// let body = b"{\"payload\":{\n  \"message\":{\"unix_timestamp\":\"soon\"}}\n,\"type\":\"post_comment_mobile\"}";
    /// let error = Event::from_slice(body).unwrap_err();
    /// assert_eq!((error.line(), error.column()), (2, 36)); // the end of "soon"
    /// assert!(error.to_string().ends_with("at line 2 column 36"), "{error}");
    /// ```
    ///
    /// # Errors
    ///
    /// serde_json's error when the bytes are not a JSON object with a string `type`, or when
    /// the type is known and a field does not fit the model (see [`Event`]).
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        let event_type = serde_json::from_slice::<TypeOnly>(body)?.0;
        match event_type.as_str() {
            POST_COMMENT_MOBILE => known_from_slice(body).map(Self::PostCommentMobile),
            POST_COMMENT_REST => known_from_slice(body).map(Self::PostCommentRest),
            _ => {
                let mut fields = serde_json::from_slice::<Map<String, Value>>(body)?;
                fields.remove("type");
                Ok(Self::Unknown(UnknownEvent { event_type, fields }))
            }
        }
    }

    /// When the event's message was sent: [`Message::event_time`] for a posted comment, and
    /// the same rule on the raw `payload.message` of an [`Unknown`](Event::Unknown) event,
    /// so that it always agrees with [`events::event_time`](super::event_time) on the bytes
    /// the event was parsed from. `None` when the event has no such message or time.
    #[must_use]
    pub fn event_time(&self) -> Option<EventTime> {
        match self {
            Self::PostCommentMobile(comment) | Self::PostCommentRest(comment) => {
                comment.event_time()
            }
            Self::Unknown(event) => payload_event_time(event.payload()?),
        }
    }

    /// The event's `type`, for every variant (`"post_comment_mobile"`, or an unknown type's
    /// name as sent).
    #[must_use]
    pub fn event_type(&self) -> &str {
        match self {
            Self::PostCommentMobile(_) => POST_COMMENT_MOBILE,
            Self::PostCommentRest(_) => POST_COMMENT_REST,
            Self::Unknown(event) => event.event_type(),
        }
    }

    /// The posted comment, for both `post_comment_mobile` and `post_comment_rest`.
    #[must_use]
    pub fn post_comment(&self) -> Option<&PostComment> {
        match self {
            Self::PostCommentMobile(comment) | Self::PostCommentRest(comment) => Some(comment),
            Self::Unknown(_) => None,
        }
    }
}

/// A known event's body, straight from the bytes: every member but `type` (which the variant
/// holds) is the comment's.
fn known_from_slice(body: &[u8]) -> Result<PostComment, serde_json::Error> {
    let mut comment = serde_json::from_slice::<PostComment>(body)?;
    comment.extra.remove("type");
    Ok(comment)
}

/// The first read of [`Event::from_slice`]: the event object's `type`, every other member
/// skipped, and every object checked for a repeated key (see `strict.rs`): the one pass over
/// the whole body before the typed parse.
struct TypeOnly(String);

impl<'de> Deserialize<'de> for TypeOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TypeOnlyVisitor)
    }
}

struct TypeOnlyVisitor;

impl<'de> de::Visitor<'de> for TypeOnlyVisitor {
    type Value = TypeOnly;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeOnly, A::Error> {
        let mut event_type = None;
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let is_type = key == "type";
            strict::insert_unique(&mut keys, key)?;
            if is_type {
                event_type = Some(map.next_value::<TypeValue>()?.0);
            } else {
                map.next_value::<UniqueKeys>()?;
            }
        }
        string_type(event_type, &self).map(TypeOnly)
    }
}

/// What both event visitors expect.
const EXPECTED: &str = "a Qiscus event, with a string `type`";

/// The event's `type` from what its object held under that key (`Some(None)`: a value that
/// is not a string), or the error both parse paths give.
fn string_type<E: de::Error>(
    found: Option<Option<String>>,
    expected: &dyn de::Expected,
) -> Result<String, E> {
    match found {
        Some(Some(event_type)) => Ok(event_type),
        Some(None) => Err(E::invalid_type(
            Unexpected::Other("a non-string `type`"),
            expected,
        )),
        None => Err(E::missing_field("type")),
    }
}

/// A `type` value: the string, or `None` for any other JSON value (skipped).
struct TypeValue(Option<String>);

impl<'de> Deserialize<'de> for TypeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match StrictValue::deserialize(deserializer)?.0 {
            Value::String(event_type) => Ok(Self(Some(event_type))),
            _ => Ok(Self(None)),
        }
    }
}

impl<'de> Deserialize<'de> for Event {
    /// Through a generic deserializer: the object is read whole (as raw JSON) before its
    /// `type` decides the variant, so a misfit of a known event is reported where the object
    /// ends (with `serde_json`: the line and column after its last member), not at the field
    /// itself. Prefer [`Event::from_slice`] on bytes, which points at the field. A repeated
    /// key in any object is refused, as `from_slice` refuses it: both paths give one meaning
    /// to the same bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

/// Reads the object, then decides, inside `visit_map`: a deserializer that knows positions
/// (`serde_json`'s) attaches one to an error returned from there, never to one made after it
/// returned (which would say line 0, column 0).
struct EventVisitor;

impl<'de> de::Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Event, A::Error> {
        let mut fields = strict::object(map)?;
        let found = fields.remove("type").map(|value| match value {
            Value::String(event_type) => Some(event_type),
            _ => None,
        });
        let event_type = string_type(found, &self)?;
        let comment =
            |fields| PostComment::deserialize(Value::Object(fields)).map_err(A::Error::custom);
        match event_type.as_str() {
            POST_COMMENT_MOBILE => comment(fields).map(Event::PostCommentMobile),
            POST_COMMENT_REST => comment(fields).map(Event::PostCommentRest),
            _ => Ok(Event::Unknown(UnknownEvent { event_type, fields })),
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// A known event: its body's fields, then `type` (last, as in Qiscus' sorted keys; a
        /// `type` in the body's `extra` is not written: the variant is the type).
        #[derive(serde::Serialize)]
        struct Tagged<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            app_code: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            channel: &'a Option<Channel>,
            #[serde(skip_serializing_if = "Option::is_none")]
            payload: &'a Option<CommentPayload>,
            #[serde(flatten)]
            extra: WithoutType<'a>,
            #[serde(rename = "type")]
            event_type: &'a str,
        }

        match self {
            Self::PostCommentMobile(body) | Self::PostCommentRest(body) => Tagged {
                app_code: &body.app_code,
                channel: &body.channel,
                payload: &body.payload,
                extra: WithoutType(&body.extra),
                event_type: self.event_type(),
            }
            .serialize(serializer),
            Self::Unknown(event) => event.serialize(serializer),
        }
    }
}

/// An object's members but `type`.
struct WithoutType<'a>(&'a Map<String, Value>);

impl Serialize for WithoutType<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().filter(|(key, _)| key.as_str() != "type"))
    }
}

/// The body of a `post_comment_mobile` or `post_comment_rest` event, next to its `type`.
///
/// SDK events carry only `payload`; Multichannel ones also `app_code` and `channel`.
/// Members the model does not type are kept in [`extra`](PostComment::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PostComment {
    /// The Multichannel app code (`kovof-123`); absent in SDK events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_code: Option<String>,
    /// The Multichannel channel the message came through; absent in SDK events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The sender, the room and the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<CommentPayload>,
    /// Every other member of the event object, raw, as sent, and written back when the event
    /// is serialised. The event's `type` is not here (the [`Event`] variant is the type; a
    /// `type` put here is not written); in a `PostComment` parsed on its own, it is. A typed
    /// field's name put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PostComment {
    /// The sender (`payload.from`), if sent.
    #[must_use]
    pub fn sender(&self) -> Option<&User> {
        self.payload.as_ref()?.from.as_ref()
    }

    /// The room (`payload.room`), if sent.
    #[must_use]
    pub fn room(&self) -> Option<&Room> {
        self.payload.as_ref()?.room.as_ref()
    }

    /// The message (`payload.message`), if sent.
    #[must_use]
    pub fn message(&self) -> Option<&Message> {
        self.payload.as_ref()?.message.as_ref()
    }

    /// When the message was sent ([`Message::event_time`]), if it was sent with a time.
    #[must_use]
    pub fn event_time(&self) -> Option<EventTime> {
        self.message()?.event_time()
    }
}

/// A posted comment's `payload`: who sent what, where. Every field may be absent; members the
/// model does not type are kept in [`extra`](CommentPayload::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CommentPayload {
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<User>,
    /// The message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// The room, with its participants when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<Room>,
    /// The event type again (Qiscus' field `type`), as Multichannel repeats it inside the
    /// payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Every member this model does not type, raw, as sent, and written back when the payload
    /// is serialised. A typed field's name put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The Multichannel channel a message came through (top-level `channel`). Members the model
/// does not type are kept in [`extra`](Channel::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Channel {
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// The channel's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The channel's source (`wa`, `line`, `fb`, `telegram`, `qiscus`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every member this model does not type, raw, as sent, and written back when the channel
    /// is serialised. A typed field's name put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An event whose `type` this crate does not know: the type, and every other field raw.
///
/// ```
/// use qiscus_webhook::events::Event;
///
/// let event = Event::from_slice(br#"{"payload":{"room_id":7},"type":"x"}"#)?;
/// let Event::Unknown(unknown) = &event else { panic!("x is not a known type") };
/// assert_eq!(unknown.event_type(), "x");
/// assert_eq!(unknown.payload().map(|p| p["room_id"].clone()), Some(7.into()));
/// assert_eq!(serde_json::to_string(&event)?, r#"{"payload":{"room_id":7},"type":"x"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    event_type: String,
    fields: Map<String, Value>,
}

impl UnknownEvent {
    /// An unknown event with this type and these other fields (a `type` member in `fields` is
    /// dropped: `event_type` is the type).
    ///
    /// Give it a type that is not in [`Event::KNOWN_TYPES`]: serialised with a known type, it
    /// would parse back as that type's variant (or fail, if the fields do not fit).
    #[must_use]
    pub fn new(event_type: impl Into<String>, mut fields: Map<String, Value>) -> Self {
        fields.remove("type");
        Self {
            event_type: event_type.into(),
            fields,
        }
    }

    /// The event's `type`, as sent.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// Every member of the event object but `type`, raw.
    #[must_use]
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The `payload` member, raw, if sent.
    #[must_use]
    pub fn payload(&self) -> Option<&Value> {
        self.fields.get("payload")
    }

    /// The type and the other fields.
    #[must_use]
    pub fn into_parts(self) -> (String, Map<String, Value>) {
        (self.event_type, self.fields)
    }
}

impl Serialize for UnknownEvent {
    /// The fields and `type` as one object (`type` in its sorted place among the keys).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len() + 1))?;
        let mut type_written = false;
        for (key, value) in &self.fields {
            if !type_written && key.as_str() > "type" {
                map.serialize_entry("type", &self.event_type)?;
                type_written = true;
            }
            map.serialize_entry(key, value)?;
        }
        if !type_written {
            map.serialize_entry("type", &self.event_type)?;
        }
        map.end()
    }
}
