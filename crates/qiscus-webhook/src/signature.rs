//! The signature value: exactly 64 hex digits, optionally surrounded by spaces or tabs.

use core::fmt;
use core::str::FromStr;

use subtle::{Choice, ConstantTimeEq};

/// Length in bytes of an HMAC-SHA256 tag.
pub const SIGNATURE_LEN: usize = 32;

/// A parsed `QISCUS-SDK-SIGNATURE` value: the 32 bytes of an HMAC-SHA256 tag.
///
/// Parsing follows the one grammar every adapter shares: optional spaces or tabs around, then
/// exactly 64 hex digits in either case. Anything else (a `sha256=` prefix, an inner space,
/// 63 or 65 digits, a non-ASCII byte) is rejected, and the error says which rule broke without
/// echoing the input. `Display` is lowercase hex.
///
/// A signature has no `==`: comparing a received signature with an expected one through
/// ordinary equality would leak, through timing, how many leading bytes match. Compare with
/// [`ct_eq`](ConstantTimeEq::ct_eq) (constant time, from `subtle`), or better, let
/// [`Verifier::verify`](crate::Verifier::verify) do it.
///
/// ```
/// use qiscus_webhook::{Signature, SignatureError};
///
/// let hex = "8D0AF1C8A1B9D2E3F40516273849AABBCCDDEEFF00112233445566778899AABB";
/// let sig: Signature = format!("  {hex}\t").parse()?;
/// assert_eq!(sig.to_string(), hex.to_ascii_lowercase());
///
/// assert_eq!(Signature::parse(format!("sha256={hex}")).err(), Some(SignatureError::WrongLength));
/// assert_eq!(Signature::parse("").err(), Some(SignatureError::Empty));
///
/// use qiscus_webhook::ConstantTimeEq;
/// assert!(bool::from(sig.ct_eq(&hex.parse()?)));
/// # Ok::<(), SignatureError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl ConstantTimeEq for Signature {
    /// Constant-time equality of the 32 bytes, through `subtle`.
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl Signature {
    /// Parses a header value (as raw bytes) under the signature grammar.
    ///
    /// # Errors
    ///
    /// The [`SignatureError`] naming the first rule the value breaks, checked in this order:
    /// non-ASCII byte, empty, wrong length, not hex.
    pub fn parse(value: impl AsRef<[u8]>) -> Result<Self, SignatureError> {
        let value = value.as_ref();
        if !value.is_ascii() {
            return Err(SignatureError::NotAscii);
        }
        let digits = trim_ows(value);
        if digits.is_empty() {
            return Err(SignatureError::Empty);
        }
        if digits.len() != 2 * SIGNATURE_LEN {
            return Err(SignatureError::WrongLength);
        }
        let mut bytes = [0u8; SIGNATURE_LEN];
        // Length checked above, so the only possible error is a non-hex digit.
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| SignatureError::NotHex)?;
        Ok(Self(bytes))
    }

    /// Wraps the 32 bytes of a tag.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; SIGNATURE_LEN]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes of the tag.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }
}

/// Trims optional whitespace (spaces and horizontal tabs, RFC 9110 `OWS`) from both ends.
fn trim_ows(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

impl FromStr for Signature {
    type Err = SignatureError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

impl From<[u8; SIGNATURE_LEN]> for Signature {
    fn from(bytes: [u8; SIGNATURE_LEN]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// Which rule of the signature grammar a header value broke.
///
/// The variants never carry the offending value: it came from the network and goes in no log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureError {
    /// Nothing but spaces or tabs (or nothing at all).
    Empty,
    /// Not exactly 64 characters between the optional surrounding spaces or tabs
    /// (this includes prefixes such as `sha256=`).
    WrongLength,
    /// 64 characters, but not all of them hex digits (this includes inner spaces).
    NotHex,
    /// A byte outside ASCII.
    NotAscii,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the signature is empty",
            Self::WrongLength => "the signature is not exactly 64 hex digits long",
            Self::NotHex => "the signature contains a character that is not a hex digit",
            Self::NotAscii => "the signature contains a non-ASCII byte",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SignatureError {}
