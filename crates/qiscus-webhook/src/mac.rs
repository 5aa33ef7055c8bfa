//! The MAC: HMAC-SHA256 keyed once per token, and the constant-time choice of the token that
//! signed a body.

use hmac::{KeyInit, Mac};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::{Error, Signature, Token};

/// How many tokens one verifier accepts at most: the current one plus up to three earlier ones.
///
/// Rotation needs two; the cap keeps per-request work bounded and lets a verification keep its
/// HMAC states on the stack (no heap allocation while verifying).
pub const MAX_TOKENS: usize = 4;

/// HMAC-SHA256, the one MAC Qiscus uses.
pub(crate) type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Keys HMAC-SHA256 with a token: the one key schedule a token ever gets.
pub(crate) fn key(token: &Token) -> HmacSha256 {
    // `Hmac::new_from_slice` accepts keys of every length (longer ones are hashed first).
    match HmacSha256::new_from_slice(token.expose()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Finalises every token's MAC, in token order, and picks the first whose tag equals
/// `signature`: in constant time, without an early exit.
///
/// Each tag stays inside hmac's `CtOutput`, which zeroizes it on drop; it is compared with
/// `subtle`'s slice equality and never leaves this function.
pub(crate) fn select<I>(signature: &Signature, macs: I) -> Result<Verified, Error>
where
    I: IntoIterator<Item = HmacSha256>,
{
    let mut matched = Choice::from(0);
    let received = *signature.as_bytes();
    let mut index = 0u32;
    for (next, mac) in (0u32..).zip(macs) {
        let tag = mac.finalize();
        let equal = tag.as_bytes().as_slice().ct_eq(signature.as_bytes());
        // Keep the first matching index; later tokens are still computed and compared.
        index.conditional_assign(&next, equal & !matched);
        matched |= equal;
    }
    if bool::from(matched) {
        // At most MAX_TOKENS macs are ever offered, so `index` is small and fits a usize.
        Ok(Verified::new(
            index as usize,
            Signature::from_bytes(received),
        ))
    } else {
        Err(Error::SignatureMismatch)
    }
}

/// Proof that a body's signature matched: which configured token signed it, and the
/// signature itself (the identity of the exact bytes: the replay guard's delivery key).
///
/// Only this crate makes one, after a constant-time comparison succeeded. `Debug` shows the
/// token index only; equality compares the signature in constant time.
#[derive(Clone, Copy)]
pub struct Verified {
    token_index: usize,
    signature: Signature,
}

impl Verified {
    pub(crate) const fn new(token_index: usize, signature: Signature) -> Self {
        Self {
            token_index,
            signature,
        }
    }

    /// The signature that matched: the HMAC tag of the exact verified bytes. Two deliveries
    /// of the same bytes under the same token have the same one, which makes it the natural
    /// duplicate-delivery key (never log it: it is as good as the body's fingerprint under
    /// the secret).
    #[must_use]
    pub const fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The index of the token that matched: 0 for the primary, then in the order they were
    /// added with [`Verifier::also_accept`](crate::Verifier::also_accept).
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

impl core::fmt::Debug for Verified {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verified")
            .field("token_index", &self.token_index)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Verified {
    fn eq(&self, other: &Self) -> bool {
        self.token_index == other.token_index && bool::from(self.signature.ct_eq(&other.signature))
    }
}

impl Eq for Verified {}

/// Hashes the token index only: equal values have equal indexes, so this agrees with `Eq`,
/// and the signature never feeds a hasher.
impl core::hash::Hash for Verified {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.token_index.hash(state);
    }
}
