//! Streaming a request body into the core's verification, the one path both the extractors
//! and the layer take.

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderValue};
use http_body::Body as HttpBody;
use http_body_util::BodyExt;
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier};

/// Verifies a request: the header rule and `Content-Length` first, then the body, streamed
/// frame by frame into the core and counted against the limit, stopping at the first error.
///
/// Returns the exact bytes that were verified.
pub(crate) async fn verify<B>(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: B,
) -> Result<(Bytes, Verified), Error>
where
    B: HttpBody<Data = Bytes>,
{
    let signatures = headers
        .get_all(SIGNATURE_HEADER)
        .iter()
        .map(HeaderValue::as_bytes);
    let declared = content_length(headers);
    let mut request = verifier.begin_request(signatures, declared)?;

    // Never more than the limit: a client can declare any length.
    let limit = verifier.body_limit();
    let capacity = declared.map_or(0, |len| {
        usize::try_from(len).map_or(limit, |len| len.min(limit))
    });
    let mut collected = Collected::new(capacity);

    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Error::BodyUnreadable)?;
        // Trailers are not part of the signed body.
        if let Ok(chunk) = frame.into_data() {
            request.update(&chunk)?;
            collected.push(chunk);
        }
    }
    let verified = request.finish()?;
    Ok((collected.into_bytes(), verified))
}

/// The declared `Content-Length`, if there is one that parses.
///
/// Only an early reject: a value that does not parse is ignored (hyper refuses such requests
/// before they reach a handler), and the limit is enforced on the bytes counted either way.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The body as it streams in: a body in one chunk is kept as is (no copy); from the second
/// chunk on, chunks are copied into a buffer preallocated from `Content-Length`.
struct Collected {
    capacity: usize,
    first: Bytes,
    rest: Option<BytesMut>,
}

impl Collected {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            first: Bytes::new(),
            rest: None,
        }
    }

    fn push(&mut self, chunk: Bytes) {
        if let Some(rest) = &mut self.rest {
            rest.extend_from_slice(&chunk);
        } else if self.first.is_empty() {
            self.first = chunk;
        } else {
            let len = self.first.len() + chunk.len();
            let mut rest = BytesMut::with_capacity(self.capacity.max(len));
            rest.extend_from_slice(&self.first);
            rest.extend_from_slice(&chunk);
            self.rest = Some(rest);
        }
    }

    fn into_bytes(self) -> Bytes {
        self.rest.map_or(self.first, BytesMut::freeze)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collected_keeps_one_chunk_and_joins_several() {
        let one = Bytes::from_static(b"whole body");
        let mut collected = Collected::new(10);
        collected.push(one.clone());
        let bytes = collected.into_bytes();
        assert_eq!(bytes, one);
        assert_eq!(bytes.as_ptr(), one.as_ptr(), "a single chunk is not copied");

        let mut collected = Collected::new(3);
        for chunk in ["", "ab", "", "cd", "e"] {
            collected.push(Bytes::from(chunk));
        }
        assert_eq!(collected.into_bytes(), "abcde");
    }

    #[test]
    fn content_length_parses_or_is_ignored() {
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static(value));
            headers
        };
        assert_eq!(content_length(&headers("42")), Some(42));
        assert_eq!(
            content_length(&headers("18446744073709551615")),
            Some(u64::MAX)
        );
        assert_eq!(content_length(&headers("-1")), None);
        assert_eq!(content_length(&headers("1, 1")), None);
        assert_eq!(content_length(&HeaderMap::new()), None);
    }
}
