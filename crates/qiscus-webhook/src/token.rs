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
    /// Builds a token from its bytes, exactly as given (no trimming).
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
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the webhook signature token is empty"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TokenError {}
