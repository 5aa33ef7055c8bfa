//! The conformance table over a real socket: a [`Case`] written by hand as HTTP/1.1 on a
//! [`TcpStream`], so that a server's own framing is in the loop (`Transfer-Encoding: chunked`
//! bodies with no `Content-Length`, a client that hangs up mid-body, repeated headers, raw
//! header bytes), and the answer read back into a [`Reply`].
//!
//! - [`can_send`]: whether a case can go over a socket at all (not a lying `Content-Length`);
//! - [`assert_conformance`]: every case that can, sent to an app and checked, as
//!   [`conformance::assert_conformance`] does in process;
//! - [`assert_body_limit`]: a streamed body at the limit is accepted, one byte more refused;
//! - [`send`]: sends a case from async code, under any runtime (the exchange runs on a thread
//!   of its own, so a server on the test's own runtime keeps running), and panics, naming the
//!   case, if the exchange fails;
//! - [`exchange`]: the same exchange, blocking, with its errors;
//! - [`post`]: a [`SignedRequest`] sent the same way (for a server in another process);
//! - [`request`]: the exact bytes [`send`] writes for a case.
//!
//! Every request is one connection with `connection: close`; the reply is read until the
//! server closes it, within [`TIMEOUT`]. The client shuts down its write side only to hang up
//! mid-body ([`Transfer::Interrupted`]): after a complete request it keeps the connection open
//! for writing, as HTTP clients do (a server without half-close support, such as Rocket's
//! hyper, drops a request whose client shut down its write side, unanswered).
//!
//! ```no_run
//! use qiscus_webhook_testkit::conformance::{self, assert_conformance};
//! use qiscus_webhook_testkit::wire;
//!
//! # async fn run(addr: std::net::SocketAddr) {
//! // `addr`: where the test started the app with the conformance routes and verifier.
//! wire::assert_conformance(addr, conformance::cases()).await;
//! wire::assert_body_limit(addr).await;
//!
//! // The same as `wire::assert_conformance`, by hand:
//! let cases = conformance::cases().into_iter().filter(wire::can_send);
//! assert_conformance(cases, async |case| wire::send(addr, case).await).await;
//! # }
//! ```

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::conformance::{self, BODY_LIMIT, Case, Reply, Transfer};
use crate::{SignedRequest, raw_receipt};

/// How long one exchange may take, from connecting to the server closing the connection.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How an interrupted body ends: a chunk announced (0x400 bytes) but cut short.
const CUT_SHORT: &[u8] = b"400\r\nonly a few bytes";

/// Whether `case` can be sent over a socket: every case but those with a lying
/// `Content-Length` ([`Transfer::DeclaredLength`]), which a server would take at its word,
/// reading the declared number of bytes and the rest as the next request. Those run in process
/// only.
///
/// ```
/// use qiscus_webhook_testkit::conformance::{self, Transfer};
/// use qiscus_webhook_testkit::wire;
///
/// for case in conformance::cases() {
///     let lies = matches!(case.transfer, Transfer::DeclaredLength(_));
///     assert_eq!(wire::can_send(&case), !lies, "{}", case.name);
/// }
/// ```
#[must_use]
pub fn can_send(case: &Case) -> bool {
    !matches!(case.transfer, Transfer::DeclaredLength(_))
}

