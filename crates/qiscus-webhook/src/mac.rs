//! The MAC: HMAC-SHA256 keyed once per token, and the constant-time choice of the token that
//! signed a body.

use hmac::{KeyInit, Mac};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::{Error, Signature, Token};

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
        Ok(Verified::new(index as usize))
    } else {
        Err(Error::SignatureMismatch)
    }
}

/// Proof that a body's signature matched: which configured token signed it.
///
/// Only this crate makes one, after a constant-time comparison succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verified {
    token_index: usize,
}

impl Verified {
    pub(crate) const fn new(token_index: usize) -> Self {
        Self { token_index }
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
