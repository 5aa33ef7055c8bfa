//! A client that stalls mid-body: what the body deadline is for (`docs/DESIGN.md`, "The order
//! of checks", step 3). The request is a [`RequestSpec`] whose `Content-Length` promises more
//! than its body: the raw writer sends it as told, and the connection stays open.

use std::net::SocketAddr;
use std::time::Duration;

use super::client::exchange_then_closed;
use crate::conformance::{Expect, TOKEN};
use crate::sign;
use crate::spec::{BodySpec, RequestSpec};

/// How many bytes [`stalled_request`] promises in `Content-Length`, and how many it sends
/// before it stops: headers, then 100 of 2,000 promised bytes (under the conformance
/// [`BODY_LIMIT`](crate::conformance::BODY_LIMIT), so that only the deadline can refuse it).
pub const STALL_PROMISED: usize = 2_000;
/// See [`STALL_PROMISED`].
pub const STALL_SENT: usize = 100;

/// How long a server may linger after its answer before it closes (actix-web waits for the
/// client to close first, up to its `client_disconnect_timeout`, 1 s by default).
pub const LINGER: Duration = Duration::from_secs(3);

/// A `POST path`, correctly signed (under [`TOKEN`]) over [`STALL_PROMISED`] bytes, whose
/// `Content-Length` promises them all and whose body is the first [`STALL_SENT`].
///
/// ```
/// use qiscus_webhook_testkit::spec::BodySpec;
/// use qiscus_webhook_testkit::wire::{self, STALL_PROMISED, STALL_SENT};
///
/// let request = wire::stalled_request("/webhook");
/// assert_eq!(request.content_length, Some(STALL_PROMISED as u64));
/// assert_eq!(request.body.bytes().len(), STALL_SENT);
/// ```
#[must_use]
pub fn stalled_request(path: &str) -> RequestSpec {
    let promised = vec![b'{'; STALL_PROMISED];
    let signature = sign(TOKEN, &promised);
    RequestSpec {
        content_length: Some(STALL_PROMISED as u64),
        body: BodySpec::Whole(promised[..STALL_SENT].to_vec()),
        ..RequestSpec::new(
            path,
            [
                ("content-type", "application/json".to_owned()),
                ("qiscus-sdk-signature", signature),
            ],
            "",
        )
    }
}

/// The body-deadline row over a real socket: an app at `addr` with the conformance routes and
/// the [conformance verifier](crate::conformance::verifier) with a body timeout of `deadline`
/// answers a client that stalls mid-body ([`stalled_request`]) with
/// `408 {"error":"body_timeout"}` within `deadline` plus one second, on both routes, and then
/// closes the connection (within [`LINGER`]).
///
/// # Panics
///
/// When the app does not answer 408 and close within that time.
pub async fn assert_stalled_body_times_out(addr: SocketAddr, deadline: Duration) {
    let expect = Expect::Rejected {
        status: 408,
        code: "body_timeout",
    };
    for path in ["/webhook", "/events"] {
        let within = deadline + Duration::from_secs(1);
        let (reply, closed) = exchange_then_closed(addr, &stalled_request(path), within, LINGER)
            .await
            .unwrap_or_else(|error| {
                panic!("{path}: a stalled body, answered within {within:?}: {error}")
            });
        if let Err(failure) = expect.check(reply.status, &reply.body) {
            panic!("{path}: a stalled body: {failure}");
        }
        assert!(
            closed,
            "{path}: the connection is not closed {LINGER:?} after the 408"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    const TIMEOUT_408: &[u8] =
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
        content-length: 24\r\n\r\n{\"error\":\"body_timeout\"}";

    /// A server for the two stalled requests: reads each head and the bytes sent, answers
    /// `answer`, then closes, or (`close == false`) holds the connection until the client goes.
    fn server(answer: &'static [u8], close: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                let mut buffer = [0; 1024];
                // Until the head and the bytes sent are in.
                let whole = |request: &[u8]| {
                    let end = request.windows(4).position(|w| w == b"\r\n\r\n");
                    end.is_some_and(|end| request.len() >= end + 4 + STALL_SENT)
                };
                while !whole(&request) {
                    let read = stream.read(&mut buffer).unwrap();
                    assert_ne!(read, 0, "the client hung up");
                    request.extend_from_slice(&buffer[..read]);
                }
                let head = String::from_utf8_lossy(&request);
                assert!(head.contains(&format!("content-length: {STALL_PROMISED}\r\n")));
                stream.write_all(answer).unwrap();
                if !close {
                    // Until the client closes: it must not wait for the rest of the body.
                    while stream.read(&mut buffer).is_ok_and(|read| read > 0) {}
                }
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_408_then_a_close_passes() {
        assert_stalled_body_times_out(server(TIMEOUT_408, true), Duration::from_millis(10)).await;
    }

    #[tokio::test]
    #[should_panic(expected = "/webhook: the connection is not closed")]
    async fn a_408_on_a_connection_left_open_fails() {
        assert_stalled_body_times_out(server(TIMEOUT_408, false), Duration::from_millis(10)).await;
    }

    #[tokio::test]
    #[should_panic(expected = "/webhook: a stalled body: status 413, expected 408")]
    async fn another_answer_fails() {
        let too_large = b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\n\
            content-length: 26\r\n\r\n{\"error\":\"body_too_large\"}";
        assert_stalled_body_times_out(server(too_large, true), Duration::from_millis(10)).await;
    }
}
