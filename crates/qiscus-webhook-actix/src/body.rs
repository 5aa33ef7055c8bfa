//! Streaming a request payload into the core's verification, the one path both the extractors
//! and the middleware take.

use actix_web::http::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier, content_length_from_header};

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
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| content_length_from_header(value.as_bytes()));
    let mut collecting = verifier.begin_collecting(signatures, declared)?;

    let mut payload = std::pin::pin!(payload);
    while let Some(chunk) = payload.next().await {
        collecting.push(chunk.map_err(|_| Error::BodyUnreadable)?)?;
    }
    collecting.finish()
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures_util::stream;
    use qiscus_webhook::Token;

    use super::*;

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
