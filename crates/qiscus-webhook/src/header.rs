//! The header rule: exactly one `QISCUS-SDK-SIGNATURE` field, and its value parses.

use crate::{Error, Signature};

/// The signature header's name, lowercase (HTTP field names match case-insensitively).
pub const SIGNATURE_HEADER: &str = "qiscus-sdk-signature";

/// Applies the header rule to the values of every `QISCUS-SDK-SIGNATURE` field of a request.
///
/// Pass every value, in any order (with `http`: `headers.get_all(SIGNATURE_HEADER)`; a map's
/// plain `get` shows only the first and would hide a duplicate). No value is
/// [`Error::MissingSignature`]; two or more is [`Error::DuplicateSignature`], even when they
/// agree; one value that breaks the grammar is [`Error::MalformedSignature`].
///
/// Every adapter calls this; none re-implements it.
///
/// ```
/// use qiscus_webhook::{Error, header::signature_from_header_values};
///
/// let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
/// assert!(signature_from_header_values([hex.as_bytes()]).is_ok());
/// let missing = signature_from_header_values::<[&[u8]; 0]>([]);
/// assert_eq!(missing.err(), Some(Error::MissingSignature));
/// let twice = signature_from_header_values([hex.as_bytes(), hex.as_bytes()]);
/// assert_eq!(twice.err(), Some(Error::DuplicateSignature));
/// ```
///
/// # Errors
///
/// [`Error::MissingSignature`], [`Error::DuplicateSignature`] or [`Error::MalformedSignature`].
pub fn signature_from_header_values<'a, I>(values: I) -> Result<Signature, Error>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut values = values.into_iter();
    let first = values.next().ok_or(Error::MissingSignature)?;
    if values.next().is_some() {
        return Err(Error::DuplicateSignature);
    }
    Ok(Signature::parse(first)?)
}

/// Reads a `Content-Length` header value (as raw bytes): a decimal number of bytes, optional
/// spaces or tabs around; anything else is `None`.
///
/// For [`Verifier::begin_request`](crate::Verifier::begin_request)'s early reject only: HTTP
/// servers refuse an unparsable `Content-Length` before a handler runs, and the limit is
/// enforced on the counted bytes either way.
///
/// ```
/// use qiscus_webhook::header::content_length_from_header;
///
/// assert_eq!(content_length_from_header(b"42"), Some(42));
/// assert_eq!(content_length_from_header(b" 18446744073709551615 "), Some(u64::MAX));
/// assert_eq!(content_length_from_header(b"-1"), None);
/// assert_eq!(content_length_from_header(b"1, 1"), None);
/// ```
#[must_use]
pub fn content_length_from_header(value: &[u8]) -> Option<u64> {
    let digits = value.trim_ascii();
    if digits.is_empty()
        || !value
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b' ' | b'\t'))
    {
        return None;
    }
    core::str::from_utf8(digits).ok()?.parse().ok()
}
