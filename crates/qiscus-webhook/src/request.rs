//! A whole request, in the order every adapter applies: header rule, declared length, body.

use crate::{Error, Signature, Verification, Verified, Verifier, signature_from_header_values};

/// The verification of one HTTP request, from [`Verifier::begin_request`].
///
/// This is the one place the order of checks is decided, so every framework answers alike:
///
/// 1. the header rule ([`signature_from_header_values`]): 401 before a byte of body is read;
/// 2. `Content-Length` over the limit: 413, still without reading;
/// 3. the body, streamed in with [`update`](RequestVerification::update) and counted: 413 the
///    moment it passes the limit;
/// 4. [`finish`](RequestVerification::finish): the constant-time comparison, 401 on mismatch.
///
/// An adapter stops reading at the first error and answers with it.
///
/// ```
/// use qiscus_webhook::{Error, Token, Verifier};
///
/// let verifier = Verifier::new(Token::new("secret")?).with_body_limit(16);
/// let body = b"{\"type\":\"x\"}";
/// let header = verifier.sign(body).to_string();
///
/// let mut request = verifier.begin_request([header.as_bytes()], Some(body.len() as u64))?;
/// request.update(body)?;
/// assert_eq!(request.finish()?.token_index(), 0);
///
/// // Too large by Content-Length: refused before reading.
/// let refused = verifier.begin_request([header.as_bytes()], Some(17));
/// assert_eq!(refused.unwrap_err(), Error::BodyTooLarge);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RequestVerification {
    signature: Signature,
    body: Verification,
}

impl Verifier {
    /// Starts verifying a request from the values of its `QISCUS-SDK-SIGNATURE` fields and its
    /// declared `Content-Length`, if any.
    ///
    /// # Errors
    ///
    /// The header rule's errors, then [`Error::BodyTooLarge`] for a declared length over the
    /// limit.
    pub fn begin_request<'a, I>(
        &self,
        signature_values: I,
        content_length: Option<u64>,
    ) -> Result<RequestVerification, Error>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let signature = signature_from_header_values(signature_values)?;
        self.check_content_length(content_length)?;
        Ok(RequestVerification {
            signature,
            body: self.begin(),
        })
    }
}

impl RequestVerification {
    /// Feeds the next chunk of the body.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] as soon as the body passes the limit.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.body.update(chunk)
    }

    /// How many body bytes have been fed so far.
    #[must_use]
    pub fn bytes_seen(&self) -> usize {
        self.body.bytes_seen()
    }

    /// Finishes with the signature from the header.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] if the body passed the limit, else [`Error::SignatureMismatch`].
    pub fn finish(self) -> Result<Verified, Error> {
        self.body.finish(&self.signature)
    }

    /// Feeds a body that is already whole, and finishes.
    ///
    /// # Errors
    ///
    /// As [`update`](RequestVerification::update), then as
    /// [`finish`](RequestVerification::finish).
    pub fn verify_body(mut self, body: &[u8]) -> Result<Verified, Error> {
        self.update(body)?;
        self.finish()
    }
}
