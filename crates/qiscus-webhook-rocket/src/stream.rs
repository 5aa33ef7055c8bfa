//! A request's `Data` into the core's drive loop: Rocket's `DataStream` is a tokio
//! `AsyncRead`, read by [`drive::async_read`] under the core's body deadline.

use qiscus_webhook::{Rejection, SIGNATURE_HEADER, Verification, Verified, Verifier, drive};
use rocket::Request;
use rocket::data::{ByteUnit, Data};

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
    let limit = limit::for_request(request);
    let started = verifier
        .begin_request(signatures, content_length, limit)
        .map(|verification| verification.keep_body(Vec::new()));
    // Rocket stops the stream after `limit + 1` bytes: enough for the core to see the body
    // pass the limit, and never more is read.
    let cap = started
        .as_ref()
        .map_or(0, Verification::limit)
        .saturating_add(1);
    let stream = data.open(ByteUnit::from(u64::try_from(cap).unwrap_or(u64::MAX)));
    // Rocket runs on tokio: its timer is the body deadline's.
    drive::async_read(started, stream, rocket::tokio::time::sleep).await
}
