//! The webhook signature token: the secret Qiscus signs every request with.

use alloc::boxed::Box;
use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

/// A webhook signature token, as shown in the Qiscus SDK dashboard.
///
/// A token is a secret: its `Debug` output is `Token(<redacted>)`, it has no `Display`, and its
/// bytes are zeroized when it is dropped. Hand it to [`Verifier::new`](crate::Verifier::new),
/// which keeps only the pre-keyed HMAC state.
///
/// [`Token::new`] takes the bytes exactly; [`Token::from_config`] is for values read from
/// configuration, and refuses leading or trailing whitespace (a newline kept from a file is the
/// usual cause of every request failing with `signature_mismatch`).
///
/// ```
/// use qiscus_webhook::Token;
///
/// let token = Token::new("dashboard-signature-token")?;
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// assert!(Token::new("").is_err());
/// # Ok::<(), qiscus_webhook::TokenError>(())
/// ```
pub struct Token {
    bytes: Zeroizing<Box<[u8]>>,
}

impl Token {
    /// Builds a token from its bytes, exactly as given: nothing is trimmed, so a token that
    /// really begins or ends with a space or a newline keeps it.
    ///
    /// For a token read from configuration (an environment variable, a file, a secret store),
    /// where surrounding whitespace is almost always an accident, use
    /// [`Token::from_config`] instead.
    ///
    /// ```
    /// use qiscus_webhook::Token;
    ///
    /// assert!(Token::new(" a token with spaces ").is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TokenError::Empty`] when `token` has no bytes: an empty HMAC key would let anyone sign.
    pub fn new(token: impl AsRef<[u8]>) -> Result<Self, TokenError> {
        let token = token.as_ref();
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        Ok(Self {
            bytes: Zeroizing::new(Box::from(token)),
        })
    }

    /// Builds a token from a configuration value, refusing leading or trailing whitespace.
    ///
    /// # The configuration rule
    ///
    /// This is the one rule every configuration entry point of this workspace applies
    /// ([`Verifier::from_env`](crate::Verifier::from_env), the receiver examples, the
    /// `qiscus-webhook` command line):
    ///
    /// - An empty value is [`TokenError::Empty`].
    /// - A value whose first or last character is whitespace is
    ///   [`TokenError::SurroundingWhitespace`], even if it is nothing but whitespace. Whitespace
    ///   is Unicode `White_Space`, as [`str::trim`] has it: space, tab, `\n`, `\r`, vertical
    ///   tab, form feed, and non-ASCII ones such as U+00A0; a byte that is not part of valid
    ///   UTF-8 is not whitespace. Nothing is trimmed: a token read back with a newline (from a
    ///   file, a secret store, `echo`) would sign with that newline and match nothing Qiscus
    ///   sends, so it is refused loudly rather than rejected quietly at every request.
    /// - Whitespace inside the token is kept: only its ends are checked.
    /// - A file's content is its bytes without the one final line ending a text file has
    ///   (see [`Token::file_content`]); the rule then applies to that content.
    ///
    /// Each entry point has an opt-in to keep a value exactly ([`Token::new`]), for a token
    /// that really has surrounding whitespace: `QISCUS_WEBHOOK_TOKEN_VERBATIM=1` for the
    /// environment, `--verbatim-token` on the command line.
    ///
    /// ```
    /// use qiscus_webhook::{Token, TokenError};
    ///
    /// assert!(Token::from_config("dashboard-signature-token").is_ok());
    /// assert!(Token::from_config("inner spaces are kept").is_ok());
    /// assert_eq!(Token::from_config("token\n").unwrap_err(), TokenError::SurroundingWhitespace);
    /// assert_eq!(Token::from_config(" token").unwrap_err(), TokenError::SurroundingWhitespace);
    /// assert_eq!(Token::from_config(" \r\n").unwrap_err(), TokenError::SurroundingWhitespace);
    /// assert_eq!(Token::from_config("").unwrap_err(), TokenError::Empty);
    /// ```
    ///
    /// # Errors
    ///
    /// [`TokenError::Empty`] when `value` has no bytes, [`TokenError::SurroundingWhitespace`]
    /// when it begins or ends with whitespace.
    pub fn from_config(value: impl AsRef<[u8]>) -> Result<Self, TokenError> {
        let value = value.as_ref();
        if has_surrounding_whitespace(value) {
            return Err(TokenError::SurroundingWhitespace);
        }
        Self::new(value)
    }

