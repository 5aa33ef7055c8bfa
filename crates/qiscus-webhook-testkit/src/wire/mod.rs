//! The conformance table over a real socket (feature `socket`): a [`Case`] written as
//! HTTP/1.1 on a tokio `TcpStream`, so that a server's own framing is in the loop
//! (`Transfer-Encoding: chunked` bodies with no `Content-Length`, a client that hangs up
//! mid-body, repeated headers, raw header bytes), and the answer read back into a [`Reply`].
//!
//! - [`can_send`]: whether a case can go over a socket at all (not a lying `Content-Length`);
//! - [`assert_conformance`]: every case that can, sent to an app and checked, as
//!   [`conformance::assert_conformance`] does in process;
//! - [`assert_body_limit`]: a streamed body at the limit is accepted, one byte more refused;
//! - [`send`]: one case, panicking with the case's name if the exchange fails;
//! - [`exchange`]: any [`RequestSpec`] (e.g. a [`SignedRequest`](crate::SignedRequest)'s, for a
//!   server in another process), with its errors; [`exchange_blocking`] from blocking code;
//! - [`request_bytes`]: the exact bytes written;
//! - [`stalled_request`] and [`assert_stalled_body_times_out`]: a client that sends headers and
//!   part of the body, then nothing: the body deadline's row (408 and a closed connection);
//!   [`exchange_then_closed`] sees the server close the connection.
//!
//! Two parts: `raw.rs`, the one hand-written request writer (an HTTP client library cannot
//! send chosen header-name case, nor half a chunk then a half-close while still reading the
//! answer), and `client.rs`: tokio's `TcpStream` and `timeout`, and `httparse` for the answer;
//! `stall.rs` builds the body deadline's row from both.
//! Every request is one connection with `connection: close`, within [`TIMEOUT`].
//!
//! The futures need a tokio runtime with I/O and time: `#[tokio::test]`,
//! `#[actix_web::test]` and `#[rocket::async_test]` all are; a server under test may run on the
//! same runtime, since nothing here blocks.
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

mod client;
mod raw;
mod stall;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

pub use client::{exchange, exchange_blocking, exchange_then_closed, exchange_within};
pub use raw::request_bytes;
pub use stall::{
    LINGER, STALL_PROMISED, STALL_SENT, assert_stalled_body_times_out, stalled_request,
};

use crate::conformance::{self, BODY_LIMIT, Case, Reply, Transfer};
use crate::raw_receipt;
#[cfg(doc)]
use crate::spec::RequestSpec;

/// How long one exchange may take, from connecting to the end of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

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

