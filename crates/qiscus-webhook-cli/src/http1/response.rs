//! Reading one HTTP/1.1 response from bytes as they arrive: the head with httparse, then the
//! body by `Transfer-Encoding: chunked`, `Content-Length`, or until the connection closes.

use std::fmt;

/// The most header fields an answer may have.
const MAX_HEADERS: usize = 64;
/// The most bytes an answer's head may take.
const MAX_HEAD: usize = 64 * 1024;

/// A whole response: its status and its body, decoded from its framing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The `x` of `HTTP/1.x`.
    pub minor_version: u8,
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why the bytes received are not one HTTP/1.1 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// The head does not parse (httparse's reason).
    Head(httparse::Error),
    /// The head is longer than [`MAX_HEAD`] bytes.
    HeadTooLarge,
    /// `Content-Length` is not a number, or given twice with different values.
    ContentLength,
    /// A chunk size line does not parse.
    ChunkSize,
    /// A chunk is not followed by CRLF.
    ChunkEnd,
    /// `101 Switching Protocols`: not an answer to a POST.
    SwitchingProtocols,
    /// The connection closed before the head was complete (`received` bytes of it).
    HeadCutShort { received: usize },
    /// The connection closed before the end of the body.
    BodyCutShort,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Head(error) => write!(f, "the answer is not HTTP/1.1 ({error})"),
            Self::HeadTooLarge => write!(f, "the answer's head is longer than {MAX_HEAD} bytes"),
            Self::ContentLength => f.write_str("the answer's Content-Length is invalid"),
            Self::ChunkSize => f.write_str("the answer's chunked body has an invalid chunk size"),
            Self::ChunkEnd => f.write_str("a chunk of the answer's body does not end with CRLF"),
            Self::SwitchingProtocols => {
                f.write_str("the server answered 101 Switching Protocols to a POST")
            }
            Self::HeadCutShort { received } => write!(
                f,
                "the connection closed in the middle of the answer's head ({received} bytes)"
            ),
            Self::BodyCutShort => f.write_str("the connection closed before the end of the answer"),
        }
    }
}

impl std::error::Error for ResponseError {}

/// Bytes in, a [`Response`] out once complete.
#[derive(Debug, Default)]
pub struct ResponseReader {
    /// Received and not consumed yet.
    buffer: Vec<u8>,
    /// Bytes received in all.
    received: usize,
    state: State,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Head,
    Body {
        minor_version: u8,
        status: u16,
        framing: Framing,
        body: Vec<u8>,
    },
    Done(Response),
}

#[derive(Debug)]
enum Framing {
    /// This many bytes left.
    Length(usize),
    Chunked(Chunk),
    UntilClose,
}

/// Where a chunked body is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Size,
    /// This many bytes of data left in the chunk.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer fields, up to the empty line.
    Trailer,
}

