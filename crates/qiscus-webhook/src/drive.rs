//! The drive loop: feeding a request body, as it arrives, into a [`Verification`], under the
//! body deadline, stopping at the first error. Every adapter calls it; none writes its own.
//!
//! One loop, three kinds of body:
//!
//! - [`http_body`](fn@http_body) (feature `http-body`): an [`http_body::Body`] (axum, hyper,
//!   tower), with [`begin`] for the header rule of an `http` 1.x request;
//! - [`stream`] (feature `stream`): a `Stream` of `Result<impl Buf, E>` chunks (actix-web's
//!   `Payload`, warp's `body::stream()`);
//! - [`async_read`] (feature `tokio-io`): a `tokio::io::AsyncRead` (Rocket's `DataStream`);
//! - [`read`](fn@read) (feature `io`): a blocking `std::io::Read` (a file, standard input),
//!   driven by the same loop, so a synchronous program (the command line's `verify`) gets the
//!   same outcome and the same event; it has no deadline (see there).
//!
//! Each takes the result of [`Verifier::begin_request`](crate::Verifier::begin_request) (so a
//! refusal on the header is reported here too), the body, and the runtime's `sleep` function
//! (`tokio::time::sleep`): the core decides the deadline
//! ([`Verification::timeout`]) and what happens when it passes; the adapter only lends its
//! timer. Then:
//!
//! - a body error (the client hung up, invalid chunking) is [`Error::BodyUnreadable`], with
//!   the body's own error kept as the [`Rejection`]'s source;
//! - a body still waiting for bytes when the deadline passes is [`Error::BodyTimeout`]
//!   (408); the deadline counts from the start of the body, and the runtime's timer is only
//!   armed once the body makes the loop wait;
//! - every refusal made before the body was read to its end is
//!   [closing](Rejection::closes_connection): the adapter closes the connection instead of
//!   draining the rest;
//! - with the `tracing` feature, each verification emits exactly one event, here (see
//!   [Tracing](#tracing)).
//!
//! Trailers are not part of the signed body and are ignored.
//!
//! # Tracing
//!
//! With the `tracing` feature, one event per verification, target `qiscus_webhook`, with the
//! fields `outcome` (`verified`, or the error code), `token_index` (when verified),
//! `body_bytes` (bytes read), `elapsed_us` and, for refusals, `error` (the error's text) and
//! `cause` (its source, if any). Never a token, a signature, an expected tag or body bytes.
//! Levels: `DEBUG` for a verified body; `WARN` for what an operator must look at
//! (`signature_mismatch`: a forgery or a wrong token; `stale_event`; `webhook_not_configured`;
//! `replay_store_unavailable`); `INFO` for the other refusals (scanners, broken clients).
//! Refusals are attacker-driven, so none is louder than `WARN`: to bound their volume, filter
//! the target (`RUST_LOG=qiscus_webhook=warn`, or `=error` to mute) or put a rate-limiting or
//! sampling layer in front of your subscriber.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::time::Instant;

use bytes::Bytes;

use crate::rejection::BoxError;
use crate::sink::BodySink;
use crate::{Error, Rejection, Verification, Verified};

/// What the drive loops give back: the kept body and which token matched, or the refusal.
pub type Driven<S> = Result<(<S as BodySink>::Body, Verified), Rejection>;

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

/// Feeds an [`http_body::Body`] frame by frame into the verification, then finishes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use http_body_util::Full;
/// use qiscus_webhook::{Token, Verification, Verifier, drive};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let mut request = http::Request::new(Full::new(bytes::Bytes::from_static(b"{}")));
/// let signature = verifier.sign(b"{}").to_string();
/// request.headers_mut().insert("qiscus-sdk-signature", signature.parse()?);
///
/// let (parts, body) = request.into_parts();
/// let started = drive::begin(&verifier, &parts.headers, None).map(Verification::collect_bytes);
/// let (bytes, verified) = drive::http_body(started, body, tokio::time::sleep).await?;
/// assert_eq!((&bytes[..], verified.token_index()), (&b"{}"[..], 0));
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// `started`'s error; [`Error::BodyTooLarge`] the moment the body passes the limit (reading
/// stops there), [`Error::BodyUnreadable`] when the body fails, [`Error::BodyTimeout`] when
/// it is not over by the deadline; else [`finish`](Verification::finish)'s errors.
#[cfg(feature = "http-body")]
pub async fn http_body<B, S, T, D>(
    started: Result<Verification<S>, Error>,
    body: B,
    sleep: T,
) -> Driven<S>
where
    B: http_body::Body,
    B::Error: Into<BoxError>,
    S: BodySink,
    T: FnOnce(Duration) -> D,
    D: Future<Output = ()>,
{
    use bytes::Buf;

    let mut body = pin!(body);
    let next = |cx: &mut Context<'_>| {
        body.as_mut().poll_frame(cx).map(|frame| {
            frame.map(|frame| match frame {
                // Trailers are not part of the signed body: an empty chunk.
                Ok(frame) => Ok(frame.into_data().map_or_else(
                    |_trailers| Bytes::new(),
                    |mut data| data.copy_to_bytes(data.remaining()),
                )),
                Err(error) => Err(error.into()),
            })
        })
    };
    run(started, next, sleep).await
}

