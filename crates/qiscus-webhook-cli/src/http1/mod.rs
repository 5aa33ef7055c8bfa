//! `send`'s HTTP/1.1 client: one POST on one connection, plain or TLS, directly or through an
//! http proxy's CONNECT tunnel.
//!
//! Why not a ready-made client: a receiver may answer (413 `body_too_large`, 401
//! `missing_signature`) from the head alone and close the connection while the body is still
//! being written. The client's next write then fails (EPIPE, ECONNRESET) although the answer
//! is already there. A client that writes the whole request before it reads (ureq, which `send`
//! used before) reports the write error; this one reads whatever has arrived between writes,
//! and still reads after a failed write, so the answer is reported whenever the server sent one.

mod conn;
pub mod proxy;
mod response;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use self::conn::{Conn, Failure, HandshakeError, Tls};
use self::proxy::Proxy;
use self::response::ResponseReader;
pub use self::response::{Response, ResponseError};
use crate::target::{Scheme, Target};

/// How long one write may block before the client looks for an answer again.
const WRITE_SLICE: Duration = Duration::from_millis(50);
/// The most bytes handed to one write.
const MAX_PIECE: usize = 256 * 1024;
/// A body at most this long goes out in the same write as the head.
const SMALL_BODY: usize = 64 * 1024;
/// The size of the chunks of `--chunked`.
const CHUNK: usize = 16 * 1024;

/// One POST.
pub struct Request<'a> {
    pub target: &'a Target,
    /// Header fields after Host, Connection and the framing (Content-Length or
    /// Transfer-Encoding), in order, as they are.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub chunked: bool,
}

/// How to reach the server.
pub struct Options {
    pub timeout_seconds: u64,
    pub proxy: Option<Proxy>,
    /// CA certificates trusted for https besides the Mozilla roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// The answer, and whether it came before the whole body was written.
#[derive(Debug)]
pub struct Exchanged {
    pub response: Response,
    pub early: Option<Early>,
}

/// The server answered before the body was written in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Early {
    pub body_written: usize,
    pub body_length: usize,
}

/// What the client was doing when time ran out or the connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum During {
    Connecting(String),
    Tunnelling(String),
    Handshake,
    Sending { written: usize, total: usize },
    Waiting,
    ReadingAnswer(u16),
}

impl fmt::Display for During {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connecting(to) => write!(f, "connecting to {to}"),
            Self::Tunnelling(proxy) => write!(f, "opening a tunnel through the proxy {proxy}"),
            Self::Handshake => f.write_str("in the TLS handshake"),
            Self::Sending { written, total } => write!(
                f,
                "sending the body ({written} of {total} bytes written, no answer yet)"
            ),
            Self::Waiting => f.write_str("waiting for the answer (the request was sent in full)"),
            Self::ReadingAnswer(status) => write!(f, "reading the {status} answer's body"),
        }
    }
}

