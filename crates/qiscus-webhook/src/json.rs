//! Parsing a verified body as JSON: the one place "parse only after verify" is written.

use core::fmt;

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::{Error, Rejection};

/// Parses the bytes of a **verified** body as a `T`.
///
/// Every adapter's typed extractor verifies first, then calls this: a forged body is refused
/// with 401 even when it is not JSON, and only a verified body that does not parse as `T` is
/// `400 invalid_payload`. The rejection's [`source`](std::error::Error::source) is a
/// [`PayloadError`]: serde's position and kind of error, without serde's message (which
/// quotes the body).
///
/// ```
/// use qiscus_webhook::{Error, json};
///
/// let refused = json::parse::<u32>(b"\n  \"not a number\"").unwrap_err();
/// assert_eq!(refused.error(), Error::InvalidPayload);
/// let cause = std::error::Error::source(&refused).unwrap().to_string();
/// assert_eq!(cause, "the body is valid JSON of the wrong shape (line 2, column 16)");
/// ```
///
/// # Errors
///
/// A [`Rejection`] of [`Error::InvalidPayload`].
pub fn parse<T: DeserializeOwned>(verified_body: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(verified_body).map_err(|error| {
        let rejection = Rejection::with_source(Error::InvalidPayload, PayloadError::from(&error));
        crate::trace::after_verification(&rejection, verified_body.len());
        rejection
    })
}

/// Where and how a verified body failed to parse: serde's line, column and category, and
/// nothing of the body itself (safe to log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadError {
    line: usize,
    column: usize,
    kind: PayloadErrorKind,
}

/// The kind of a [`PayloadError`], after serde_json's `Category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadErrorKind {
    /// Not JSON at all.
    Syntax,
    /// Valid JSON, but not of the expected shape (a missing field, a wrong type, ...).
    Shape,
    /// The body ends in the middle of a JSON value.
    Truncated,
}

impl PayloadError {
    /// The 1-based line of the error (0 when serde gave none).
    #[must_use]
    pub const fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column of the error (0 when serde gave none).
    #[must_use]
    pub const fn column(&self) -> usize {
        self.column
    }

    /// What kind of error it is.
    #[must_use]
    pub const fn kind(&self) -> PayloadErrorKind {
        self.kind
    }
}

impl From<&serde_json::Error> for PayloadError {
    fn from(error: &serde_json::Error) -> Self {
        let kind = match error.classify() {
            Category::Data => PayloadErrorKind::Shape,
            Category::Eof => PayloadErrorKind::Truncated,
            Category::Syntax | Category::Io => PayloadErrorKind::Syntax,
        };
        Self {
            line: error.line(),
            column: error.column(),
            kind,
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            PayloadErrorKind::Syntax => "the body is not valid JSON",
            PayloadErrorKind::Shape => "the body is valid JSON of the wrong shape",
            PayloadErrorKind::Truncated => "the body ends inside a JSON value",
        };
        write!(f, "{what} (line {}, column {})", self.line, self.column)
    }
}

impl std::error::Error for PayloadError {}
