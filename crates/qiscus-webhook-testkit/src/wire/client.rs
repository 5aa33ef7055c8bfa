//! The socket client around the hand-written request: a tokio `TcpStream`, one
//! `tokio::time::timeout` for the whole exchange, and `httparse` for the answer's head, its
//! chunk-size lines and its trailers.

use std::fmt::Display;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use httparse::Status;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{TIMEOUT, raw};
use crate::conformance::Reply;
use crate::spec::RequestSpec;

/// Sends `spec` to `addr` on a new connection (the bytes of
/// [`request_bytes`](super::request_bytes)), hangs up mid-body if the body is
/// [`Interrupted`](crate::spec::BodySpec::Interrupted), and reads one HTTP/1.x response: the
/// body by `Transfer-Encoding: chunked`, by `Content-Length`, or else until the server closes.
/// Within [`TIMEOUT`], from connecting to the end of the body.
///
/// The answer is read while the request is written: a server may answer (`413`, `401`) and
/// close before it takes the whole body, and that answer is what the test wants.
///
/// Needs a tokio runtime with I/O and time enabled (`#[tokio::test]`, `#[actix_web::test]`,
/// `#[rocket::async_test]` all qualify); from blocking code, [`exchange_blocking`].
///
/// # Errors
///
/// An I/O error connecting, writing or reading (when no answer came back);
/// [`io::ErrorKind::TimedOut`] after [`TIMEOUT`]; [`io::ErrorKind::InvalidData`] when what came
/// back is not an HTTP/1.x response; [`io::ErrorKind::UnexpectedEof`] when the server closed
/// the connection before the end of its answer.
pub async fn exchange(addr: SocketAddr, spec: &RequestSpec) -> io::Result<Reply> {
    exchange_within(addr, spec, TIMEOUT).await
}

/// [`exchange`], within `timeout` instead of [`TIMEOUT`].
///
/// # Errors
///
/// As [`exchange`].
pub async fn exchange_within(
    addr: SocketAddr,
    spec: &RequestSpec,
    timeout: Duration,
) -> io::Result<Reply> {
    round_trip(addr, spec, timeout, None)
        .await
        .map(|(reply, _)| reply)
}

/// [`exchange_within`], then up to `linger` more on the same connection for the server to
/// close it: the reply, and whether it closed (end of stream or a reset) in that time. The
/// client never closes first: this is how a test sees a server drop a connection it refused.
///
/// # Errors
///
/// As [`exchange`].
pub async fn exchange_then_closed(
    addr: SocketAddr,
    spec: &RequestSpec,
    timeout: Duration,
    linger: Duration,
) -> io::Result<(Reply, bool)> {
    round_trip(addr, spec, timeout, Some(linger)).await
}

/// [`exchange`] from blocking code (a CLI, a plain `#[test]`): the one bridge from blocking to
/// async in this crate. It runs the exchange on a current-thread tokio runtime of its own,
/// built for the call.
///
/// # Errors
///
/// As [`exchange`], and the error of building the runtime.
///
/// # Panics
///
/// When called from within a tokio runtime (tokio refuses to block one); there, `.await`
/// [`exchange`] instead.
pub fn exchange_blocking(addr: SocketAddr, spec: &RequestSpec) -> io::Result<Reply> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(exchange(addr, spec))
}

/// Connects, writes the request (and hangs up if the spec says so) while reading the answer,
/// all within `timeout`; then, with `linger`, waits that long for the server to close.
async fn round_trip(
    addr: SocketAddr,
    spec: &RequestSpec,
    timeout: Duration,
    linger: Option<Duration>,
) -> io::Result<(Reply, bool)> {
    let request = raw::request_bytes(spec, addr);
    let deadline = tokio::time::Instant::now() + timeout;
    let timed_out = |received: &[u8]| {
        let received = String::from_utf8_lossy(received);
        let message = format!("no complete answer within {timeout:?}; received {received:?}");
        io::Error::new(io::ErrorKind::TimedOut, message)
    };
    let mut stream = tokio::time::timeout_at(deadline, TcpStream::connect(addr))
        .await
        .map_err(|_| timed_out(b""))??;
    let (mut reader, mut writer) = stream.split();
    let mut received = Vec::new();
    let reply = {
        let mut write = pin!(async {
            writer.write_all(&request).await?;
            if raw::hangs_up(spec) {
                writer.shutdown().await?;
            }
            io::Result::Ok(())
        });
        let mut read = pin!(read_response(&mut reader, &mut received));
        let exchange = async {
            tokio::select! {
                reply = &mut read => reply,
                written = &mut write => match (written, read.await) {
                    // No answer, and the write failed first: that is the error to show.
                    (Err(error), Err(_)) => Err(error),
                    (_, reply) => reply,
                },
            }
        };
        tokio::time::timeout_at(deadline, exchange).await
    };
    let reply = reply.map_err(|_| timed_out(&received))??;
    let Some(linger) = linger else {
        return Ok((reply, false));
    };
    let mut buffer = [0; 1024];
    let drained = async { while reader.read(&mut buffer).await.is_ok_and(|read| read > 0) {} };
    Ok((reply, tokio::time::timeout(linger, drained).await.is_ok()))
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (`1xx`, `204`, `304`).
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
}

