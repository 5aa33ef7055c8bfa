//! What the filters extract: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed
//! after verification).

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

qiscus_webhook::__impl_verified_deref!(VerifiedBody => Bytes, VerifiedJson);