impl ResponseReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next bytes of the connection. Bytes after a complete response are ignored
    /// (one request per connection: nothing else is expected).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), ResponseError> {
        if matches!(self.state, State::Done(_)) {
            return Ok(());
        }
        self.received += bytes.len();
        self.buffer.extend_from_slice(bytes);
        self.advance()
    }

    /// The connection closed: completes a body that runs until the close, or says what was
    /// cut short.
    pub fn finish(&mut self) -> Result<(), ResponseError> {
        match std::mem::take(&mut self.state) {
            State::Head => {
                let received = self.received;
                self.state = State::Head;
                Err(ResponseError::HeadCutShort { received })
            }
            State::Body {
                minor_version,
                status,
                framing: Framing::UntilClose,
                body,
            } => {
                self.state = State::Done(Response {
                    minor_version,
                    status,
                    body,
                });
                Ok(())
            }
            state @ State::Body { .. } => {
                self.state = state;
                Err(ResponseError::BodyCutShort)
            }
            state @ State::Done(_) => {
                self.state = state;
                Ok(())
            }
        }
    }

    /// Bytes received so far, head and body.
    pub fn received(&self) -> usize {
        self.received
    }

    /// The status, once the head is in.
    pub fn status(&self) -> Option<u16> {
        match &self.state {
            State::Head => None,
            State::Body { status, .. } => Some(*status),
            State::Done(response) => Some(response.status),
        }
    }

    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    pub fn into_response(self) -> Option<Response> {
        match self.state {
            State::Done(response) => Some(response),
            State::Head | State::Body { .. } => None,
        }
    }

    fn advance(&mut self) -> Result<(), ResponseError> {
        loop {
            match &mut self.state {
                State::Head => {
                    let Some(head) = parse_head(&self.buffer)? else {
                        if self.buffer.len() > MAX_HEAD {
                            return Err(ResponseError::HeadTooLarge);
                        }
                        return Ok(());
                    };
                    self.buffer.drain(..head.length);
                    match head.status {
                        // An interim answer (100 Continue, 103 Early Hints): the final one
                        // follows.
                        100 | 102..=199 => {}
                        101 => return Err(ResponseError::SwitchingProtocols),
                        // No body, whatever the head says (RFC 9112, 6.3).
                        204 | 304 => {
                            self.state = State::Done(Response {
                                minor_version: head.minor_version,
                                status: head.status,
                                body: Vec::new(),
                            });
                        }
                        _ => {
                            self.state = State::Body {
                                minor_version: head.minor_version,
                                status: head.status,
                                framing: head.framing,
                                body: Vec::new(),
                            };
                        }
                    }
                }
                State::Body {
                    minor_version,
                    status,
                    framing,
                    body,
                } => {
                    let done = match framing {
                        Framing::Length(left) => {
                            let take = (*left).min(self.buffer.len());
                            body.extend(self.buffer.drain(..take));
                            *left -= take;
                            *left == 0
                        }
                        Framing::UntilClose => {
                            body.append(&mut self.buffer);
                            false
                        }
                        Framing::Chunked(chunk) => dechunk(chunk, &mut self.buffer, body)?,
                    };
                    if done {
                        self.state = State::Done(Response {
                            minor_version: *minor_version,
                            status: *status,
                            body: std::mem::take(body),
                        });
                    }
                    return Ok(());
                }
                State::Done(_) => return Ok(()),
            }
        }
    }
}

struct Head {
    length: usize,
    minor_version: u8,
    status: u16,
    framing: Framing,
}

/// The head at the start of `buffer`, if it is all there.
fn parse_head(buffer: &[u8]) -> Result<Option<Head>, ResponseError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(buffer).map_err(ResponseError::Head)? {
        httparse::Status::Complete(length) => length,
        httparse::Status::Partial => return Ok(None),
    };
    // httparse fills both in a complete parse; a missing one is a parse it did not complete.
    let (Some(minor_version), Some(status)) = (response.version, response.code) else {
        return Err(ResponseError::Head(httparse::Error::Status));
    };
    let mut content_length = None;
    let mut transfer_encoding = None;
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .map(|value| value.trim_matches([' ', '\t']))
                .filter(|value| !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|value| value.parse::<usize>().ok())
                .ok_or(ResponseError::ContentLength)?;
            if content_length.is_some_and(|previous| previous != value) {
                return Err(ResponseError::ContentLength);
            }
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoding = Some(header.value);
        }
    }
    // Transfer-Encoding wins over Content-Length (RFC 9112, 6.3); chunked only if it is the
    // last coding, else the body runs until the close.
    let framing = match (transfer_encoding, content_length) {
        (Some(codings), _) => {
            let last = codings
                .rsplit(|&b| b == b',')
                .next()
                .unwrap_or_default()
                .trim_ascii();
            if last.eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked(Chunk::Size)
            } else {
                Framing::UntilClose
            }
        }
        (None, Some(length)) => Framing::Length(length),
        (None, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        length,
        minor_version,
        status,
        framing,
    }))
}