/// Feeds a stream of chunks into the verification, then finishes it.
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
/// let started = Ok(verifier.begin(signature).collect_bytes());
/// let (bytes, _) = drive::stream(started, chunks, tokio::time::sleep).await?;
/// assert_eq!(&bytes[..], b"hello, world");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// As [`http_body`](fn@http_body).
#[cfg(feature = "stream")]
pub async fn stream<St, C, E, S, T, D>(
    started: Result<Verification<S>, Error>,
    stream: St,
    sleep: T,
) -> Driven<S>
where
    St: futures_core::Stream<Item = Result<C, E>>,
    C: bytes::Buf,
    E: Into<BoxError>,
    S: BodySink,
    T: FnOnce(Duration) -> D,
    D: Future<Output = ()>,
{
    let mut stream = pin!(stream);
    let next = |cx: &mut Context<'_>| {
        stream.as_mut().poll_next(cx).map(|chunk| {
            chunk.map(|chunk| match chunk {
                // `Bytes` chunks are taken as they are, without a copy.
                Ok(mut chunk) => Ok(chunk.copy_to_bytes(chunk.remaining())),
                Err(error) => Err(error.into()),
            })
        })
    };
    run(started, next, sleep).await
}

/// How much one read of an [`async_read`] body asks for.
#[cfg(feature = "tokio-io")]
const READ_CHUNK: usize = 8 * 1024;

/// Reads a `tokio::io::AsyncRead` (e.g. Rocket's `DataStream`, opened at the limit plus one
/// byte) into the verification, then finishes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use qiscus_webhook::{Token, Verifier, drive};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let body: &[u8] = b"{\"type\":\"x\"}";
/// let started = Ok(verifier.begin(verifier.sign(body)).keep_body(Vec::new()));
/// let (kept, _) = drive::async_read(started, body, tokio::time::sleep).await?;
/// assert_eq!(kept, body);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// As [`http_body`](fn@http_body); a read error is [`Error::BodyUnreadable`].
#[cfg(feature = "tokio-io")]
pub async fn async_read<R, S, T, D>(
    started: Result<Verification<S>, Error>,
    reader: R,
    sleep: T,
) -> Driven<S>
where
    R: tokio::io::AsyncRead,
    S: BodySink,
    T: FnOnce(Duration) -> D,
    D: Future<Output = ()>,
{
    let mut reader = pin!(reader);
    let mut buffer = bytes::BytesMut::new();
    let next = |cx: &mut Context<'_>| {
        // A zeroed buffer, not an uninitialised one: no `unsafe` here.
        buffer.resize(READ_CHUNK, 0);
        let mut read = tokio::io::ReadBuf::new(&mut buffer);
        match reader.as_mut().poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(BoxError::from(error)))),
            Poll::Ready(Ok(())) => {
                let filled = read.filled().len();
                if filled == 0 {
                    return Poll::Ready(None);
                }
                buffer.truncate(filled);
                Poll::Ready(Some(Ok(buffer.split().freeze())))
            }
        }
    };
    run(started, next, sleep).await
}

/// How much one read of a [`read`](fn@read) body asks for.
#[cfg(feature = "io")]
const BLOCKING_READ_CHUNK: usize = 64 * 1024;