/// Why no answer can be reported. Messages name hosts, ports, counts and OS errors; never a
/// header value or body bytes.
#[derive(Debug)]
pub enum SendError {
    Resolve {
        host: String,
        error: io::Error,
    },
    NoAddress {
        host: String,
    },
    Connect {
        to: String,
        error: io::Error,
    },
    TimedOut {
        seconds: u64,
        during: During,
    },
    ProxyRefused {
        proxy: String,
        status: u16,
    },
    ProxyAnswer {
        proxy: String,
        detail: String,
    },
    ServerName {
        host: String,
    },
    /// What came back to the ClientHello is not TLS (an HTTP answer, most likely).
    NotTls {
        http_url: String,
    },
    /// The server closed the connection during the handshake.
    TlsClosed {
        http_url: String,
    },
    Tls {
        authority: String,
        error: rustls::Error,
    },
    /// The server closed the connection (or reset it) and sent nothing.
    NoAnswer {
        written: usize,
        total: usize,
        cause: Option<String>,
    },
    Answer(ResponseError),
    Connection {
        during: During,
        failure: String,
    },
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resolve { host, error } => write!(f, "cannot resolve {host}: {error}"),
            Self::NoAddress { host } => write!(f, "{host} resolves to no address"),
            Self::Connect { to, error } => write!(f, "cannot connect to {to}: {error}"),
            Self::TimedOut { seconds, during } => {
                write!(f, "timed out after {seconds} s (--timeout) while {during}")
            }
            Self::ProxyRefused { proxy, status } => write!(
                f,
                "the proxy {proxy} refused the tunnel: {status}{}",
                reason(*status)
            ),
            Self::ProxyAnswer { proxy, detail } => {
                write!(f, "the proxy {proxy} did not answer CONNECT: {detail}")
            }
            Self::ServerName { host } => write!(f, "{host:?} cannot be a TLS server name"),
            Self::NotTls { http_url } => write!(
                f,
                "the server did not answer TLS: is it plain http? try {http_url}"
            ),
            Self::TlsClosed { http_url } => write!(
                f,
                "the server closed the connection during the TLS handshake: is it plain http? \
                 try {http_url}"
            ),
            Self::Tls { authority, error } => {
                write!(f, "TLS with {authority} failed: {error}")?;
                if matches!(
                    error,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
                ) {
                    f.write_str(
                        " (a local or self-signed certificate? trust its CA with --ca-file)",
                    )?;
                }
                Ok(())
            }
            Self::NoAnswer {
                written,
                total,
                cause,
            } => {
                if written < total {
                    write!(
                        f,
                        "the server closed the connection after {written} of {total} body bytes \
                         were written, without an answer"
                    )?;
                } else {
                    f.write_str("the server closed the connection without an answer")?;
                }
                match cause {
                    Some(cause) => write!(f, " ({cause})"),
                    None => Ok(()),
                }
            }
            Self::Answer(error) => error.fmt(f),
            Self::Connection { during, failure } => {
                write!(f, "the connection failed while {during}: {failure}")
            }
        }
    }
}

/// `" Reason"` for a known status, else nothing.
pub fn reason(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default()
}

/// The deadline of the whole exchange, from `--timeout`.
struct Clock {
    end: Instant,
    seconds: u64,
}

impl Clock {
    fn start(seconds: u64) -> Self {
        Self {
            end: Instant::now() + Duration::from_secs(seconds),
            seconds,
        }
    }

