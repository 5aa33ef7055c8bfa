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
/// use qiscus_webhook::{signature_from_header_values, Error};
///
/// let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
/// assert!(signature_from_header_values([hex.as_bytes()]).is_ok());
/// assert_eq!(signature_from_header_values::<[&[u8]; 0]>([]), Err(Error::MissingSignature));
/// assert_eq!(
///     signature_from_header_values([hex.as_bytes(), hex.as_bytes()]),
///     Err(Error::DuplicateSignature),
/// );
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
