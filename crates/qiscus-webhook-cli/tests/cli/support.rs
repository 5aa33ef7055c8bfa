//! Shared helpers: the command, known signatures, temporary files, a one-shot HTTP receiver.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use qiscus_webhook::{Token, Verifier};

/// A distinctive token, so that a leak is easy to spot in any output.
pub const TOKEN: &str = "tok-3xQ9-never-print-me";
/// A second token, for rotation.
pub const OLD_TOKEN: &str = "tok-old-7Kp2-never-print-me";

/// RFC 4231, test case 2.
pub const RFC4231_KEY: &str = "Jefe";
pub const RFC4231_DATA: &[u8] = b"what do ya want for nothing?";
pub const RFC4231_MAC: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

/// The binary, with no token, proxy nor log filter inherited from the environment.
pub fn qiscus_webhook() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qiscus-webhook"));
    for var in [
        "RUST_LOG",
        "QISCUS_WEBHOOK_TOKEN",
        "QISCUS_WEBHOOK_PREVIOUS_TOKEN",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(var);
    }
    command
}

/// The signature of `body` under `token`, by the core library.
pub fn sign(token: &str, body: &[u8]) -> String {
    let token = Token::new(token).expect("test tokens are not empty");
    Verifier::new(token).sign(body).to_string()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts that stderr is exactly one `error: ...` line.
pub fn assert_one_error_line(output: &Output) {
    let stderr = stderr(output);
    assert!(stderr.starts_with("error: "), "stderr: {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr:?}");
}

/// Asserts that no secret appears in stdout or stderr.
pub fn assert_no_leak(output: &Output, secrets: &[&str]) {
    let all = [stdout(output), stderr(output)].concat();
    for secret in secrets {
        assert!(!all.contains(secret), "{secret:?} leaked in {all:?}");
    }
}

/// A file in the temporary directory, removed on drop.
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    pub fn new(contents: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "qiscus-webhook-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, contents).expect("temporary directory is writable");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What the receiver saw.
#[derive(Debug)]
pub struct Recorded {
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// Every value of the header `name` (matched case-insensitively).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// A one-shot HTTP/1.1 server on 127.0.0.1, port chosen by the system: it reads one request,
/// records it, answers with the given status and a small JSON body, and stops.
pub struct Receiver {
    pub url: String,
    handle: JoinHandle<Recorded>,
}

/// How long the receiver waits for the CLI before giving up (so a failing test cannot hang).
const PATIENCE: Duration = Duration::from_secs(20);

impl Receiver {
    pub fn start(status_line: &'static str, body: &'static str) -> Self {
        Self::serve(move |stream| serve_one(stream, status_line, body))
    }

    /// Waits for the request to have been served, and returns it.
    pub fn recorded(self) -> Recorded {
        self.handle
            .join()
            .expect("the receiver thread did not panic")
    }
}

pub fn accept_one(listener: &TcpListener) -> TcpStream {
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let deadline = Instant::now() + PATIENCE;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking stream");
                stream.set_nodelay(true).expect("TCP_NODELAY");
                stream
                    .set_read_timeout(Some(PATIENCE))
                    .expect("read timeout");
                return stream;
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no request came in");
                thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("accept failed: {error}"),
        }
    }
}

/// The request line and header fields, up to the empty line.
pub fn read_head(reader: &mut impl BufRead) -> Recorded {
    let request_line = read_line(reader);
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line has a colon");
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Recorded {
        request_line,
        headers,
        body: Vec::new(),
    }
}

/// The response the receivers write: the status, a JSON content type, the body.
pub fn response(status_line: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status_line}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

impl Receiver {
    /// Like [`Receiver::start`], but it answers as soon as the head is in and closes the
    /// connection without reading the body, as a receiver that refuses from the head does
    /// (the unread body makes the close a reset). `recorded().body` stays empty.
    pub fn early(status_line: &'static str, body: &'static str) -> Self {
        Self::serve(move |stream| {
            let mut reader = BufReader::new(stream);
            let recorded = read_head(&mut reader);
            let mut stream = reader.into_inner();
            stream
                .write_all(response(status_line, body).as_bytes())
                .expect("write the response");
            recorded
        })
    }

    /// Accepts one connection, reads what comes first (at most 4 KiB), writes `answer` as it
    /// is and closes: a plain http server to try https on, or a broken one.
    pub fn raw(answer: &'static [u8]) -> Self {
        Self::serve(move |mut stream| {
            let mut first = vec![0; 4096];
            let read = stream.read(&mut first).expect("the client writes first");
            first.truncate(read);
            stream.write_all(answer).expect("write the answer");
            Recorded {
                request_line: String::new(),
                headers: Vec::new(),
                body: first,
            }
        })
    }

    /// Accepts one connection, reads everything until the client hangs up, never answers.
    pub fn silent() -> Self {
        Self::serve(|mut stream| {
            let mut all = Vec::new();
            // A read timeout (PATIENCE) or a reset ends it too.
            let _ = stream.read_to_end(&mut all);
            Recorded {
                request_line: String::new(),
                headers: Vec::new(),
                body: all,
            }
        })
    }

    /// Serves one connection on 127.0.0.1 with `serve` on a thread of its own.
    ///
    /// The connection has TCP_NODELAY: what the server writes goes out at once. Without it, a
    /// small answer written while earlier bytes (TLS session tickets, say) are unacknowledged
    /// waits (Nagle), and a close with the body unread (a reset) then discards it: nothing to
    /// read for any client.
    pub fn serve(serve: impl FnOnce(TcpStream) -> Recorded + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!(
            "http://{}/webhook",
            listener.local_addr().expect("bound address")
        );
        let handle = thread::spawn(move || serve(accept_one(&listener)));
        Self { url, handle }
    }
}

fn serve_one(stream: TcpStream, status_line: &str, body: &str) -> Recorded {
    let mut reader = BufReader::new(&stream);
    let mut recorded = read_head(&mut reader);
    let chunked = recorded
        .header("transfer-encoding")
        .iter()
        .any(|value| value.eq_ignore_ascii_case("chunked"));
    recorded.body = if chunked {
        read_chunked(&mut reader)
    } else {
        let length = recorded
            .header("content-length")
            .first()
            .map_or(0, |value| value.parse().expect("a numeric Content-Length"));
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("the whole body");
        body
    };

    let response = response(status_line, body);
    let mut stream = &stream;
    stream
        .write_all(response.as_bytes())
        .expect("write the response");
    stream.flush().expect("flush the response");
    recorded
}

pub fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a request line");
    assert!(line.ends_with("\r\n"), "line not ended by CRLF: {line:?}");
    line.truncate(line.len() - 2);
    line
}

fn read_chunked(reader: &mut impl BufRead) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let size_line = read_line(reader);
        let size = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).expect("a hex chunk size");
        if size == 0 {
            // Trailer fields, up to the empty line.
            while !read_line(reader).is_empty() {}
            return body;
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .expect("a whole chunk");
        assert!(read_line(reader).is_empty(), "a chunk ends with CRLF");
    }
}
