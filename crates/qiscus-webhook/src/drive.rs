//! The drive loops: feeding a request body, as it arrives, into a [`Verification`], stopping
//! at the first error. Every adapter calls one of these; none writes its own loop.
//!
//! - [`begin`] (feature `http-body`): the header rule and `Content-Length` of an `http` 1.x
//!   request ([`Verifier::begin_request`](crate::Verifier::begin_request) over its
//!   `HeaderMap`);
//! - [`http_body`](fn@http_body) (feature `http-body`): an [`http_body::Body`] (axum, hyper, tower);
//! - [`stream`] (feature `stream`): a `Stream` of `Result<impl Buf, E>` chunks (actix-web's
//!   `Payload`, warp's `body::stream()`).
//!
//! A body error (the client hung up, invalid chunking) is [`Error::BodyUnreadable`], with the
//! body's own error kept as the [`Rejection`]'s source. Trailers are not part of the signed
//! body and are ignored.

use core::future::poll_fn;
use core::pin::pin;

use bytes::Buf;

use crate::rejection::BoxError;
use crate::sink::BodySink;
use crate::{Error, Rejection, Verification, Verified};

/// Starts verifying an `http` 1.x request from its headers: every `QISCUS-SDK-SIGNATURE` value
/// and the raw `Content-Length`, with `limit` overriding the verifier's (see
/// [`Verifier::begin_request`](crate::Verifier::begin_request) for the order of checks).
///
/// # Errors
///
/// The header rule's errors, then [`Error::BodyTooLarge`] for a declared length over the limit.
#[cfg(feature = "http-body")]
pub fn begin(
    verifier: &crate::Verifier,
    headers: &http::HeaderMap,
    limit: Option<usize>,
) -> Result<Verification, Error> {
    let signatures = headers
        .get_all(crate::SIGNATURE_HEADER)
        .iter()
        .map(http::HeaderValue::as_bytes);
    let content_length = headers
        .get(http::header::CONTENT_LENGTH)
        .map(http::HeaderValue::as_bytes);
    verifier.begin_request(signatures, content_length, limit)
}

/// Feeds an [`http_body::Body`] frame by frame into `verification`, then finishes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use http_body_util::Full;
/// use qiscus_webhook::{Token, Verifier, drive};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let mut request = http::Request::new(Full::new(bytes::Bytes::from_static(b"{}")));
/// let signature = verifier.sign(b"{}").to_string();
/// request.headers_mut().insert("qiscus-sdk-signature", signature.parse()?);
///
/// let (parts, body) = request.into_parts();
/// let verification = drive::begin(&verifier, &parts.headers, None)?.collect_bytes();
/// let (bytes, verified) = drive::http_body(verification, body).await?;
/// assert_eq!((&bytes[..], verified.token_index()), (&b"{}"[..], 0));
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`Error::BodyTooLarge`] the moment the body passes the limit (reading stops there),
/// [`Error::BodyUnreadable`] when the body fails, else
/// [`finish`](Verification::finish)'s errors.
#[cfg(feature = "http-body")]
pub async fn http_body<B, S>(
    mut verification: Verification<S>,
    body: B,
) -> Result<(S::Body, Verified), Rejection>
where
    B: http_body::Body,
    B::Error: Into<BoxError>,
    S: BodySink,
{
    let mut body = pin!(body);
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(unreadable)?;
        if let Ok(mut data) = frame.into_data() {
            // `Bytes` chunks are taken as they are, without a copy.
            verification.push(data.copy_to_bytes(data.remaining()))?;
        }
    }
    Ok(verification.finish_with_body()?)
}

/// Feeds a stream of chunks into `verification`, then finishes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use bytes::Bytes;
/// use qiscus_webhook::{Token, Verifier, drive};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let signature = verifier.sign(b"hello, world");
/// let chunks = futures_util::stream::iter(["hello, ", "world"].map(|chunk| {
///     Ok::<_, std::io::Error>(Bytes::from(chunk))
/// }));
/// let (bytes, _) = drive::stream(verifier.begin(signature).collect_bytes(), chunks).await?;
/// assert_eq!(&bytes[..], b"hello, world");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// As [`http_body`](fn@http_body).
#[cfg(feature = "stream")]
pub async fn stream<St, D, E, S>(
    mut verification: Verification<S>,
    stream: St,
) -> Result<(S::Body, Verified), Rejection>
where
    St: futures_core::Stream<Item = Result<D, E>>,
    D: Buf,
    E: Into<BoxError>,
    S: BodySink,
{
    let mut stream = pin!(stream);
    while let Some(chunk) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        let mut chunk = chunk.map_err(unreadable)?;
        verification.push(chunk.copy_to_bytes(chunk.remaining()))?;
    }
    Ok(verification.finish_with_body()?)
}

fn unreadable(error: impl Into<BoxError>) -> Rejection {
    Rejection::with_source(Error::BodyUnreadable, error)
}