/// The case as HTTP/1.1 bytes for a server at `addr`: `POST` to the case's path with `host`
/// and `connection: close`, the case's header fields as they are, in order, then the body:
/// with `Content-Length`, or in [`Case::chunks`] with `Transfer-Encoding: chunked` and the last
/// chunk, or, for [`Transfer::Interrupted`], the same chunks and then a chunk cut short (the
/// client hangs up there: no last chunk).
///
/// # Panics
///
/// When the case cannot be sent over a socket (see [`can_send`]).
#[must_use]
pub fn request(case: &Case, addr: SocketAddr) -> Vec<u8> {
    let headers = case
        .headers
        .iter()
        .map(|(name, value)| (name.as_slice(), value.as_slice()));
    let mut request = head(addr, case.path(), headers);
    match case.transfer {
        Transfer::ContentLength => sized(&mut request, &case.body),
        Transfer::Chunked | Transfer::Interrupted => {
            request.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
            for chunk in case.chunks() {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            if case.transfer == Transfer::Interrupted {
                request.extend_from_slice(CUT_SHORT);
            } else {
                request.extend_from_slice(b"0\r\n\r\n");
            }
        }
        Transfer::DeclaredLength(declared) => panic!(
            "{}: a Content-Length of {declared} for {} bytes cannot be sent over a socket \
             (see wire::can_send)",
            case.name,
            case.body.len()
        ),
    }
    request
}

/// Sends `case` to `addr` on a new connection (see [`request`]), hangs up mid-body if the body
/// is [`Transfer::Interrupted`], and reads the reply until the server closes the connection.
/// Blocks for at most about [`TIMEOUT`].
///
/// # Errors
///
/// An I/O error (connecting, writing, reading, or [`io::ErrorKind::TimedOut`] after
/// [`TIMEOUT`]); [`io::ErrorKind::InvalidData`] when what came back is not one HTTP/1.1
/// response; [`io::ErrorKind::InvalidInput`] when the case cannot be sent over a socket (see
/// [`can_send`]).
pub fn exchange(addr: SocketAddr, case: &Case) -> io::Result<Reply> {
    if !can_send(case) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a lying Content-Length cannot be sent over a socket (see wire::can_send)",
        ));
    }
    let hang_up = case.transfer == Transfer::Interrupted;
    round_trip(addr, &request(case, addr), hang_up, TIMEOUT)
}

/// [`exchange`] from async code: the exchange runs on a thread of its own, so the future does
/// not block the runtime (the server under test may run on the same one) and needs no
/// particular runtime.
///
/// # Panics
///
/// When the exchange fails, with the case's name and the error.
pub async fn send(addr: SocketAddr, case: &Case) -> Reply {
    let name = case.name;
    let case = case.clone();
    background(move || exchange(addr, &case))
        .await
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Sends every case of `cases` that [`can_send`] to the app at `addr` with [`send`], and
/// checks the replies with [`conformance::assert_conformance`].
///
/// # Panics
///
/// As [`conformance::assert_conformance`]: when a case fails or none was sent, with one line per
/// failure; and as [`send`].
pub async fn assert_conformance(addr: SocketAddr, cases: impl IntoIterator<Item = Case>) {
    let cases = cases.into_iter().filter(can_send);
    conformance::assert_conformance(cases, async |case| send(addr, case).await).await;
}

/// The body limit over a socket, with bodies streamed (`Transfer-Encoding: chunked`, no
/// `Content-Length`), for an app at `addr` with the conformance routes and
/// [`conformance::verifier()`]: `webhook/at_limit_chunked` ([`BODY_LIMIT`] bytes) is accepted,
/// `200` with the receipt of its exact bytes; `webhook/over_limit_chunked` (one byte more) is
/// refused, `413` with `content-type: application/json` and exactly
/// `{"error":"body_too_large"}`.
///
/// # Panics
///
/// When the app answers otherwise, or as [`send`].
pub async fn assert_body_limit(addr: SocketAddr) {
    let at_limit = conformance::case("webhook/at_limit_chunked");
    let over_limit = conformance::case("webhook/over_limit_chunked");
    assert_eq!(
        (at_limit.body.len(), at_limit.transfer),
        (BODY_LIMIT, Transfer::Chunked)
    );
    assert_eq!(
        (over_limit.body.len(), over_limit.transfer),
        (BODY_LIMIT + 1, Transfer::Chunked)
    );

    let reply = send(addr, &at_limit).await;
    assert_eq!(reply.status, 200, "{}: {reply:?}", at_limit.name);
    let receipt: Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|error| panic!("{}: not JSON ({error}): {reply:?}", at_limit.name));
    assert_eq!(receipt, raw_receipt(&at_limit.body), "{}", at_limit.name);

    let reply = send(addr, &over_limit).await;
    assert_eq!(reply.status, 413, "{}: {reply:?}", over_limit.name);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json"),
        "{}",
        over_limit.name
    );
    assert_eq!(
        reply.body,
        br#"{"error":"body_too_large"}"#,
        "{}: {:?}",
        over_limit.name,
        String::from_utf8_lossy(&reply.body)
    );
}

/// Sends `request` to `path` at `addr` as [`exchange`] does, with its `Content-Length`, and
/// reads the reply. Blocks for at most about [`TIMEOUT`].
///
/// # Errors
///
/// As [`exchange`].
pub fn post(addr: SocketAddr, path: &str, request: &SignedRequest) -> io::Result<Reply> {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_bytes(), value.as_bytes()));
    let mut bytes = head(addr, path, headers);
    sized(&mut bytes, request.body());
    round_trip(addr, &bytes, false, TIMEOUT)
}