    /// The time left, `None` once there is none.
    fn left(&self) -> Option<Duration> {
        let left = self.end.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    fn left_or(&self, during: impl FnOnce() -> During) -> Result<Duration, SendError> {
        self.left().ok_or_else(|| SendError::TimedOut {
            seconds: self.seconds,
            during: during(),
        })
    }
}

/// POSTs `request` and reads the answer, within `options.timeout_seconds` in all.
pub fn send(request: &Request<'_>, options: Options) -> Result<Exchanged, SendError> {
    let clock = Clock::start(options.timeout_seconds);
    let target = request.target;
    let tunnel_to = host_port(&target.host, target.port);
    let tcp = match &options.proxy {
        None => connect(&target.host, target.port, &target.authority, &clock)?,
        Some(proxy) => {
            let name = format!(
                "{} ({})",
                host_port(&proxy.host, proxy.port),
                proxy.variable
            );
            let mut tcp = connect(&proxy.host, proxy.port, &name, &clock)?;
            tunnel(&mut tcp, proxy, &name, &tunnel_to, &clock)?;
            tcp
        }
    };
    let mut conn = match target.scheme {
        Scheme::Http => Conn::Plain(tcp),
        Scheme::Https => {
            let http_url = format!("http://{}{}", target.authority, target.path_and_query);
            let host =
                ServerName::try_from(target.host.clone()).map_err(|_| SendError::ServerName {
                    host: target.host.clone(),
                })?;
            let tls_error = |error| SendError::Tls {
                authority: target.authority.clone(),
                error,
            };
            let config = tls_config(options.extra_roots).map_err(tls_error)?;
            let mut tls = Tls::new(config, host, tcp).map_err(tls_error)?;
            tls.handshake(|| clock.left())
                .map_err(|error| match error {
                    HandshakeError::TimedOut => SendError::TimedOut {
                        seconds: clock.seconds,
                        during: During::Handshake,
                    },
                    HandshakeError::Closed => SendError::TlsClosed {
                        http_url: http_url.clone(),
                    },
                    HandshakeError::Failed(Failure::Tls(rustls::Error::InvalidMessage(
                        rustls::InvalidMessage::InvalidContentType
                        | rustls::InvalidMessage::UnknownProtocolVersion
                        | rustls::InvalidMessage::MessageTooLarge
                        | rustls::InvalidMessage::InvalidEmptyPayload,
                    ))) => SendError::NotTls {
                        http_url: http_url.clone(),
                    },
                    HandshakeError::Failed(Failure::Tls(error)) => tls_error(error),
                    HandshakeError::Failed(Failure::Io(error)) => SendError::Connection {
                        during: During::Handshake,
                        failure: error.to_string(),
                    },
                })?;
            Conn::Tls(Box::new(tls))
        }
    };
    let mut outgoing = Outgoing::new(request);
    exchange(&mut conn, &mut outgoing, &clock)
}

/// `host:port`, an IPv6 address in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The ring provider, the safe default versions, the Mozilla roots and `extra_roots`.
fn tls_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots.add(root)?;
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Whether `certificate` can be a trust anchor (for checking `--ca-file` before connecting).
pub fn check_root(certificate: CertificateDer<'static>) -> Result<(), rustls::Error> {
    RootCertStore::empty().add(certificate)
}

/// A TCP connection to the first address of `host` that answers, in blocking mode.
fn connect(host: &str, port: u16, name: &str, clock: &Clock) -> Result<TcpStream, SendError> {
    let addresses: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|error| SendError::Resolve {
            host: host.to_owned(),
            error,
        })?
        .collect();
    let mut last_error = None;
    for address in &addresses {
        let left = clock.left_or(|| During::Connecting(name.to_owned()))?;
        match TcpStream::connect_timeout(address, left) {
            Ok(tcp) => {
                // The head and each piece go out as they are written (Nagle would hold a small
                // body back until the head is acknowledged).
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        None => Err(SendError::NoAddress {
            host: host.to_owned(),
        }),
        Some(error) if error.kind() == io::ErrorKind::TimedOut && clock.left().is_none() => {
            Err(SendError::TimedOut {
                seconds: clock.seconds,
                during: During::Connecting(name.to_owned()),
            })
        }
        Some(error) => Err(SendError::Connect {
            to: name.to_owned(),
            error,
        }),
    }
}

/// `CONNECT to HTTP/1.1` through the proxy; Ok once it answered 2xx.
fn tunnel(
    tcp: &mut TcpStream,
    proxy: &Proxy,
    name: &str,
    to: &str,
    clock: &Clock,
) -> Result<(), SendError> {
    let during = || During::Tunnelling(name.to_owned());
    let failed = |error: io::Error| SendError::Connection {
        during: during(),
        failure: error.to_string(),
    };
    let mut request = format!("CONNECT {to} HTTP/1.1\r\nHost: {to}\r\n");
    if let Some(authorization) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    tcp.set_write_timeout(Some(clock.left_or(during)?))
        .map_err(failed)?;
    tcp.write_all(request.as_bytes()).map_err(failed)?;

    // Byte by byte, so that nothing after the proxy's head is taken from the tunnel.
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(SendError::ProxyAnswer {
                proxy: name.to_owned(),
                detail: "its answer's head is too long".to_owned(),
            });
        }
        tcp.set_read_timeout(Some(clock.left_or(during)?))
            .map_err(failed)?;
        match tcp.read(&mut byte) {
            Ok(0) => {
                return Err(SendError::ProxyAnswer {
                    proxy: name.to_owned(),
                    detail: "it closed the connection".to_owned(),
                });
            }
            Ok(_) => head.push(byte[0]),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => return Err(failed(error)),
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut answer = httparse::Response::new(&mut headers);
    match answer.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) | Err(_) => {
            return Err(SendError::ProxyAnswer {
                proxy: name.to_owned(),
                detail: "its answer is not HTTP/1.1".to_owned(),
            });
        }
    }
    match answer.code {
        Some(200..=299) => Ok(()),
        Some(status) => Err(SendError::ProxyRefused {
            proxy: name.to_owned(),
            status,
        }),
        None => Err(SendError::ProxyAnswer {
            proxy: name.to_owned(),
            detail: "its answer has no status".to_owned(),
        }),
    }
}

