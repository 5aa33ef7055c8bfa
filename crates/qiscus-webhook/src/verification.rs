//! One verification in progress: the signature, every token's MAC state, the bytes counted
//! against the limit, and where the body goes.

use core::fmt;
use core::time::Duration;

use hmac::Mac;

use crate::mac::{self, HmacSha256, MAX_TOKENS};
use crate::sink::{BodySink, Discard};
use crate::{Error, Signature, Verified};

/// A verification in progress, from [`Verifier::begin`](crate::Verifier::begin) (a body and a
/// signature you already have) or [`Verifier::begin_request`](crate::Verifier::begin_request)
/// (an HTTP request: the order of checks is decided there).
///
/// Holds a copy of each token's pre-keyed HMAC state, on the stack: nothing is allocated while
/// verifying. [`update`](Verification::update) counts the bytes and fails the moment the body
/// passes the limit; after that, every call fails the same way. The body is given to a
/// [`BodySink`] (by default [`Discard`]: kept nowhere); choose another with
/// [`keep_body`](Verification::keep_body) to get the exact verified bytes back from
/// [`finish_with_body`](Verification::finish_with_body).
///
/// ```
/// use qiscus_webhook::{Token, Verifier};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let signature = verifier.sign(b"hello, world");
///
/// let mut verification = verifier.begin(signature).keep_body(Vec::new());
/// for chunk in [&b"hello, "[..], b"world"] {
///     verification.update(chunk)?;
/// }
/// let (body, verified) = verification.finish_with_body()?;
/// assert_eq!((&body[..], verified.is_primary()), (&b"hello, world"[..], true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verification<S = Discard> {
    signature: Signature,
    macs: [Option<HmacSha256>; MAX_TOKENS],
    seen: usize,
    limit: usize,
    likely_len: usize,
    timeout: Duration,
    over_limit: bool,
    sink: S,
}

impl Verification {
    /// `likely_len`: the declared length, already checked to be within `limit`.
    pub(crate) fn new(
        signature: Signature,
        macs: &[HmacSha256],
        limit: usize,
        likely_len: usize,
        timeout: Duration,
    ) -> Self {
        Self {
            signature,
            macs: core::array::from_fn(|i| macs.get(i).cloned()),
            seen: 0,
            limit,
            likely_len,
            timeout,
            over_limit: false,
            sink: Discard,
        }
    }
}

impl<S: BodySink> Verification<S> {
    /// Keeps the body in `sink` from now on (call it before the first chunk: chunks already fed
    /// are not replayed into it).
    #[must_use]
    pub fn keep_body<K: BodySink>(self, mut sink: K) -> Verification<K> {
        sink.reserve(self.likely_len);
        Verification {
            signature: self.signature,
            macs: self.macs,
            seen: self.seen,
            limit: self.limit,
            likely_len: self.likely_len,
            timeout: self.timeout,
            over_limit: self.over_limit,
            sink,
        }
    }

    /// Feeds the next chunk of the body.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] as soon as the bytes counted pass the limit, and on every call
    /// after that; the chunk is then neither hashed nor kept.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.count(chunk.len())?;
        for mac in self.macs.iter_mut().flatten() {
            mac.update(chunk);
        }
        self.sink.keep(chunk);
        Ok(())
    }

    /// As [`update`](Verification::update), handing the chunk to the sink as it is (a
    /// `BytesBody` keeps a one-chunk body without a copy).
    ///
    /// # Errors
    ///
    /// As [`update`](Verification::update).
    #[cfg(feature = "bytes")]
    pub fn push(&mut self, chunk: bytes::Bytes) -> Result<(), Error> {
        self.count(chunk.len())?;
        for mac in self.macs.iter_mut().flatten() {
            mac.update(&chunk);
        }
        self.sink.keep_bytes(chunk);
        Ok(())
    }

    fn count(&mut self, len: usize) -> Result<(), Error> {
        let seen = self.seen.saturating_add(len);
        if self.over_limit || seen > self.limit {
            self.over_limit = true;
            return Err(Error::BodyTooLarge);
        }
        self.seen = seen;
        Ok(())
    }

    /// How many body bytes have been fed so far.
    #[must_use]
    pub fn bytes_seen(&self) -> usize {
        self.seen
    }

    /// The body limit in force for this verification, in bytes.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How long the whole body may take to arrive: the verifier's
    /// [body timeout](crate::Verifier::with_body_timeout). The [`drive`](crate::drive) loops
    /// enforce it.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Compares the signature with every token's tag, in constant time and without an early
    /// exit, and says which token matched. The body, if kept, is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] if the body passed the limit, else [`Error::SignatureMismatch`]
    /// when no token matches.
    pub fn finish(self) -> Result<Verified, Error> {
        self.finish_with_body().map(|(_, verified)| verified)
    }

    /// As [`finish`](Verification::finish), handing back the body the sink kept: the exact
    /// bytes that were verified, and only when they were.
    ///
    /// # Errors
    ///
    /// As [`finish`](Verification::finish).
    pub fn finish_with_body(self) -> Result<(S::Body, Verified), Error> {
        if self.over_limit {
            return Err(Error::BodyTooLarge);
        }
        let verified = mac::select(&self.signature, self.macs.into_iter().flatten())?;
        Ok((self.sink.into_body(), verified))
    }
}

#[cfg(feature = "bytes")]
impl Verification {
    /// Keeps the body as `Bytes` ([`keep_body`](Verification::keep_body) with a
    /// [`BytesBody`](crate::sink::BytesBody)): what the framework adapters hand their handlers.
    #[must_use]
    pub fn collect_bytes(self) -> Verification<crate::sink::BytesBody> {
        self.keep_body(crate::sink::BytesBody::default())
    }
}

impl<S> fmt::Debug for Verification<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the signature nor the MAC states: only the counters.
        f.debug_struct("Verification")
            .field("bytes_seen", &self.seen)
            .field("limit", &self.limit)
            .field("over_limit", &self.over_limit)
            .finish_non_exhaustive()
    }
}
