//! Streaming a request body into the core's verification: the one path every filter takes.

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderValue};
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier};

/// Verifies a request: the header rule (every `QISCUS-SDK-SIGNATURE` value) and
/// `Content-Length` first, then the body, streamed chunk by chunk into the core and counted
/// against the limit, stopping at the first error.
///
/// Returns the exact bytes that were verified.
pub(crate) async fn verify<S, B, E>(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: S,
) -> Result<(Bytes, Verified), Error>
where
    S: Stream<Item = Result<B, E>>,
    B: Buf,
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
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| Error::BodyUnreadable)?;
        // warp's chunks are `Bytes`: this takes them as they are, without a copy.
        let chunk = chunk.copy_to_bytes(chunk.remaining());
        request.update(&chunk)?;
        collected.push(chunk);
    }
    let verified = request.finish()?;
    Ok((collected.into_bytes(), verified))
}

/// The declared `Content-Length`, if there is one that parses.
///
/// Only an early reject: a value that does not parse is ignored (hyper refuses such requests
/// before they reach a filter), and the limit is enforced on the bytes counted either way.
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
    use std::convert::Infallible;

    use futures_util::stream;
    use qiscus_webhook::Token;

    use super::*;

    fn verifier(limit: usize) -> Verifier {
        Verifier::new(Token::new("unit-test-token").expect("not empty")).with_body_limit(limit)
    }

    fn signed(verifier: &Verifier, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = verifier.sign(body).to_string();
        let value = HeaderValue::from_str(&signature).expect("hex is a valid header value");
        headers.insert(SIGNATURE_HEADER, value);
        headers
    }

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes, Infallible>> {
        stream::iter(
            parts
                .iter()
                .map(|part| Ok(Bytes::from_static(part.as_bytes()))),
        )
    }

    #[tokio::test]
    async fn chunks_are_joined_and_verified() {
        let verifier = verifier(64);
        let headers = signed(&verifier, b"hello, world");
        let (bytes, verified) = verify(&verifier, &headers, chunks(&["hello", ", ", "", "world"]))
            .await
            .expect("verified");
        assert_eq!(
            (bytes.as_ref(), verified.token_index()),
            (&b"hello, world"[..], 0)
        );
    }

    #[tokio::test]
    async fn the_limit_applies_to_counted_bytes_and_stops_the_reading() {
        let verifier = verifier(4);
        let headers = signed(&verifier, b"12345");
        let mut read = 0;
        let body = chunks(&["123", "45", "never read"]).inspect(|_| read += 1);
        assert_eq!(
            verify(&verifier, &headers, body).await,
            Err(Error::BodyTooLarge)
        );
        assert_eq!(read, 2, "reading stops at the chunk that passes the limit");
    }

    #[tokio::test]
    async fn a_stream_error_is_body_unreadable() {
        let verifier = verifier(64);
        let headers = signed(&verifier, b"ab");
        let body = stream::iter([Ok(Bytes::from_static(b"a")), Err("hung up")]);
        assert_eq!(
            verify(&verifier, &headers, body).await,
            Err(Error::BodyUnreadable)
        );
    }

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
