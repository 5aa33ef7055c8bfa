//! Streaming a request body into the core's verification, the one path both the extractors
//! and the layer take.

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderValue};
use http_body::Body as HttpBody;
use http_body_util::BodyExt;
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier, content_length_from_header};

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
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| content_length_from_header(value.as_bytes()));
    let mut collecting = verifier.begin_collecting(signatures, declared)?;

    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Error::BodyUnreadable)?;
        // Trailers are not part of the signed body.
        if let Ok(chunk) = frame.into_data() {
            collecting.push(chunk)?;
        }
    }
    collecting.finish()
}