    /// The content of a token file: its bytes without the single final line ending (`\n` or
    /// `\r\n`) that ends a text file, as editors and `echo token > file` write it.
    ///
    /// Only that one line ending goes: anything else stays, to pass (or fail)
    /// [`Token::from_config`] like any other value, so `"token\n\n"` keeps a newline and is
    /// refused there.
    ///
    /// ```
    /// use qiscus_webhook::{Token, TokenError};
    ///
    /// assert_eq!(Token::file_content(b"token\n"), b"token");
    /// assert_eq!(Token::file_content(b"token\r\n"), b"token");
    /// assert_eq!(Token::file_content(b"token"), b"token");
    /// assert_eq!(Token::file_content(b"token\n\n"), b"token\n");
    ///
    /// let from_file = |bytes: &[u8]| Token::from_config(Token::file_content(bytes));
    /// assert!(from_file(b"token\n").is_ok());
    /// assert_eq!(from_file(b"token\n\n").unwrap_err(), TokenError::SurroundingWhitespace);
    /// assert_eq!(from_file(b"\n").unwrap_err(), TokenError::Empty);
    /// ```
    #[must_use]
    pub fn file_content(bytes: &[u8]) -> &[u8] {
        bytes
            .strip_suffix(b"\r\n")
            .or_else(|| bytes.strip_suffix(b"\n"))
            .unwrap_or(bytes)
    }

    /// The token's bytes, for keying the HMAC.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl FromStr for Token {
    type Err = TokenError;

    fn from_str(token: &str) -> Result<Self, Self::Err> {
        Self::new(token)
    }
}

impl TryFrom<&str> for Token {
    type Error = TokenError;

    fn try_from(token: &str) -> Result<Self, Self::Error> {
        Self::new(token)
    }
}

impl TryFrom<&[u8]> for Token {
    type Error = TokenError;

    fn try_from(token: &[u8]) -> Result<Self, Self::Error> {
        Self::new(token)
    }
}

/// Why a [`Token`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// The token has no bytes.
    Empty,
    /// The token begins or ends with whitespace ([`Token::from_config`]'s rule), most often a
    /// newline kept from the file or secret store it was read from.
    SurroundingWhitespace,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the webhook signature token is empty"),
            Self::SurroundingWhitespace => f.write_str(
                "the webhook signature token has leading or trailing whitespace \
                 (often a newline from the file or secret store it was read from)",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TokenError {}

/// Whether the first or last character is whitespace ([`Token::from_config`]'s rule). Bytes
/// that are not valid UTF-8 are never whitespace.
fn has_surrounding_whitespace(bytes: &[u8]) -> bool {
    let first = bytes
        .utf8_chunks()
        .next()
        .and_then(|chunk| chunk.valid().chars().next());
    // The last character counts only if the bytes end in valid UTF-8.
    let last = bytes
        .utf8_chunks()
        .last()
        .filter(|chunk| chunk.invalid().is_empty())
        .and_then(|chunk| chunk.valid().chars().next_back());
    first.is_some_and(char::is_whitespace) || last.is_some_and(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_is_the_first_or_last_character() {
        for yes in [
            &b" t"[..],
            b"t ",
            b"t\n",
            b"t\r\n",
            b"\tt",
            b"t\x0b",
            b"t\x0c",
            b" ",
            b"\n",
            "t\u{a0}".as_bytes(),
            "\u{2003}t".as_bytes(),
            b"\xff t ",
            b" t\xff",
        ] {
            assert!(has_surrounding_whitespace(yes), "{yes:?}");
        }
        for no in [
            &b""[..],
            b"t",
            b"a b",
            b"a\nb",
            b"\xfft",
            b"t\xff",
            b"\xff",
            // U+FEFF (a byte order mark) is not White_Space.
            "\u{feff}t".as_bytes(),
            // 0x1f is an ASCII control, not whitespace.
            b"t\x1f",
        ] {
            assert!(!has_surrounding_whitespace(no), "{no:?}");
        }
    }
}
