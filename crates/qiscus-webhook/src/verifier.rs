//! The verifier: pre-keyed HMAC states for every accepted token, and a body limit.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use hmac::Mac;

use crate::mac::{self, HmacSha256, MAX_TOKENS, key};
use crate::{Error, Signature, Token, Verification, Verified};

/// The default body limit: 1 MiB, far above any Qiscus event seen in the wild.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The default body timeout: 30 s for the whole body to arrive (Qiscus sends a few KiB at
/// once; only a stalled or trickling client comes near it).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

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
    body_timeout: Duration,
}

impl Verifier {
    /// A verifier accepting `primary` only, with the [default body limit](DEFAULT_BODY_LIMIT).
    #[must_use]
    pub fn new(primary: Token) -> Self {
        Self {
            macs: Arc::from([key(&primary)]),
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
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
            ..self
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

    /// Sets the body timeout: the whole body must arrive within it, from the moment the
    /// adapter starts reading, else the request fails with [`Error::BodyTimeout`] (408) and
    /// the connection is closed. [`DEFAULT_BODY_TIMEOUT`] (30 s) unless set.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The body timeout.
    #[must_use]
    pub fn body_timeout(&self) -> Duration {
        self.body_timeout
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
        let macs = self.macs.iter().map(|pre_keyed| {
            let mut mac = pre_keyed.clone();
            mac.update(body);
            mac
        });
        mac::select(signature, macs)
    }

    /// Starts a streaming verification of a body against `signature`: feed the body with
    /// [`update`](Verification::update) as it arrives, then [`finish`](Verification::finish).
    ///
    /// For an HTTP request, [`begin_request`](Verifier::begin_request) applies the header rule
    /// and the declared length first.
    #[must_use]
    pub fn begin(&self, signature: Signature) -> Verification {
        Verification::new(signature, &self.macs, self.body_limit, 0, self.body_timeout)
    }

    /// The pre-keyed MAC states, for [`begin_request`](Verifier::begin_request).
    pub(crate) fn macs(&self) -> &[HmacSha256] {
        &self.macs
    }

    /// Signs `body` with the primary token (for tests and senders).
    #[must_use]
    pub fn sign(&self, body: &[u8]) -> Signature {
        let mut mac = self.macs[0].clone();
        mac.update(body);
        Signature::from_bytes(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &format_args!("<{} redacted>", self.macs.len()))
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .finish()
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
