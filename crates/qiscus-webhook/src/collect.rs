//! Verifying a request while keeping its body: what every streaming adapter needs.

use bytes::{Bytes, BytesMut};

use crate::{Error, RequestVerification, Verified, Verifier};

/// A [`RequestVerification`] that also keeps the body it verifies, from
/// [`Verifier::begin_collecting`] (feature `bytes`).
///
/// Adapters push each chunk of the body as it arrives; [`finish`](Self::finish) hands back the
/// exact bytes only when the signature matched. A body that arrives in one chunk is kept as is,
/// without a copy; from the second chunk on, chunks are copied into one buffer, preallocated
/// from the declared `Content-Length` but never beyond the limit (a client can declare any
/// length).
///
/// ```
/// use bytes::Bytes;
/// use qiscus_webhook::{Token, Verifier};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let header = verifier.sign(b"hello, world").to_string();
///
/// let mut body = verifier.begin_collecting([header.as_bytes()], None)?;
/// for chunk in ["hello, ", "world"] {
///     body.push(Bytes::from(chunk))?;
/// }
/// let (bytes, verified) = body.finish()?;
/// assert_eq!((&bytes[..], verified.token_index()), (&b"hello, world"[..], 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CollectingVerification {
    request: RequestVerification,
    capacity: usize,
    first: Bytes,
    rest: Option<BytesMut>,
}

impl Verifier {
    /// As [`begin_request`](Verifier::begin_request), keeping the body as it streams in.
    ///
    /// # Errors
    ///
    /// The header rule's errors, then [`Error::BodyTooLarge`] for a declared length over the
    /// limit.
    pub fn begin_collecting<'a, I>(
        &self,
        signature_values: I,
        content_length: Option<u64>,
    ) -> Result<CollectingVerification, Error>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let request = self.begin_request(signature_values, content_length)?;
        // `begin_request` refused a declared length over the limit, so this is at most it.
        let capacity = content_length.map_or(0, |len| {
            usize::try_from(len).map_or(self.body_limit(), |len| len.min(self.body_limit()))
        });
        Ok(CollectingVerification {
            request,
            capacity,
            first: Bytes::new(),
            rest: None,
        })
    }
}

impl CollectingVerification {
    /// Verifies and keeps the next chunk of the body.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] as soon as the body passes the limit (the chunk is not kept).
    pub fn push(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.request.update(&chunk)?;
        if let Some(rest) = &mut self.rest {
            rest.extend_from_slice(&chunk);
        } else if self.first.is_empty() {
            self.first = chunk;
        } else if !chunk.is_empty() {
            let len = self.first.len() + chunk.len();
            let mut rest = BytesMut::with_capacity(self.capacity.max(len));
            rest.extend_from_slice(&self.first);
            rest.extend_from_slice(&chunk);
            self.rest = Some(rest);
        }
        Ok(())
    }

    /// How many body bytes have been pushed so far.
    #[must_use]
    pub fn bytes_seen(&self) -> usize {
        self.request.bytes_seen()
    }

    /// Finishes the verification; on success, the exact bytes that were verified.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] if the body passed the limit, else [`Error::SignatureMismatch`].
    pub fn finish(self) -> Result<(Bytes, Verified), Error> {
        let verified = self.request.finish()?;
        Ok((self.rest.map_or(self.first, BytesMut::freeze), verified))
    }
}
