//! Streaming a request body into the core's verification: the one path every filter takes.

use bytes::{Buf, Bytes};
use futures_util::{Stream, StreamExt};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderValue};
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier, content_length_from_header};

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
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| content_length_from_header(value.as_bytes()));
    let mut collecting = verifier.begin_collecting(signatures, declared)?;

    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| Error::BodyUnreadable)?;
        // warp's chunks are `Bytes`: this takes them as they are, without a copy.
        collecting.push(chunk.copy_to_bytes(chunk.remaining()))?;
    }
    collecting.finish()
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
}
