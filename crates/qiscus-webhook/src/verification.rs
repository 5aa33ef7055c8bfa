//! Streaming verification: the body arrives in chunks, counted against the limit.

use core::fmt;

use hmac::Mac;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::verifier::HmacSha256;
use crate::{Error, MAX_TOKENS, Signature, Verified};

/// A verification in progress, from [`Verifier::begin`](crate::Verifier::begin).
///
/// Holds a copy of each token's pre-keyed HMAC state, on the stack: nothing is allocated while
/// verifying. [`update`](Verification::update) counts the bytes and fails the moment the body
/// passes the limit; after that, every call fails the same way.
///
/// ```
/// use qiscus_webhook::{Token, Verifier};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let signature = verifier.sign(b"hello, world");
///
/// let mut verification = verifier.begin();
/// for chunk in [&b"hello, "[..], b"world"] {
///     verification.update(chunk)?;
/// }
/// assert!(verification.finish(&signature)?.is_primary());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verification {
    macs: [Option<HmacSha256>; MAX_TOKENS],
    seen: usize,
    limit: usize,
    over_limit: bool,
}

impl Verification {
    pub(crate) fn new(macs: &[HmacSha256], limit: usize) -> Self {
        Self {
            macs: core::array::from_fn(|i| macs.get(i).cloned()),
            seen: 0,
            limit,
            over_limit: false,
        }
    }

    /// Feeds the next chunk of the body.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] as soon as the bytes counted pass the limit, and on every call
    /// after that.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let seen = self.seen.saturating_add(chunk.len());
        if self.over_limit || seen > self.limit {
            self.over_limit = true;
            return Err(Error::BodyTooLarge);
        }
        self.seen = seen;
        for mac in self.macs.iter_mut().flatten() {
            mac.update(chunk);
        }
        Ok(())
    }

    /// How many body bytes have been fed so far.
    #[must_use]
    pub fn bytes_seen(&self) -> usize {
        self.seen
    }

    /// Compares the signature with every token's tag, in constant time and without an early
    /// exit, and says which token matched.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] if the body passed the limit, else [`Error::SignatureMismatch`]
    /// when no token matches.
    pub fn finish(self, signature: &Signature) -> Result<Verified, Error> {
        if self.over_limit {
            return Err(Error::BodyTooLarge);
        }
        let mut selection = Selection::new(signature);
        for mac in self.macs.into_iter().flatten() {
            selection.offer(mac);
        }
        selection.result()
    }
}

/// Picks, in constant time and without an early exit, the first token whose tag equals the
/// signature: every MAC is offered in token order, then [`result`](Selection::result) says.
pub(crate) struct Selection<'s> {
    signature: &'s Signature,
    matched: Choice,
    index: u32,
    next: u32,
}

impl<'s> Selection<'s> {
    pub(crate) fn new(signature: &'s Signature) -> Self {
        Self {
            signature,
            matched: Choice::from(0),
            index: 0,
            next: 0,
        }
    }

    /// Finalises the next token's MAC and compares its tag with the signature.
    #[inline]
    pub(crate) fn offer(&mut self, mac: HmacSha256) {
        let tag: Zeroizing<[u8; 32]> = Zeroizing::new(mac.finalize().into_bytes().into());
        let equal = tags_equal(&tag, self.signature.as_bytes());
        // Keep the first matching index; later tokens are still computed and compared.
        self.index
            .conditional_assign(&self.next, equal & !self.matched);
        self.matched |= equal;
        self.next += 1;
    }

    pub(crate) fn result(self) -> Result<Verified, Error> {
        if bool::from(self.matched) {
            // At most MAX_TOKENS macs were offered, so `index` is small and fits a usize.
            Ok(Verified::new(self.index as usize))
        } else {
            Err(Error::SignatureMismatch)
        }
    }
}

/// Constant-time equality of two tags: the bytes' differences are OR-ed together (no branch,
/// no early exit), and only the accumulated difference is compared, through `subtle`.
fn tags_equal(tag: &[u8; 32], signature: &[u8; 32]) -> Choice {
    let difference = tag
        .iter()
        .zip(signature)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b));
    core::hint::black_box(difference).ct_eq(&0)
}

impl fmt::Debug for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verification")
            .field("bytes_seen", &self.seen)
            .field("limit", &self.limit)
            .field("over_limit", &self.over_limit)
            .finish_non_exhaustive()
    }
}
