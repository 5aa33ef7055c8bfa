//! Streaming a request's `Data` into the core's verification: the one path both data guards
//! take.

use qiscus_webhook::{Error, SIGNATURE_HEADER, Verified, Verifier, content_length_from_header};
use rocket::Request;
use rocket::data::{ByteUnit, Data};
use tokio::io::AsyncReadExt;

/// How much room is made for the next read when the buffer is full (a body without a
/// `Content-Length`, or one longer than it declared).
const READ_CHUNK: usize = 8 * 1024;

/// Verifies a request: the header rule (every value of the header) and `Content-Length`
/// first, then the body, read from the stream and fed to the core as it arrives, counted
/// against the limit, stopping at the first error.
///
/// Returns the exact bytes that were verified.
pub(crate) async fn verify(
    verifier: &Verifier,
    request: &Request<'_>,
    data: Data<'_>,
) -> Result<(Vec<u8>, Verified), Error> {
    // Rocket's `HeaderMap::get` yields every value of the field, whatever the case of its name.
    let signatures = request.headers().get(SIGNATURE_HEADER).map(str::as_bytes);
    let declared = content_length(request);
    let mut verification = verifier.begin_request(signatures, declared)?;

    // Room for the declared length, never more than the limit (a client can declare any
    // length), plus one byte so that the read that finds the end does not grow the buffer.
    // Without a declared length, the loop makes room `READ_CHUNK` bytes at a time.
    let limit = verifier.body_limit();
    let capacity = declared.map_or(0, |len| {
        usize::try_from(len)
            .map_or(limit, |len| len.min(limit))
            .saturating_add(1)
    });
    let mut body = Vec::with_capacity(capacity);

    // Rocket stops the stream after `limit + 1` bytes: enough for the core to see the body pass
    // the limit, and no more is ever read.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut stream = data.open(ByteUnit::from(cap));
    loop {
        if body.len() == body.capacity() {
            body.reserve(READ_CHUNK);
        }
        let start = body.len();
        let read = stream
            .read_buf(&mut body)
            .await
            .map_err(|_| Error::BodyUnreadable)?;
        if read == 0 {
            break;
        }
        // `start` is the length before this read: always in bounds.
        verification.update(&body[start..])?;
    }
    let verified = verification.finish()?;
    Ok((body, verified))
}

/// The declared `Content-Length`, if there is one that parses (the core's reading of it).
///
/// Only an early reject: a value that does not parse is ignored (hyper refuses such requests
/// before they reach Rocket), and the limit is enforced on the bytes counted either way.
fn content_length(request: &Request<'_>) -> Option<u64> {
    content_length_from_header(request.headers().get_one("content-length")?.as_bytes())
}
