//! The verifier: pre-keyed HMAC states for every accepted token, and a body limit.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use hmac::{KeyInit, Mac};

use crate::verification::Selection;
use crate::{Error, Signature, Token, Verification};

/// HMAC-SHA256, the one MAC Qiscus uses.
pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The default body limit: 1 MiB, far above any Qiscus event seen in the wild.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How many tokens one verifier accepts at most: the current one plus up to three earlier ones.
///
/// Rotation needs two; the cap keeps per-request work bounded and lets a verification keep its
/// HMAC states on the stack (no heap allocation while verifying).
pub const MAX_TOKENS: usize = 4;

/// Verifies `QISCUS-SDK-SIGNATURE` against the raw body, in constant time.
///
/// Built from the primary token (the one [`sign`](Verifier::sign) uses) plus, while rotating,
/// earlier tokens that are still accepted. Each token is keyed once, here; a request clones the
/// pre-keyed state. Cloning a `Verifier` is cheap (shared, reference-counted state), so it can
/// live in any framework's application state.
///
/// ```
/// use qiscus_webhook::{Signature, Token, Verifier};
///
/// let verifier = Verifier::new(Token::new("new-token")?)
///     .also_accept(Token::new("old-token")?)?
///     .with_body_limit(64 * 1024);
///
/// let body = br#"{"type":"post_comment_mobile"}"#;
/// let old = Verifier::new(Token::new("old-token")?);
/// let verified = verifier.verify(body, &old.sign(body))?;
/// assert_eq!(verified.token_index(), 1); // the second token matched
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    macs: Arc<[HmacSha256]>,
    body_limit: usize,
}

impl Verifier {
    /// A verifier accepting `primary` only, with the [default body limit](DEFAULT_BODY_LIMIT).
    #[must_use]
    pub fn new(primary: Token) -> Self {
        Self {
            macs: Arc::from([key(&primary)]),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Also accepts `token`, after those already configured (its index is the next one).
    ///
    /// # Errors
    ///
    /// [`TooManyTokens`] when [`MAX_TOKENS`] are already configured.
    pub fn also_accept(self, token: Token) -> Result<Self, TooManyTokens> {
        if self.macs.len() >= MAX_TOKENS {
            return Err(TooManyTokens);
        }
        let mut macs: Vec<HmacSha256> = self.macs.iter().cloned().collect();
        macs.push(key(&token));
        Ok(Self {
            macs: macs.into(),
            body_limit: self.body_limit,
        })
    }

    /// Sets the body limit in bytes: a longer body fails with [`Error::BodyTooLarge`].
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The body limit in bytes.
    #[must_use]
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// How many tokens are accepted.
    #[must_use]
    pub fn token_count(&self) -> usize {
        self.macs.len()
    }

    /// Verifies a whole body against a parsed signature.
    ///
    /// Every configured token is tried, without an early exit, and compared in constant time.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] when the body is over the limit, else
    /// [`Error::SignatureMismatch`] when no token matches.
    pub fn verify(&self, body: &[u8], signature: &Signature) -> Result<Verified, Error> {
        if body.len() > self.body_limit {
            return Err(Error::BodyTooLarge);
        }
        let mut selection = Selection::new(signature);
        for pre_keyed in self.macs.iter() {
            let mut mac = pre_keyed.clone();
            mac.update(body);
            selection.offer(mac);
        }
        selection.result()
    }

    /// Starts a streaming verification: feed the body with
    /// [`update`](Verification::update) as it arrives, then [`finish`](Verification::finish).
    #[must_use]
    pub fn begin(&self) -> Verification {
        Verification::new(&self.macs, self.body_limit)
    }

    /// Signs `body` with the primary token (for tests and senders).
    #[must_use]
    pub fn sign(&self, body: &[u8]) -> Signature {
        let mut mac = self.macs[0].clone();
        mac.update(body);
        Signature::from_bytes(mac.finalize().into_bytes().into())
    }

    /// Rejects early a request whose declared `Content-Length` is over the limit.
    ///
    /// Only an early reject: a client can lie in `Content-Length` and chunked bodies have none,
    /// so the limit is enforced again on the bytes actually counted.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] when `content_length` is over the limit.
    pub fn check_content_length(&self, content_length: Option<u64>) -> Result<(), Error> {
        match content_length {
            Some(len) if len > self.body_limit as u64 => Err(Error::BodyTooLarge),
            _ => Ok(()),
        }
    }
}

/// Keys HMAC-SHA256 with a token: the one key schedule a token ever gets.
fn key(token: &Token) -> HmacSha256 {
    // `Hmac::new_from_slice` accepts keys of every length (longer ones are hashed first).
    match HmacSha256::new_from_slice(token.expose()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &format_args!("<{} redacted>", self.macs.len()))
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

/// Proof that a body's signature matched: which configured token signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verified {
    token_index: usize,
}

impl Verified {
    pub(crate) const fn new(token_index: usize) -> Self {
        Self { token_index }
    }

    /// The index of the token that matched: 0 for the primary, then in the order they were
    /// added with [`Verifier::also_accept`].
    #[must_use]
    pub const fn token_index(&self) -> usize {
        self.token_index
    }

    /// Whether the primary token matched (when not, the sender still uses an older token).
    #[must_use]
    pub const fn is_primary(&self) -> bool {
        self.token_index == 0
    }
}

/// [`Verifier::also_accept`] was called with [`MAX_TOKENS`] tokens already configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TooManyTokens;

impl fmt::Display for TooManyTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a verifier accepts at most {MAX_TOKENS} tokens")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TooManyTokens {}