/// Reads a blocking `std::io::Read` (a file, standard input) into the verification, then
/// finishes it: the same loop as the async bodies, so the same errors, the same
/// [closing](Rejection::closes_connection) rule and the same one [event](#tracing).
///
/// There is no body deadline here ([`Verification::timeout`] is not enforced): a blocking
/// read cannot be interrupted from the thread it blocks. Use it for local input, not for a
/// network peer; a server reads its sockets through one of the async loops.
///
/// ```
/// use qiscus_webhook::{Error, Token, Verifier, drive};
///
/// let verifier = Verifier::new(Token::new("secret")?);
/// let body: &[u8] = br#"{"type":"x"}"#;
/// let signature = verifier.sign(body).to_string();
///
/// let started = verifier.begin_request([signature.as_bytes()], None, None);
/// let ((), verified) = drive::read(started, body)?;
/// assert!(verified.is_primary());
///
/// let started = verifier.begin_request([signature.as_bytes()], None, None);
/// let refused = drive::read(started, &b"{}"[..]).unwrap_err();
/// assert_eq!(refused.error(), Error::SignatureMismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// `started`'s error; [`Error::BodyTooLarge`] the moment the body passes the limit (reading
/// stops there), [`Error::BodyUnreadable`] when a read fails (the `std::io::Error` is the
/// [`Rejection`]'s source); else [`finish`](Verification::finish)'s errors.
#[cfg(feature = "io")]
pub fn read<R, S>(started: Result<Verification<S>, Error>, mut reader: R) -> Driven<S>
where
    R: std::io::Read,
    S: BodySink,
{
    let mut buffer = bytes::BytesMut::new();
    let next = |_: &mut Context<'_>| {
        buffer.resize(BLOCKING_READ_CHUNK, 0);
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => return Poll::Ready(None),
                Ok(filled) => {
                    buffer.truncate(filled);
                    return Poll::Ready(Some(Ok(buffer.split().freeze())));
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Poll::Ready(Some(Err(BoxError::from(error)))),
            }
        }
    };
    // No timer: a deadline that never passes (and never wakes anyone).
    let driven = pin!(run(started, next, |_| core::future::pending::<()>()));
    match driven.poll(&mut Context::from_waker(core::task::Waker::noop())) {
        Poll::Ready(outcome) => outcome,
        // `run` waits only when `next` is pending: `next` above is ready on every poll, so the
        // first poll runs the loop to its end (and never makes the timer).
        Poll::Pending => unreachable!("a blocking body is never pending"),
    }
}

/// A refusal before any verification could begin (no verifier configured in the app): reported
/// as every other outcome is, and closing (no byte of the body was read).
///
/// ```
/// use qiscus_webhook::{Error, drive};
///
/// let refused = drive::refuse(Error::NotConfigured);
/// assert_eq!((refused.status_code(), refused.closes_connection()), (500, true));
/// ```
#[must_use]
pub fn refuse(error: Error) -> Rejection {
    let rejection = Rejection::from(error).closing();
    crate::trace::verification(Err(&rejection), 0, Duration::ZERO);
    rejection
}

/// What one poll of the body and the deadline gave.
enum Step {
    Chunk(Option<Result<Bytes, BoxError>>),
    TimedOut,
}

/// The one loop: chunks into the verification until the body ends, fails, passes the limit or
/// outlives the deadline; then the outcome, reported once.
async fn run<S, N, T, D>(
    started: Result<Verification<S>, Error>,
    mut next: N,
    sleep: T,
) -> Driven<S>
where
    S: BodySink,
    N: FnMut(&mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>>,
    T: FnOnce(Duration) -> D,
    D: Future<Output = ()>,
{
    let start = Instant::now();
    let mut verification = match started {
        Ok(verification) => verification,
        // Refused on the header: no byte of the body was read.
        Err(error) => return observe(Err(Rejection::from(error).closing()), 0, start),
    };
    // The timer is made the first time the body makes the loop wait, for what is left of the
    // deadline: a body already buffered whole (most webhooks) never arms one, and arming and
    // disarming a runtime timer costs more than the rest of the loop. A body ready on every
    // poll cannot outlive the deadline by much: the limit ends it.
    let (timeout, mut sleep) = (verification.timeout(), Some(sleep));
    let mut deadline = pin!(None::<D>);
    let outcome = loop {
        let step = poll_fn(|cx| {
            if let Poll::Ready(chunk) = next(cx) {
                return Poll::Ready(Step::Chunk(chunk));
            }
            if let Some(sleep) = sleep.take() {
                deadline.set(Some(sleep(timeout.saturating_sub(start.elapsed()))));
            }
            match deadline.as_mut().as_pin_mut().map(|timer| timer.poll(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(Step::TimedOut),
                _ => Poll::Pending,
            }
        })
        .await;
        let refused = match step {
            Step::Chunk(Some(Ok(chunk))) => match verification.push(chunk) {
                Ok(()) => continue,
                Err(error) => Rejection::from(error),
            },
            Step::Chunk(Some(Err(error))) => Rejection::with_source(Error::BodyUnreadable, error),
            Step::TimedOut => Rejection::from(Error::BodyTimeout),
            Step::Chunk(None) => {
                // The whole body was read: a mismatch leaves the connection reusable.
                let bytes = verification.bytes_seen();
                let finished = verification.finish_with_body().map_err(Rejection::from);
                return observe(finished, bytes, start);
            }
        };
        break (refused.closing(), verification.bytes_seen());
    };
    observe(Err(outcome.0), outcome.1, start)
}

/// Reports the outcome of one verification (the `tracing` event), and passes it on.
fn observe<B>(
    outcome: Result<(B, Verified), Rejection>,
    body_bytes: usize,
    start: Instant,
) -> Result<(B, Verified), Rejection> {
    crate::trace::verification(
        outcome.as_ref().map(|(_, verified)| verified),
        body_bytes,
        start.elapsed(),
    );
    outcome
}
