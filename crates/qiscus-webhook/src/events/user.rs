//! [`User`]: the sender of the message (the payload's `from`).

use alloc::string::String;

use serde_json::{Map, Value};

use super::Id;

/// The user who sent the message (the payload's `from`). Every field may be absent; members
/// the model does not type are kept in [`extra`](User::extra).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The user's email, which Qiscus uses as the user id (Multichannel: often a phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's numeric id (an integer in SDK payloads, a string in Multichannel ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// `id` as a string, as Qiscus sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_str: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every member this model does not type, raw, as sent, and written back when the user is
    /// serialised. A typed field's name put here by hand would be written twice.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