/// A parsed response head: its length, the status, `content-type`, and the body's framing.
type Head = (usize, u16, Option<String>, Framing);

fn invalid(what: impl Display, received: &[u8]) -> io::Error {
    let received = String::from_utf8_lossy(received);
    let message = format!("not an HTTP/1.x response ({what}): {received:?}");
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// An `httparse` result as [`until`] takes it: `None` to read more.
fn complete<T, E: Display>(parsed: Result<Status<T>, E>, received: &[u8]) -> io::Result<Option<T>> {
    match parsed {
        Ok(Status::Complete(parsed)) => Ok(Some(parsed)),
        Ok(Status::Partial) => Ok(None),
        Err(error) => Err(invalid(error, received)),
    }
}

/// The head at the start of `received`, if it is all there.
fn parse_head(received: &[u8]) -> io::Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let Some(len) = complete(response.parse(received), received)? else {
        return Ok(None);
    };
    let (mut content_type, mut content_length, mut chunked) = (None, None, false);
    for header in response.headers.iter() {
        let value = String::from_utf8_lossy(header.value);
        if header.name.eq_ignore_ascii_case("content-type") && content_type.is_none() {
            content_type = Some(value.into_owned());
        } else if header.name.eq_ignore_ascii_case("content-length") {
            let length: u64 = (value.trim().parse())
                .map_err(|_| invalid("a content-length that is not a number", received))?;
            if content_length.is_some_and(|previous| previous != length) {
                return Err(invalid("two different content-lengths", received));
            }
            content_length = Some(length);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            let last = value.rsplit(',').next().unwrap_or_default().trim();
            chunked = last.eq_ignore_ascii_case("chunked");
        }
    }
    let status = response.code.unwrap_or_default();
    let framing = match (status, chunked, content_length) {
        (100..=199 | 204 | 304, _, _) => Framing::Empty,
        (_, true, _) => Framing::Chunked,
        (_, false, Some(length)) => Framing::Length(length),
        (_, false, None) => Framing::UntilClose,
    };
    Ok(Some((len, status, content_type, framing)))
}

/// Reads from `reader` into `received` until `parse` finds what it needs there; the end of the
/// stream before that is an [`io::ErrorKind::UnexpectedEof`] error in `what`.
async fn until<R, T>(
    reader: &mut R,
    received: &mut Vec<u8>,
    what: &str,
    mut parse: impl FnMut(&[u8]) -> io::Result<Option<T>>,
) -> io::Result<T>
where
    R: AsyncRead + Unpin,
{
    let mut buffer = [0; 8192];
    loop {
        if let Some(parsed) = parse(received)? {
            return Ok(parsed);
        }
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            let received = String::from_utf8_lossy(received);
            let message = format!("the server closed the connection in {what}: {received:?}");
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, message));
        }
        received.extend_from_slice(&buffer[..read]);
    }
}

/// `received[at..]` holds `len` bytes: `Some(at + len)`, else `None` (read more); an error if
/// `at + len` is beyond memory.
fn bytes_at(received: &[u8], at: usize, len: u64) -> io::Result<Option<usize>> {
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| at.checked_add(len))
        .ok_or_else(|| invalid("a length beyond memory", received))?;
    Ok((received.len() >= end).then_some(end))
}