/// The request's bytes, in parts, and how far they are written.
struct Outgoing<'a> {
    /// Each part, with the range of it that is body bytes (the rest is head or framing).
    parts: Vec<(Cow<'a, [u8]>, std::ops::Range<usize>)>,
    part: usize,
    offset: usize,
    /// Body bytes of the parts written in full.
    body_done: usize,
    body_length: usize,
}

impl<'a> Outgoing<'a> {
    fn new(request: &Request<'a>) -> Self {
        let target = request.target;
        // One request per connection: the server need not wait for another.
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            target.path_and_query, target.authority
        );
        if request.chunked {
            head.push_str("Transfer-Encoding: chunked\r\n");
        } else {
            head.push_str(&format!("Content-Length: {}\r\n", request.body.len()));
        }
        for (name, value) in request.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut head = head.into_bytes();

        let body = request.body;
        let mut parts = Vec::new();
        if request.chunked {
            parts.push((Cow::Owned(head), 0..0));
            for chunk in body.chunks(CHUNK) {
                let mut part = format!("{:x}\r\n", chunk.len()).into_bytes();
                let start = part.len();
                part.extend_from_slice(chunk);
                part.extend_from_slice(b"\r\n");
                parts.push((Cow::Owned(part), start..start + chunk.len()));
            }
            parts.push((Cow::Borrowed(&b"0\r\n\r\n"[..]), 0..0));
        } else if body.len() <= SMALL_BODY {
            let start = head.len();
            head.extend_from_slice(body);
            parts.push((Cow::Owned(head), start..start + body.len()));
        } else {
            parts.push((Cow::Owned(head), 0..0));
            parts.push((Cow::Borrowed(body), 0..body.len()));
        }
        Self {
            parts,
            part: 0,
            offset: 0,
            body_done: 0,
            body_length: body.len(),
        }
    }

    fn is_done(&self) -> bool {
        self.part == self.parts.len()
    }

    /// The next bytes to write, at most `max`.
    fn next(&self, max: usize) -> &[u8] {
        self.parts.get(self.part).map_or(&[], |(bytes, _)| {
            let rest = &bytes[self.offset..];
            &rest[..rest.len().min(max)]
        })
    }

    fn advance(&mut self, mut written: usize) {
        while written > 0 {
            let Some((bytes, body)) = self.parts.get(self.part) else {
                return;
            };
            let step = written.min(bytes.len() - self.offset);
            self.offset += step;
            written -= step;
            if self.offset == bytes.len() {
                self.body_done += body.len();
                self.part += 1;
                self.offset = 0;
            }
        }
    }

    /// Body bytes written so far.
    fn body_written(&self) -> usize {
        let partial = self.parts.get(self.part).map_or(0, |(_, body)| {
            self.offset.clamp(body.start, body.end) - body.start
        });
        self.body_done + partial
    }
}