/// Sends `case` ([`Case::request`]) to `addr` with [`exchange`].
///
/// # Panics
///
/// When the case cannot be sent over a socket (see [`can_send`]) or the exchange fails, with
/// the case's name and the error.
pub async fn send(addr: SocketAddr, case: &Case) -> Reply {
    assert!(
        can_send(case),
        "{}: a lying Content-Length cannot be sent over a socket (see wire::can_send)",
        case.name
    );
    exchange(addr, &case.request())
        .await
        .unwrap_or_else(|error| panic!("{}: {error}", case.name))
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

#[cfg(test)]
mod tests {
    use std::io::{self, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;

    use super::*;
    use crate::conformance::{CHUNK_SIZE, case};
    use crate::spec::{BodySpec, RequestSpec};
    use crate::{SignedRequest, fixtures, sign};

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

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack
            .windows(needle.len())
            .position(|window| window == needle)
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

    #[tokio::test]
    async fn a_content_length_case_is_sent_byte_for_byte_without_hanging_up() {
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
        let reply = exchange(addr, &case.request()).await.unwrap();
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
        let addr = "127.0.0.1:80".parse().unwrap();
        let non_ascii = case("webhook/non_ascii_byte");
        let bytes = request_bytes(&non_ascii.request(), addr);
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

        let repeated = request_bytes(
            &case("webhook/duplicate_names_differ_in_case").request(),
            addr,
        );
        let first = find(&repeated, b"\r\nQISCUS-SDK-SIGNATURE: ").unwrap();
        let second = find(&repeated, b"\r\nqiscus-sdk-signature: ").unwrap();
        assert!(first < second);
    }

    #[test]
    fn a_lying_content_length_is_written_as_told() {
        let case = case("webhook/content_length_lies_low");
        let bytes = request_bytes(&case.request(), "127.0.0.1:80".parse().unwrap());
        let mut tail = b"content-length: 16\r\n\r\n".to_vec();
        tail.extend_from_slice(&case.body);
        assert!(bytes.ends_with(&tail));
    }

    #[tokio::test]
    async fn a_chunked_case_is_framed_in_chunks_and_ends_with_the_last_chunk() {
        let case = case("webhook/at_limit_chunked");
        let (addr, received) = recorder(ends_with_last_chunk, JSON_200);
        let reply = exchange(addr, &case.request()).await.unwrap();
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
    fn chosen_chunk_sizes_are_kept_and_empty_chunks_skipped() {
        let spec = RequestSpec {
            body: BodySpec::Chunks(vec![b"a".to_vec(), Vec::new(), b"bcd".to_vec()]),
            ..RequestSpec::new("/webhook", [("h", "v")], "")
        };
        let bytes = request_bytes(&spec, "127.0.0.1:80".parse().unwrap());
        assert!(
            bytes.ends_with(
                b"h: v\r\ncontent-length: 0\r\ntransfer-encoding: chunked\r\n\r\n\
                  1\r\na\r\n3\r\nbcd\r\n0\r\n\r\n"
            ),
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
    }

    #[tokio::test]
    async fn an_interrupted_case_hangs_up_mid_chunk_without_the_last_chunk() {
        let case = case("webhook/body_unreadable");
        assert_eq!(case.transfer, Transfer::Interrupted);
        let (addr, received) = recorder(never_complete, JSON_200);
        let reply = exchange(addr, &case.request()).await.unwrap();
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
        let bytes = request_bytes(&case.request(), "127.0.0.1:80".parse().unwrap());
        assert!(bytes.ends_with(b"transfer-encoding: chunked\r\n\r\n400\r\nonly a few bytes"));
    }

    #[tokio::test]
    #[should_panic(expected = "webhook/content_length_lies_low: a lying Content-Length")]
    async fn a_lying_content_length_case_is_not_sent() {
        let lying = case("webhook/content_length_lies_low");
        assert!(!can_send(&lying));
        send("127.0.0.1:9".parse().unwrap(), &lying).await;
    }

    #[test]
    fn exchange_blocking_needs_no_runtime_and_a_signed_request_posts() {
        let signed = SignedRequest::new("token", fixtures::POST_COMMENT_MOBILE_2017);
        let (addr, received) = recorder(
            |bytes| bytes.ends_with(fixtures::POST_COMMENT_MOBILE_2017),
            JSON_200,
        );
        let reply = exchange_blocking(addr, &signed.to_spec("/webhook")).unwrap();
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

    #[tokio::test]
    #[should_panic(expected = "events/chunked: ")]
    async fn send_panics_with_the_case_name() {
        // Nothing listens there once the listener is dropped.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        send(addr, &case("events/chunked")).await;
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

    #[tokio::test]
    async fn assert_body_limit_passes_a_receiver_with_the_limit() {
        assert_body_limit(limit_receiver(BODY_LIMIT, 2)).await;
    }

    #[tokio::test]
    #[should_panic(expected = "webhook/over_limit_chunked")]
    async fn assert_body_limit_fails_a_receiver_one_byte_off() {
        assert_body_limit(limit_receiver(BODY_LIMIT + 1, 2)).await;
    }

    #[tokio::test]
    #[should_panic(expected = "webhook/at_limit_chunked")]
    async fn assert_body_limit_fails_a_receiver_that_refuses_the_limit() {
        assert_body_limit(limit_receiver(BODY_LIMIT - 1, 1)).await;
    }

    #[tokio::test]
    async fn assert_conformance_sends_only_what_a_socket_can_carry() {
        let sent = [
            case("webhook/content_length_lies_low"),
            case("webhook/at_limit_chunked"),
            case("webhook/content_length_u64_max"),
        ];
        assert_conformance(limit_receiver(BODY_LIMIT, 1), sent).await;
    }

    #[tokio::test]
    #[should_panic(expected = "no conformance case ran")]
    async fn assert_conformance_with_nothing_to_send_fails() {
        let addr = "127.0.0.1:9".parse().unwrap();
        assert_conformance(addr, [case("webhook/content_length_lies_low")]).await;
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let spec = RequestSpec::new("/", [("h", "v")], "");
        let error = exchange_within(addr, &spec, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        drop(listener);
    }

    #[tokio::test]
    async fn an_answer_before_the_whole_body_is_read() {
        // A server that answers 413 after the head and reads nothing more: a client that
        // wrote the whole body before reading would wait forever (16 MiB fill every buffer).
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (done, client_done) = mpsc::channel::<()>();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0; 1];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            let answer = br#"{"error":"body_too_large"}"#;
            let response = format!(
                "HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\n\r\n",
                answer.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
            stream.write_all(answer).unwrap();
            // Neither read nor close until the client has its answer.
            let _ = client_done.recv();
        });
        let spec = RequestSpec::new("/webhook", [("h", "v")], vec![b' '; 16 << 20]);
        let reply = exchange(addr, &spec).await.unwrap();
        done.send(()).unwrap();
        assert_eq!(reply.status, 413);
        assert_eq!(reply.body, br#"{"error":"body_too_large"}"#);
        server.join().unwrap();
    }
}
