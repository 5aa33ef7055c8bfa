//! A request's `Data` into the core's verification: Rocket's own copy loop
//! ([`DataStream::stream_to`](rocket::data::DataStream::stream_to)) writes the body into
//! [`Feed`], which hands every chunk to [`Verification::update`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use qiscus_webhook::{Error, Rejection, SIGNATURE_HEADER, Verification, Verified, Verifier};
use rocket::Request;
use rocket::data::{ByteUnit, Data};
use rocket::tokio::io::AsyncWrite;

use crate::limit;

/// Verifies a request with `verifier`: the header rule over every value of the header, the raw
/// `Content-Length` and the limit in force go to [`Verifier::begin_request`], then the body
/// streams into the verification. Returns the exact bytes that were verified.
pub(crate) async fn verify(
    verifier: &Verifier,
    request: &Request<'_>,
    data: Data<'_>,
) -> Result<(Vec<u8>, Verified), Rejection> {
    let headers = request.headers();
    // Rocket's `HeaderMap::get` yields every value of the field, whatever the case of its name.
    let signatures = headers.get(SIGNATURE_HEADER).map(str::as_bytes);
    let content_length = headers.get_one("content-length").map(str::as_bytes);
    let verification =
        verifier.begin_request(signatures, content_length, limit::for_request(request))?;

    // Rocket stops the stream after `limit + 1` bytes: enough for the core to see the body
    // pass the limit, and never more is read.
    let cap = u64::try_from(verification.limit())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut feed = Feed {
        verification: verification.keep_body(Vec::new()),
        refused: None,
    };
    // `stream_to`'s own completeness flag is not needed: the core counts every byte.
    let streamed = data.open(ByteUnit::from(cap)).stream_to(&mut feed).await;
    if let Some(error) = feed.refused {
        return Err(error.into());
    }
    if let Err(error) = streamed {
        return Err(Rejection::with_source(Error::BodyUnreadable, error));
    }
    Ok(feed.verification.finish_with_body()?)
}

/// The `AsyncWrite` Rocket copies the body into: each write is one
/// [`update`](Verification::update). The core's refusal stops the copy as an `io::Error`, and
/// is kept here, so that it is answered as itself and not as an unreadable body.
struct Feed {
    verification: Verification<Vec<u8>>,
    refused: Option<Error>,
}

impl AsyncWrite for Feed {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        chunk: &[u8],
    ) -> Poll<io::Result<usize>> {
        let feed = self.get_mut();
        Poll::Ready(match feed.verification.update(chunk) {
            Ok(()) => Ok(chunk.len()),
            Err(error) => {
                feed.refused = Some(error);
                Err(io::Error::other(error))
            }
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
