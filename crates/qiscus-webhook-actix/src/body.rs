//! Streaming a request payload into the core's verification, the one path both the extractors
//! and the middleware take.

use actix_web::http::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier};

/// The signature header's name, parsed once.
const SIGNATURE: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);

/// Verifies a request: the header rule and `Content-Length` first, then the payload, streamed
/// chunk by chunk into the core and counted against the limit, stopping at the first error (a
/// payload error is [`Error::BodyUnreadable`]).
///
/// Returns the exact bytes that were verified.
pub(crate) async fn verify<S, E>(
    verifier: &Verifier,
    headers: &HeaderMap,
    payload: S,
) -> Result<(Bytes, Verified), Error>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    // Every value: `get` would show only the first and hide a duplicate.
    let signatures = headers.get_all(SIGNATURE).map(HeaderValue::as_bytes);
    let declared = content_length(headers);
    let mut request = verifier.begin_request(signatures, declared)?;

    // Never more than the limit: a client can declare any length.
    let limit = verifier.body_limit();
    let capacity = declared.map_or(0, |len| {
        usize::try_from(len).map_or(limit, |len| len.min(limit))
    });
    let mut collected = Collected::new(capacity);

    let mut payload = std::pin::pin!(payload);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::BodyUnreadable)?;
        request.update(&chunk)?;
        collected.push(chunk);
    }
    let verified = request.finish()?;
    Ok((collected.into_bytes(), verified))
}

/// The declared `Content-Length`, if there is one that parses.
///
/// Only an early reject: a value that does not parse is ignored (actix-web's HTTP/1 parser
/// refuses such requests before they reach a handler), and the limit is enforced on the bytes
/// counted either way.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The payload as it streams in: a payload in one chunk is kept as is (no copy); from the
/// second chunk on, chunks are copied into a buffer preallocated from `Content-Length`.
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

    #[actix_web::test]
    async fn reading_stops_at_the_first_error() {
        let verifier = Verifier::new(Token::new("secret").expect("not empty")).with_body_limit(4);
        let mut headers = HeaderMap::new();
        let signature = verifier.sign(b"abcd").to_string();
        headers.insert(SIGNATURE, HeaderValue::try_from(signature).expect("hex"));

        // Over the limit in the second chunk: the third is never polled.
        let mut polled = 0;
        let chunks = stream::iter(["ab", "cde", "f"]).map(|chunk| {
            polled += 1;
            Ok::<_, Infallible>(Bytes::from(chunk))
        });
        let refused = verify(&verifier, &headers, chunks).await;
        assert_eq!(refused.unwrap_err(), Error::BodyTooLarge);
        assert_eq!(polled, 2);

        let chunks =
            stream::iter(["ab", "cd"]).map(|chunk| Ok::<_, Infallible>(Bytes::from(chunk)));
        let (bytes, verified) = verify(&verifier, &headers, chunks).await.expect("verified");
        assert_eq!((&bytes[..], verified.token_index()), (&b"abcd"[..], 0));
    }
}
