//! What the filters extract: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed
//! after verification).

use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use qiscus_webhook::Verified;

/// The request body, byte for byte, after its `QISCUS-SDK-SIGNATURE` matched; with which
/// token matched ([`Verified`]). Extracted by [`verified_body`](crate::verified_body).
///
/// Destructure it in the handler's arguments: `|VerifiedBody(body, verified)| ...` (or
/// `VerifiedBody(body, _)` for the bytes alone); it also derefs to the [`Bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub Bytes, pub Verified);

/// A JSON body deserialised into `T`, only after its `QISCUS-SDK-SIGNATURE` matched; with
/// which token matched ([`Verified`]). Extracted by [`verified_json`](crate::verified_json).
///
/// Destructure it in the handler's arguments: `|VerifiedJson(event, _): VerifiedJson<Event>|
/// ...`; it also derefs to the `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson<T>(pub T, pub Verified);

impl Deref for VerifiedBody {
    type Target = Bytes;

    fn deref(&self) -> &Bytes {
        &self.0
    }
}

impl<T> Deref for VerifiedJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for VerifiedJson<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