/// The request line, `host`, `connection: close` and `headers`, each line ended by CRLF.
fn head<'a>(
    addr: SocketAddr,
    path: &str,
    headers: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Vec<u8> {
    let mut head =
        format!("POST {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n").into_bytes();
    for (name, value) in headers {
        head.extend_from_slice(name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head
}

/// `Content-Length`, the end of the head, and the body.
fn sized(request: &mut Vec<u8>, body: &[u8]) {
    request.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    request.extend_from_slice(body);
}

/// Writes `request` on a new connection, shuts down the write side if `hang_up`, reads until
/// the server closes, and parses the reply; all within `timeout`.
fn round_trip(
    addr: SocketAddr,
    request: &[u8],
    hang_up: bool,
    timeout: Duration,
) -> io::Result<Reply> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request)?;
    if hang_up {
        stream.shutdown(Shutdown::Write)?;
    }
    let response = read_until_closed(&mut stream, deadline, timeout)?;
    parse_response(&response).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not one HTTP/1.1 response: {:?}",
                String::from_utf8_lossy(&response)
            ),
        )
    })
}

/// Everything the server sends until it closes the connection, or a `TimedOut` error at
/// `deadline`.
fn read_until_closed(
    stream: &mut TcpStream,
    deadline: Instant,
    timeout: Duration,
) -> io::Result<Vec<u8>> {
    let mut response = Vec::new();
    let mut buffer = [0; 8192];
    loop {
        let timed_out = |response: &[u8]| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the connection was not closed within {timeout:?}; received {:?}",
                    String::from_utf8_lossy(response)
                ),
            )
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(&response));
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(response),
            Ok(read) => response.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(timed_out(&response));
            }
            Err(error) => return Err(error),
        }
    }
}

/// Status, `Content-Type` and body of exactly one HTTP/1.1 response; the body by
/// `Transfer-Encoding: chunked`, by `Content-Length`, or else until the connection closed.
fn parse_response(response: &[u8]) -> Option<Reply> {
    let end = find(response, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&response[..end]).ok()?;
    let rest = &response[end + 4..];
    let mut lines = head.split("\r\n");
    let mut status_line = lines.next()?.splitn(3, ' ');
    if !status_line.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = status_line.next()?;
    if status.len() != 3 {
        return None;
    }
    let status = status.parse().ok()?;
    let mut content_type = None;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-type" if content_type.is_none() => content_type = Some(value.to_owned()),
            "content-length" => {
                let length: usize = value.parse().ok()?;
                if content_length.is_some_and(|previous| previous != length) {
                    return None;
                }
                content_length = Some(length);
            }
            "transfer-encoding" => {
                let last = value.rsplit(',').next().unwrap_or_default().trim();
                chunked = last.eq_ignore_ascii_case("chunked");
            }
            _ => {}
        }
    }
    let body = match (chunked, content_length) {
        (true, _) => dechunk(rest)?,
        (false, Some(length)) if rest.len() == length => rest.to_vec(),
        (false, Some(_)) => return None,
        (false, None) => rest.to_vec(),
    };
    Some(Reply {
        status,
        content_type,
        body,
    })
}

