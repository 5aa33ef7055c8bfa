//! A whole request, in the order every adapter applies: header rule, declared length, body.

use crate::header::{content_length_from_header, signature_from_header_values};
use crate::{Error, Verification, Verifier};

impl Verifier {
    /// Starts verifying an HTTP request, from the values of its `QISCUS-SDK-SIGNATURE` fields
    /// and the raw value of its `Content-Length` field, if any.
    ///
    /// This is the one place the order of checks is decided, so every framework answers alike:
    ///
    /// 1. the header rule ([`signature_from_header_values`]): 401 before a byte of body is read;
    /// 2. `Content-Length` over the limit: 413, still without reading (a value that is not
    ///    `1*DIGIT` is ignored here: HTTP servers refuse it before any handler runs, and the
    ///    limit is enforced on the counted bytes either way);
    /// 3. the body, fed with [`update`](Verification::update) and counted: 413 the moment it
    ///    passes the limit;
    /// 4. [`finish`](Verification::finish): the constant-time comparison, 401 on mismatch.
    ///
    /// An adapter stops reading at the first error and answers with it. `limit` replaces the
    /// verifier's [body limit](Verifier::body_limit) for this request (e.g. a limit the
    /// framework configures by name), without cloning the verifier.
    ///
    /// Pass every signature value, in any order (with `http`:
    /// `headers.get_all(SIGNATURE_HEADER)`; a map's plain `get` would hide a duplicate).
    ///
    /// ```
    /// use qiscus_webhook::{Error, Token, Verifier};
    ///
    /// let verifier = Verifier::new(Token::new("secret")?).with_body_limit(16);
    /// let body = b"{\"type\":\"x\"}";
    /// let header = verifier.sign(body).to_string();
    ///
    /// let mut request = verifier.begin_request([header.as_bytes()], Some(b"12"), None)?;
    /// request.update(body)?;
    /// assert_eq!(request.finish()?.token_index(), 0);
    ///
    /// // Too large by Content-Length: refused before reading.
    /// let refused = verifier.begin_request([header.as_bytes()], Some(b"17"), None);
    /// assert_eq!(refused.unwrap_err(), Error::BodyTooLarge);
    /// // Unless this request has a larger limit.
    /// assert!(verifier.begin_request([header.as_bytes()], Some(b"17"), Some(64)).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`signature_from_header_values`]: crate::header::signature_from_header_values
    ///
    /// # Errors
    ///
    /// The header rule's errors, then [`Error::BodyTooLarge`] for a declared length over the
    /// limit.
    pub fn begin_request<'a, I>(
        &self,
        signature_values: I,
        content_length: Option<&[u8]>,
        limit: Option<usize>,
    ) -> Result<Verification, Error>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let signature = signature_from_header_values(signature_values)?;
        let limit = limit.unwrap_or(self.body_limit());
        let declared = content_length.and_then(content_length_from_header);
        let likely_len = match declared {
            Some(len) if len > limit as u64 => return Err(Error::BodyTooLarge),
            // Within the limit, so within usize.
            Some(len) => usize::try_from(len).unwrap_or(limit),
            None => 0,
        };
        Ok(Verification::new(
            signature,
            self.macs(),
            limit,
            likely_len,
            self.body_timeout(),
        ))
    }
}