/// Writes the request, reading whatever arrives between writes, and after a failed write;
/// then reads the rest of the answer.
fn exchange(
    conn: &mut Conn,
    outgoing: &mut Outgoing<'_>,
    clock: &Clock,
) -> Result<Exchanged, SendError> {
    let mut reader = ResponseReader::new();
    let mut buf = vec![0; 16 * 1024];
    let mut write_failure: Option<Failure> = None;
    let mut read_failure: Option<Failure> = None;
    let mut closed = false;
    let sending = |outgoing: &Outgoing<'_>| During::Sending {
        written: outgoing.body_written(),
        total: outgoing.body_length,
    };

    while (!outgoing.is_done() || conn.has_buffered_output()) && !reader.is_complete() {
        match conn.read(&mut buf, None) {
            Ok(Some(0)) => {
                closed = true;
                break;
            }
            Ok(Some(read)) => {
                reader.feed(&buf[..read]).map_err(SendError::Answer)?;
                continue;
            }
            Ok(None) => {}
            Err(failure) => {
                read_failure = Some(failure);
                break;
            }
        }
        let wait = clock.left_or(|| sending(outgoing))?.min(WRITE_SLICE);
        match conn.write(outgoing.next(MAX_PIECE), wait) {
            Ok(written) => outgoing.advance(written),
            Err(failure) => {
                // The answer may be in already: read on.
                write_failure = Some(failure);
                break;
            }
        }
    }

    while !reader.is_complete() && !closed && read_failure.is_none() {
        let wait = clock.left_or(|| match reader.status() {
            Some(status) => During::ReadingAnswer(status),
            None if outgoing.is_done() => During::Waiting,
            None => sending(outgoing),
        })?;
        match conn.read(&mut buf, Some(wait)) {
            Ok(Some(0)) => closed = true,
            Ok(Some(read)) => reader.feed(&buf[..read]).map_err(SendError::Answer)?,
            Ok(None) => {}
            Err(failure) => read_failure = Some(failure),
        }
    }

    let finished = if closed && !reader.is_complete() {
        reader.finish()
    } else {
        Ok(())
    };
    let early = (!outgoing.is_done()).then(|| Early {
        body_written: outgoing.body_written(),
        body_length: outgoing.body_length,
    });
    if reader.is_complete() {
        let response = reader.into_response();
        if let Some(response) = response {
            return Ok(Exchanged { response, early });
        }
        // `is_complete` means `into_response` is `Some`; should that change, say so.
        return Err(SendError::Answer(ResponseError::BodyCutShort));
    }
    if reader.received() == 0 {
        let cause = write_failure
            .or(read_failure)
            .map(|failure| failure.to_string());
        return Err(SendError::NoAnswer {
            written: outgoing.body_written(),
            total: outgoing.body_length,
            cause,
        });
    }
    match (finished, read_failure) {
        (Err(error), _) => Err(SendError::Answer(error)),
        (Ok(()), Some(failure)) => Err(SendError::Connection {
            during: reader
                .status()
                .map_or(During::Waiting, During::ReadingAnswer),
            failure: failure.to_string(),
        }),
        (Ok(()), None) => Err(SendError::Answer(ResponseError::BodyCutShort)),
    }
}

#[cfg(test)]
mod tests {
    use super::{Outgoing, Request};
    use crate::target::Target;

    fn written(outgoing: &mut Outgoing<'_>) -> Vec<u8> {
        let mut all = Vec::new();
        while !outgoing.is_done() {
            // Odd write sizes, to cross part boundaries.
            let piece = outgoing.next(1000).to_vec();
            let take = piece.len().min(777);
            all.extend_from_slice(&piece[..take]);
            outgoing.advance(take);
        }
        all
    }

    #[test]
    fn content_length_request_and_body_count() {
        let target = Target::parse("http://h:1/p?q").expect("valid");
        let headers = [("X-A".to_owned(), "1".to_owned())];
        let body = vec![b'x'; 100_000];
        let request = Request {
            target: &target,
            headers: &headers,
            body: &body,
            chunked: false,
        };
        let mut outgoing = Outgoing::new(&request);
        let head = "POST /p?q HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\nContent-Length: 100000\r\nX-A: 1\r\n\r\n";
        outgoing.advance(head.len() + 10);
        assert_eq!(outgoing.body_written(), 10);
        let mut outgoing = Outgoing::new(&request);
        let bytes = written(&mut outgoing);
        assert_eq!(&bytes[..head.len()], head.as_bytes());
        assert_eq!(&bytes[head.len()..], &body[..]);
        assert_eq!(outgoing.body_written(), body.len());
    }

    #[test]
    fn chunked_request() {
        let target = Target::parse("http://h/").expect("valid");
        let body = vec![b'y'; 20_000];
        let request = Request {
            target: &target,
            headers: &[],
            body: &body,
            chunked: true,
        };
        let mut outgoing = Outgoing::new(&request);
        let bytes = written(&mut outgoing);
        let head =
            "POST / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
        let expected = [
            head.as_bytes(),
            b"4000\r\n",
            &body[..16384],
            b"\r\ne20\r\n",
            &body[16384..],
            b"\r\n0\r\n\r\n",
        ]
        .concat();
        assert_eq!(bytes, expected);
        assert_eq!(outgoing.body_written(), body.len());
    }
}