/// A chunked body, decoded; `None` unless `body` is exactly a chunked body (chunk extensions
/// and trailer fields allowed).
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::new();
    loop {
        let line_end = find(body, b"\r\n")?;
        let size = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = size.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            break;
        }
        decoded.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?.strip_prefix(b"\r\n")?;
    }
    // Trailer fields, then the empty line, and nothing after it.
    loop {
        let line_end = find(body, b"\r\n")?;
        body = &body[line_end + 2..];
        if line_end == 0 {
            return body.is_empty().then_some(decoded);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The result of work running on a thread of its own, as a future.
struct Background<T>(Arc<Mutex<Slot<T>>>);

struct Slot<T> {
    outcome: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// Runs `work` on a new thread; the future completes with its result (or its panic).
fn background<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Background<T> {
    let slot = Arc::new(Mutex::new(Slot {
        outcome: None,
        waker: None,
    }));
    let theirs = Arc::clone(&slot);
    thread::Builder::new()
        .name("qiscus-webhook-testkit wire".into())
        .spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(work));
            let waker = {
                let mut slot = theirs.lock().unwrap_or_else(PoisonError::into_inner);
                slot.outcome = Some(outcome);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        })
        .expect("a thread for the exchange");
    Background(slot)
}

impl<T> Future for Background<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.outcome.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(panicked)) => panic::resume_unwind(panicked),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::pin::pin;
    use std::sync::mpsc;
    use std::task::Wake;

    use super::*;
    use crate::conformance::{CHUNK_SIZE, case};
    use crate::{fixtures, sign};

    const JSON_200: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

    /// What the server received on one connection.
    #[derive(Debug)]
    struct Received {
        bytes: Vec<u8>,
        /// The client shut down its write side (the server read the end of the stream).
        hung_up: bool,
    }

    /// A server for one connection: reads until `complete` says the request is whole or the
    /// client hangs up, waits a moment for a hang-up that should not come, answers `response`
    /// and closes.
    fn recorder(
        complete: fn(&[u8]) -> bool,
        response: &'static [u8],
    ) -> (SocketAddr, mpsc::Receiver<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut bytes = Vec::new();
            let mut buffer = [0; 1024];
            let mut hung_up = false;
            while !complete(&bytes) {
                match stream.read(&mut buffer).unwrap() {
                    0 => {
                        hung_up = true;
                        break;
                    }
                    read => bytes.extend_from_slice(&buffer[..read]),
                }
            }
            if !hung_up {
                stream
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                match stream.read(&mut buffer) {
                    Ok(0) => hung_up = true,
                    Ok(read) => bytes.extend_from_slice(&buffer[..read]),
                    Err(_) => {} // nothing more: still open
                }
            }
            stream.write_all(response).unwrap();
            tx.send(Received { bytes, hung_up }).unwrap();
        });
        (addr, rx)
    }

    fn never_complete(_: &[u8]) -> bool {
        false
    }

    fn ends_with_last_chunk(bytes: &[u8]) -> bool {
        bytes.ends_with(b"\r\n0\r\n\r\n")
    }

    /// Runs a future to completion on this thread, with no runtime.
    fn block_on<F: Future>(future: F) -> F::Output {
        struct Unpark(thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            thread::park();
        }
    }

    /// A chunked body, decoded strictly: each chunk's size line, its bytes and CRLF; returns
    /// the sizes and the data, and what follows the last chunk.
    fn chunks_of(mut body: &[u8]) -> (Vec<usize>, Vec<u8>, &[u8]) {
        let (mut sizes, mut data) = (Vec::new(), Vec::new());
        while let Some(line_end) = find(body, b"\r\n") {
            let size =
                usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16).unwrap();
            if size == 0 || body.len() < line_end + 2 + size + 2 {
                break;
            }
            sizes.push(size);
            data.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
            assert_eq!(
                &body[line_end + 2 + size..line_end + 4 + size],
                b"\r\n",
                "a chunk ends with CRLF"
            );
            body = &body[line_end + 4 + size..];
        }
        (sizes, data, body)
    }

    #[test]
    fn a_content_length_case_is_sent_byte_for_byte_without_hanging_up() {
        let case = case("webhook/empty_body");
        let expected = |addr: SocketAddr| {
            let signature = sign(conformance::TOKEN, b"");
            format!(
                "POST /webhook HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
                 content-type: application/json\r\nqiscus-sdk-signature: {signature}\r\n\
                 content-length: 0\r\n\r\n"
            )
        };
        let (addr, received) = recorder(
            |bytes| bytes.ends_with(b"content-length: 0\r\n\r\n"),
            JSON_200,
        );
        let reply = exchange(addr, &case).unwrap();
        let received = received.recv().unwrap();
        assert_eq!(String::from_utf8(received.bytes).unwrap(), expected(addr));
        assert!(!received.hung_up, "a complete request is not half-closed");
        assert_eq!(
            reply,
            Reply {
                status: 200,
                content_type: Some("application/json".into()),
                body: b"{}".to_vec(),
            }
        );
    }

    #[test]
    fn raw_header_bytes_go_as_they_are_in_order() {
        let non_ascii = case("webhook/non_ascii_byte");
        let bytes = request(&non_ascii, "127.0.0.1:80".parse().unwrap());
        let mut expected = b"POST /webhook HTTP/1.1\r\nhost: 127.0.0.1:80\r\nconnection: close\r\n\
                             content-type: application/json\r\nqiscus-sdk-signature: "
            .to_vec();
        let signature = &non_ascii.headers[1].1;
        assert_eq!(signature.last(), Some(&0xe9));
        expected.extend_from_slice(signature);
        expected.extend_from_slice(
            format!("\r\ncontent-length: {}\r\n\r\n", non_ascii.body.len()).as_bytes(),
        );
        expected.extend_from_slice(&non_ascii.body);
        assert_eq!(bytes, expected);

        let repeated = request(
            &case("webhook/duplicate_names_differ_in_case"),
            "127.0.0.1:80".parse().unwrap(),
        );
        let first = find(&repeated, b"\r\nQISCUS-SDK-SIGNATURE: ").unwrap();
        let second = find(&repeated, b"\r\nqiscus-sdk-signature: ").unwrap();
        assert!(first < second);
    }

    #[test]
    fn a_chunked_case_is_framed_in_chunks_and_ends_with_the_last_chunk() {
        let case = case("webhook/at_limit_chunked");
        let (addr, received) = recorder(ends_with_last_chunk, JSON_200);
        let reply = exchange(addr, &case).unwrap();
        assert_eq!(reply.status, 200);
        let received = received.recv().unwrap();
        assert!(!received.hung_up, "a complete request is not half-closed");
        let bytes = received.bytes;
        let end = find(&bytes, b"\r\n\r\n").unwrap();
        let head = std::str::from_utf8(&bytes[..end])
            .unwrap()
            .to_ascii_lowercase();
        assert!(head.contains("\r\ntransfer-encoding: chunked"), "{head}");
        assert!(!head.contains("content-length"), "{head}");
        let (sizes, data, rest) = chunks_of(&bytes[end + 4..]);
        assert_eq!(data, case.body);
        assert_eq!(sizes, [CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE, 96]);
        assert_eq!(rest, b"0\r\n\r\n");
    }

    #[test]
    fn an_interrupted_case_hangs_up_mid_chunk_without_the_last_chunk() {
        let case = case("webhook/body_unreadable");
        assert_eq!(case.transfer, Transfer::Interrupted);
        let (addr, received) = recorder(never_complete, JSON_200);
        let reply = exchange(addr, &case).unwrap();
        assert_eq!(reply.status, 200);
        let received = received.recv().unwrap();
        assert!(received.hung_up, "the client hangs up");
        let bytes = received.bytes;
        let end = find(&bytes, b"\r\n\r\n").unwrap();
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        assert!(head.contains("\r\ntransfer-encoding: chunked"), "{head}");
        let (sizes, data, rest) = chunks_of(&bytes[end + 4..]);
        assert_eq!(data, case.body);
        assert_eq!(sizes.iter().sum::<usize>(), case.body.len());
        // Then a chunk announced (0x400 bytes) and cut short: never the last chunk.
        assert_eq!(rest, b"400\r\nonly a few bytes");
        assert!(find(&bytes, b"\r\n0\r\n\r\n").is_none());
    }

    #[test]
    fn an_interrupted_empty_body_is_only_the_chunk_cut_short() {
        let mut case = case("webhook/body_unreadable");
        case.body.clear();
        let bytes = request(&case, "127.0.0.1:80".parse().unwrap());
        assert!(bytes.ends_with(b"transfer-encoding: chunked\r\n\r\n400\r\nonly a few bytes"));
    }

    #[test]
    fn lying_content_lengths_cannot_be_sent() {
        let lying: Vec<Case> = conformance::cases()
            .into_iter()
            .filter(|case| !can_send(case))
            .collect();
        assert!(!lying.is_empty());
        for case in &lying {
            assert!(matches!(case.transfer, Transfer::DeclaredLength(_)));
            let refused = exchange("127.0.0.1:9".parse().unwrap(), case).unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::InvalidInput);
        }
        let panicked = panic::catch_unwind(|| request(&lying[0], "127.0.0.1:80".parse().unwrap()));
        assert!(panicked.is_err());
    }

    #[test]
    fn send_works_without_a_runtime_and_a_signed_request_posts() {
        let (addr, received) = recorder(ends_with_last_chunk, JSON_200);
        let reply = block_on(send(addr, &case("events/chunked")));
        assert_eq!(reply.body, b"{}");
        assert!(received.recv().unwrap().bytes.starts_with(b"POST /events "));

        let signed = SignedRequest::new("token", fixtures::POST_COMMENT_MOBILE_2017);
        let (addr, received) = recorder(
            |bytes| bytes.ends_with(fixtures::POST_COMMENT_MOBILE_2017),
            JSON_200,
        );
        let reply = post(addr, "/webhook", &signed).unwrap();
        assert_eq!(reply.status, 200);
        let received = received.recv().unwrap();
        assert!(!received.hung_up);
        let mut expected = format!(
            "POST /webhook HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
             content-type: application/json\r\nqiscus-sdk-signature: {}\r\n\
             content-length: {}\r\n\r\n",
            sign("token", signed.body()),
            signed.body().len()
        )
        .into_bytes();
        expected.extend_from_slice(signed.body());
        assert_eq!(received.bytes, expected);
    }

    #[test]
    #[should_panic(expected = "events/chunked: ")]
    fn send_panics_with_the_case_name() {
        // Nothing listens there once the listener is dropped.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        block_on(send(addr, &case("events/chunked")));
    }

    /// A receiver of chunked bodies on `connections` connections: `200` and the receipt of
    /// bodies of at most `limit` bytes, `413 body_too_large` above.
    fn limit_receiver(limit: usize, connections: usize) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for _ in 0..connections {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                let mut buffer = [0; 1024];
                while !ends_with_last_chunk(&request) {
                    let read = stream.read(&mut buffer).unwrap();
                    assert_ne!(read, 0, "the client hung up");
                    request.extend_from_slice(&buffer[..read]);
                }
                let end = find(&request, b"\r\n\r\n").unwrap();
                let (_, body, _) = chunks_of(&request[end + 4..]);
                let (status, answer) = if body.len() <= limit {
                    ("200 OK", raw_receipt(&body).to_string())
                } else {
                    (
                        "413 Payload Too Large",
                        r#"{"error":"body_too_large"}"#.to_owned(),
                    )
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                stream.write_all(response.as_bytes()).unwrap();
            }
        });
        addr
    }

    #[test]
    fn assert_body_limit_passes_a_receiver_with_the_limit() {
        block_on(assert_body_limit(limit_receiver(BODY_LIMIT, 2)));
    }

    #[test]
    #[should_panic(expected = "webhook/over_limit_chunked")]
    fn assert_body_limit_fails_a_receiver_one_byte_off() {
        block_on(assert_body_limit(limit_receiver(BODY_LIMIT + 1, 2)));
    }

    #[test]
    #[should_panic(expected = "webhook/at_limit_chunked")]
    fn assert_body_limit_fails_a_receiver_that_refuses_the_limit() {
        block_on(assert_body_limit(limit_receiver(BODY_LIMIT - 1, 1)));
    }

    #[test]
    fn assert_conformance_sends_only_what_a_socket_can_carry() {
        let sent = [
            case("webhook/content_length_lies_low"),
            case("webhook/at_limit_chunked"),
            case("webhook/content_length_u64_max"),
        ];
        block_on(assert_conformance(limit_receiver(BODY_LIMIT, 1), sent));
    }

    #[test]
    #[should_panic(expected = "no conformance case ran")]
    fn assert_conformance_with_nothing_to_send_fails() {
        let addr = "127.0.0.1:9".parse().unwrap();
        block_on(assert_conformance(
            addr,
            [case("webhook/content_length_lies_low")],
        ));
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let started = Instant::now();
        let error = round_trip(
            addr,
            b"POST / HTTP/1.1\r\n\r\n",
            false,
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(listener);
    }

    #[test]
    fn responses_are_read_by_length_by_chunks_or_to_the_end() {
        let reply = |response: &[u8]| parse_response(response);
        let json = |body: &[u8]| {
            Some(Reply {
                status: 413,
                content_type: Some("application/json".into()),
                body: body.to_vec(),
            })
        };
        assert_eq!(
            reply(b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\nabc"),
            json(b"abc")
        );
        assert_eq!(
            reply(b"HTTP/1.1 413 Payload Too Large\r\ncontent-type:application/json\r\ntransfer-encoding: chunked\r\n\r\n2;ext=1\r\nab\r\n1\r\nc\r\n0\r\ntrailer: x\r\n\r\n"),
            json(b"abc")
        );
        assert_eq!(
            reply(b"HTTP/1.1 413 \r\ncontent-type: application/json\r\n\r\nabc"),
            json(b"abc")
        );
        assert_eq!(
            reply(b"HTTP/1.1 204 No Content\r\n\r\n"),
            Some(Reply {
                status: 204,
                content_type: None,
                body: Vec::new(),
            })
        );
        for broken in [
            &b""[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\na",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"SSH-2.0 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        ] {
            assert_eq!(reply(broken), None, "{:?}", String::from_utf8_lossy(broken));
        }
    }
}