/// Decodes what it can of a chunked body from `buffer` into `body`; true once the last chunk
/// and the trailer are in.
fn dechunk(
    chunk: &mut Chunk,
    buffer: &mut Vec<u8>,
    body: &mut Vec<u8>,
) -> Result<bool, ResponseError> {
    let mut at = 0;
    let done = loop {
        let rest = &buffer[at..];
        match *chunk {
            Chunk::Size => match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete((length, 0))) => {
                    at += length;
                    *chunk = Chunk::Trailer;
                }
                Ok(httparse::Status::Complete((length, size))) => {
                    at += length;
                    *chunk = Chunk::Data(size);
                }
                Ok(httparse::Status::Partial) => break false,
                Err(httparse::InvalidChunkSize) => return Err(ResponseError::ChunkSize),
            },
            Chunk::Data(left) => {
                if rest.is_empty() {
                    break false;
                }
                let take = usize::try_from(left).map_or(rest.len(), |left| left.min(rest.len()));
                body.extend_from_slice(&rest[..take]);
                at += take;
                // `take` is at most `left`, so this does not wrap.
                let left = left - take as u64;
                *chunk = if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                };
            }
            Chunk::DataEnd => {
                if rest.len() < 2 {
                    break false;
                }
                if &rest[..2] != b"\r\n" {
                    return Err(ResponseError::ChunkEnd);
                }
                at += 2;
                *chunk = Chunk::Size;
            }
            Chunk::Trailer => {
                let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                    if rest.len() > MAX_HEAD {
                        return Err(ResponseError::HeadTooLarge);
                    }
                    break false;
                };
                let line = &rest[..end];
                at += end + 1;
                if line.is_empty() || line == b"\r" {
                    break true;
                }
            }
        }
    };
    buffer.drain(..at);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::{Response, ResponseError, ResponseReader};

    fn read_in_pieces(bytes: &[u8], piece: usize) -> ResponseReader {
        let mut reader = ResponseReader::new();
        for part in bytes.chunks(piece) {
            reader.feed(part).expect("valid so far");
        }
        reader
    }

    fn response(status: u16, body: &[u8]) -> Response {
        Response {
            minor_version: 1,
            status,
            body: body.to_vec(),
        }
    }

    #[test]
    fn content_length_in_any_pieces() {
        let bytes = b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: 26\r\n\r\n{\"error\":\"body_too_large\"}";
        for piece in [1, 2, 7, bytes.len()] {
            let reader = read_in_pieces(bytes, piece);
            assert!(reader.is_complete(), "piece {piece}");
            assert_eq!(
                reader.into_response(),
                Some(response(413, br#"{"error":"body_too_large"}"#))
            );
        }
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n1\r\nd\r\n0\r\nX-T: 1\r\n\r\n";
        for piece in [1, 3, bytes.len()] {
            let reader = read_in_pieces(bytes, piece);
            assert_eq!(
                reader.into_response(),
                Some(response(200, b"abcd")),
                "piece {piece}"
            );
        }
    }

    #[test]
    fn until_close_and_interim_answers() {
        let mut reader = read_in_pieces(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 401 Unauthorized\r\n\r\nno",
            4,
        );
        assert!(!reader.is_complete());
        assert_eq!(reader.status(), Some(401));
        reader.feed(b" way").expect("valid");
        reader.finish().expect("closed after the body");
        assert_eq!(
            reader.into_response(),
            Some(Response {
                minor_version: 0,
                status: 401,
                body: b"no way".to_vec()
            })
        );
    }

    #[test]
    fn no_body_for_204() {
        let reader = read_in_pieces(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n", 5);
        assert_eq!(reader.into_response(), Some(response(204, b"")));
    }

    #[test]
    fn what_is_cut_short_or_invalid() {
        let mut reader = read_in_pieces(b"HTTP/1.1 200 OK\r\nconte", 3);
        assert_eq!(
            reader.finish(),
            Err(ResponseError::HeadCutShort { received: 22 })
        );
        let mut reader = read_in_pieces(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab", 3);
        assert_eq!(reader.finish(), Err(ResponseError::BodyCutShort));
        let mut reader = ResponseReader::new();
        assert!(matches!(
            reader.feed(b"\x16\x03\x01\x00\x05hello"),
            Err(ResponseError::Head(_))
        ));
        let mut reader = ResponseReader::new();
        assert_eq!(
            reader.feed(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"),
            Err(ResponseError::ContentLength)
        );
        let mut reader = ResponseReader::new();
        assert_eq!(
            reader.feed(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"),
            Err(ResponseError::ChunkSize)
        );
    }
}
