//! The one hand-written part of the socket client: the request bytes.
//!
//! An HTTP client library cannot send what the conformance table needs: header names in the
//! case given (`QISCUS-SDK-SIGNATURE`), a name repeated in two spellings, raw non-ASCII value
//! bytes, a `Content-Length` that lies, chunks of chosen sizes, and half a chunk followed by
//! a half-close (while still reading the answer). So the request is written here, byte for
//! byte; everything else (the connection, timeouts, parsing the answer) is tokio and
//! `httparse`, in `client.rs`.

use std::net::SocketAddr;

use crate::spec::{BodySpec, RequestSpec};

/// How an interrupted body ends: a chunk announced (0x400 bytes) but cut short.
pub(super) const CUT_SHORT: &[u8] = b"400\r\nonly a few bytes";

/// The request as HTTP/1.1 bytes for a server at `host`: `POST` to the path, `host` and
/// `connection: close`, the header fields as they are, in order, then the framing:
///
/// - [`BodySpec::Whole`]: `content-length` if the spec has one (even a lie: the server takes
///   it at its word), then the body;
/// - [`BodySpec::Chunks`]: `transfer-encoding: chunked` (after `content-length`, if the spec
///   has one), each chunk as given, then the last chunk;
/// - [`BodySpec::Interrupted`]: the same chunks, then a chunk announced and cut short, and no
///   last chunk: the client hangs up there (see [`exchange`](super::exchange)).
///
/// ```
/// use qiscus_webhook_testkit::spec::RequestSpec;
/// use qiscus_webhook_testkit::wire;
///
/// let spec = RequestSpec::new("/webhook", [("X-Mixed-Case", "a")], "hello").chunked(3);
/// let bytes = wire::request_bytes(&spec, "127.0.0.1:8080".parse().unwrap());
/// assert_eq!(
///     String::from_utf8(bytes).unwrap(),
///     "POST /webhook HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nconnection: close\r\n\
///      X-Mixed-Case: a\r\ntransfer-encoding: chunked\r\n\r\n\
///      3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
/// );
/// ```
#[must_use]
pub fn request_bytes(spec: &RequestSpec, host: SocketAddr) -> Vec<u8> {
    let mut bytes = format!(
        "POST {} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n",
        spec.path
    )
    .into_bytes();
    for (name, value) in &spec.headers {
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    if let Some(len) = spec.content_length {
        bytes.extend_from_slice(format!("content-length: {len}\r\n").as_bytes());
    }
    let chunks = match &spec.body {
        BodySpec::Whole(body) => {
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(body);
            return bytes;
        }
        BodySpec::Chunks(chunks) | BodySpec::Interrupted(chunks) => chunks,
    };
    bytes.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
    // An empty chunk would end the body early: skip it (its bytes are none).
    for chunk in chunks.iter().filter(|chunk| !chunk.is_empty()) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    if matches!(spec.body, BodySpec::Interrupted(_)) {
        bytes.extend_from_slice(CUT_SHORT);
    } else {
        bytes.extend_from_slice(b"0\r\n\r\n");
    }
    bytes
}

/// Whether the client hangs up (shuts down its write side) after writing the request: only
/// for an interrupted body. After a complete request it keeps the connection open for
/// writing, as HTTP clients do: a server without half-close support (Rocket's hyper) drops
/// a request whose client shut down its write side, unanswered.
pub(super) fn hangs_up(spec: &RequestSpec) -> bool {
    matches!(spec.body, BodySpec::Interrupted(_))
}
