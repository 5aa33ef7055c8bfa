//! [`Room`], the chat room the message was posted in, and its [`Participant`]s.

use alloc::string::String;
use alloc::vec::Vec;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Id;

/// The chat room the message was posted in. Every field may be absent; members the model does
/// not type are kept in [`extra`](Room::extra).
///
/// `options` is a JSON document inside a string (`"{\"channel\":\"wa\",...}"`): it is kept as
/// the string Qiscus sent, and [`parse_options`](Room::parse_options) parses it on demand.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Room {
    /// The room id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// `id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_str: Option<String>,
    /// Whether the room is a public channel (Qiscus then sends no `participants`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_public_channel: Option<bool>,
    /// The room's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The room's options: a JSON document inside a string, as sent (see
    /// [`parse_options`](Room::parse_options)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    /// The room's participants, when sent (Qiscus omits them for public channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<Participant>>,
    /// The room's avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_avatar: Option<String>,
    /// The room's topic id (Qiscus' older name for the room id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_id: Option<Id>,
    /// `topic_id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_id_str: Option<String>,
    /// The room type (Qiscus' field `type`): `single`, `group` or `channel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Every member this model does not type, raw, as sent, and written back when the room is
    /// serialised. A typed field's name put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Room {
    /// Parses [`options`](Room::options), the JSON document inside a string.
    ///
    /// `Ok(None)` when the room has no options, or when they are an empty (or blank) string.
    /// Use `serde_json::Value` for the whole document, or a type of your own for the fields you
    /// need.
    ///
    /// ```
    /// use qiscus_webhook::events::Room;
    ///
    /// let room: Room = serde_json::from_str(r#"{"options":"{\"channel\":\"wa\",\"is_waiting\":true}"}"#)?;
    /// let options: serde_json::Value = room.parse_options()?.expect("the room has options");
    /// assert_eq!(options["channel"], "wa");
    /// assert_eq!(options["is_waiting"], true);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// serde_json's error when the string is not JSON, or not the JSON `T` expects.
    pub fn parse_options<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        match self.options.as_deref() {
            Some(options) if !options.trim().is_empty() => serde_json::from_str(options).map(Some),
            _ => Ok(None),
        }
    }
}

/// A participant of the room. Every field may be absent; members the model does not type
/// (real payloads carry `active` and `extras`) are kept in [`extra`](Participant::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Participant {
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The participant's email, which Qiscus uses as the user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The participant's numeric user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// `id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_str: Option<String>,
    /// The id of the last message this participant has read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_comment_read_id: Option<Id>,
    /// `last_comment_read_id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_comment_read_id_str: Option<String>,
    /// The id of the last message delivered to this participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_comment_received_id: Option<Id>,
    /// `last_comment_received_id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_comment_received_id_str: Option<String>,
    /// The participant's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Every member this model does not type, raw, as sent (`active`, `extras`, fields Qiscus
    /// adds later), and written back when the participant is serialised. A typed field's name
    /// put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