/// One response from `reader`, every byte read kept in `received`: the head by `httparse`, the
/// body by its framing (a chunked body by `httparse`'s chunk-size lines and trailer section).
async fn read_response<R: AsyncRead + Unpin>(
    reader: &mut R,
    received: &mut Vec<u8>,
) -> io::Result<Reply> {
    let (mut at, status, content_type, framing) =
        until(reader, received, "the response head", parse_head).await?;
    let body = match framing {
        Framing::Empty => Vec::new(),
        Framing::Length(len) => {
            let end = until(reader, received, "the body", |r| bytes_at(r, at, len)).await?;
            received[at..end].to_vec()
        }
        Framing::UntilClose => {
            reader.read_to_end(received).await?;
            received[at..].to_vec()
        }
        Framing::Chunked => {
            let mut body = Vec::new();
            loop {
                let (line, size) = until(reader, received, "a chunk-size line", |r| {
                    complete(httparse::parse_chunk_size(&r[at..]), r)
                })
                .await?;
                at += line;
                if size == 0 {
                    break;
                }
                // The chunk's bytes, then CRLF (`size` has at most 15 hex digits: no overflow).
                let end = until(reader, received, "a chunk", |r| bytes_at(r, at, size + 2)).await?;
                if &received[end - 2..end] != b"\r\n" {
                    return Err(invalid("a chunk longer than its size", received));
                }
                body.extend_from_slice(&received[at..end - 2]);
                at = end;
            }
            until(reader, received, "the trailer section", |r| {
                let mut trailers = [httparse::EMPTY_HEADER; 16];
                let parsed = httparse::parse_headers(&r[at..], &mut trailers);
                Ok(complete(parsed, r)?.map(drop))
            })
            .await?;
            body
        }
    };
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reply `response` is read as, from a stream that ends after it.
    async fn reply(response: &[u8]) -> io::Result<Reply> {
        read_response(&mut &response[..], &mut Vec::new()).await
    }

    fn json_413(body: &[u8]) -> Reply {
        Reply {
            status: 413,
            content_type: Some("application/json".into()),
            body: body.to_vec(),
        }
    }

    #[tokio::test]
    async fn responses_are_read_by_length_by_chunks_or_to_the_end() {
        let cases: [(&[u8], Reply); 5] = [
            (
                b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\nabc",
                json_413(b"abc"),
            ),
            (
                b"HTTP/1.1 413 Payload Too Large\r\ncontent-type:application/json\r\ntransfer-encoding: chunked\r\n\r\n2;ext=1\r\nab\r\n1\r\nc\r\n0\r\ntrailer: x\r\n\r\n",
                json_413(b"abc"),
            ),
            (
                b"HTTP/1.1 413 \r\ncontent-type: application/json\r\n\r\nabc",
                json_413(b"abc"),
            ),
            // Reading stops where the framing says the body ends.
            (
                b"HTTP/1.1 413 x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\nabc",
                json_413(b"ab"),
            ),
            (
                b"HTTP/1.1 204 No Content\r\ncontent-length: 3\r\n\r\n",
                Reply {
                    status: 204,
                    content_type: None,
                    body: Vec::new(),
                },
            ),
        ];
        for (response, expected) in cases {
            let text = String::from_utf8_lossy(response);
            assert_eq!(reply(response).await.unwrap(), expected, "{text:?}");
        }
    }

    #[tokio::test]
    async fn what_is_not_one_whole_response_is_an_error() {
        use io::ErrorKind::{InvalidData, UnexpectedEof};
        let cases: [(&[u8], io::ErrorKind); 10] = [
            (b"", UnexpectedEof),
            (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n", UnexpectedEof),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\na",
                UnexpectedEof,
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nab",
                InvalidData,
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: two\r\n\r\nab",
                InvalidData,
            ),
            (
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n",
                UnexpectedEof,
            ),
            (
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
                InvalidData,
            ),
            (b"HTTP/1.1 2000 OK\r\n\r\n", InvalidData),
            (b"SSH-2.0 200 OK\r\n\r\n", InvalidData),
            (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", InvalidData),
        ];
        for (response, kind) in cases {
            let text = String::from_utf8_lossy(response);
            let error = reply(response).await.unwrap_err();
            assert_eq!(error.kind(), kind, "{text:?}: {error}");
        }
    }

    #[tokio::test]
    async fn a_response_split_anywhere_reads_the_same() {
        let response: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
            transfer-encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n";
        for at in 1..response.len() {
            let (first, second) = response.split_at(at);
            let mut reader = tokio::io::AsyncReadExt::chain(first, second);
            let got = read_response(&mut reader, &mut Vec::new()).await.unwrap();
            assert_eq!((got.status, got.body.as_slice()), (200, &b"{}"[..]), "{at}");
        }
    }
}
