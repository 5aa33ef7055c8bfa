//! A client that stalls mid-body: what the body deadline is for.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::conformance::TOKEN;
use crate::sign;

/// How many bytes [`stall`] promises in `Content-Length`, and how many it sends before it
/// stops: headers, then 100 of 2,000 promised bytes (under the conformance
/// [`BODY_LIMIT`](crate::conformance::BODY_LIMIT), so that only the deadline can refuse it).
pub const STALL_PROMISED: usize = 2_000;
/// See [`STALL_PROMISED`].
pub const STALL_SENT: usize = 100;

/// How long a server may linger after its answer before it closes (actix-web waits for the
/// client to close first, up to its `client_disconnect_timeout`, 1 s by default).
pub const LINGER: Duration = Duration::from_secs(3);

/// What became of a stalled request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    /// The raw answer the server sent (empty when it sent none within the wait).
    pub answer: Vec<u8>,
    /// Whether the server closed the connection (end of file, or a reset) within the wait
    /// plus [`LINGER`].
    pub closed: bool,
}

impl Stalled {
    /// The answer's status code, if it sent one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&self.answer) {
            Ok(_) => response.code,
            Err(_) => None,
        }
    }

    /// Whether the answer's body is `{"error":"body_timeout"}`.
    #[must_use]
    pub fn is_body_timeout(&self) -> bool {
        self.answer.ends_with(br#"{"error":"body_timeout"}"#)
    }
}

/// Opens a connection to `addr`, sends a correctly signed `POST path` whose `Content-Length`
/// promises [`STALL_PROMISED`] bytes, sends [`STALL_SENT`] of them, then stalls (keeps the
/// connection open, sends nothing more); waits up to `wait` for the server's answer, then up
/// to [`LINGER`] more for it to close.
///
/// # Errors
///
/// An I/O error connecting or writing. Waiting without an answer is not an error: the
/// [`Stalled`] result then has no answer and `closed == false`.
pub async fn stall(addr: SocketAddr, path: &str, wait: Duration) -> io::Result<Stalled> {
    let body = vec![b'{'; STALL_PROMISED];
    let signature = sign(TOKEN, &body);
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {STALL_PROMISED}\r\nqiscus-sdk-signature: {signature}\r\n\r\n"
    );
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body[..STALL_SENT]).await?;
    stream.flush().await?;

    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // Until the answer's head is complete (the answers are tiny: one read, in practice).
    let answered = tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
            if answer.ends_with(b"}") {
                return false;
            }
        }
    })
    .await;
    let closed = match answered {
        Ok(true) => true,
        Err(_) => false,
        // Answered: now the close, after the server's linger.
        Ok(false) => tokio::time::timeout(LINGER, async {
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => answer.extend_from_slice(&buffer[..n]),
                }
            }
        })
        .await
        .is_ok(),
    };
    Ok(Stalled { answer, closed })
}

/// The body-deadline row over a real socket: an app at `addr` with the conformance routes and
/// the [conformance verifier](crate::conformance::verifier) with a body timeout of `deadline`
/// answers a client that stalls mid-body with `408 {"error":"body_timeout"}` within `deadline`
/// plus one second, on both routes, and then closes the connection (within [`LINGER`]).
///
/// # Panics
///
/// When the app does not answer 408 and close within that time.
pub async fn assert_stalled_body_times_out(addr: SocketAddr, deadline: Duration) {
    for path in ["/webhook", "/events"] {
        let stalled = stall(addr, path, deadline + Duration::from_secs(1))
            .await
            .unwrap_or_else(|error| panic!("{path}: stalling failed: {error}"));
        assert_eq!(
            stalled.status(),
            Some(408),
            "{path}: a stalled body is answered 408 within the deadline + 1 s: {:?}",
            String::from_utf8_lossy(&stalled.answer)
        );
        assert!(stalled.is_body_timeout(), "{path}: {stalled:?}");
        assert!(
            stalled.closed,
            "{path}: the connection is closed after the 408: {stalled:?}"
        );
    }
}
