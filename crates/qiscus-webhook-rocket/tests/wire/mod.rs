//! Over a real socket: a Rocket launched on 127.0.0.1 (port 0) and shut down through its
//! `Shutdown` handle, and a hand-written HTTP/1.1 client, so that hyper's own framing is in
//! the loop (`Transfer-Encoding: chunked` bodies with no `Content-Length`, a client that hangs
//! up mid-body, repeated headers, raw header bytes).
//!
//! Shared with the rocket receiver example's tests (examples/tests/rocket.rs), which include
//! this file by path; it uses Rocket's own tokio, so it needs no tokio features of its own.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use qiscus_webhook_testkit::conformance::{Case, Reply, Transfer};
use rocket::config::{LogLevel, Shutdown as ShutdownConfig};
use rocket::fairing::AdHoc;
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use rocket::tokio::sync::oneshot;
use rocket::{Build, Config, Ignite, Rocket, Shutdown};

/// A launched Rocket; [`Server::stop`] shuts it down and waits for `launch` to return.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Shutdown,
    task: rocket::tokio::task::JoinHandle<Result<Rocket<Ignite>, rocket::Error>>,
}

impl Server {
    /// Launches `rocket` on an ephemeral port of 127.0.0.1, silent, without signal handlers
    /// (the test stops it), and waits until it listens.
    pub async fn start(rocket: Rocket<Build>) -> Self {
        let config = Config {
            address: Ipv4Addr::LOCALHOST.into(),
            port: 0,
            log_level: LogLevel::Off,
            shutdown: ShutdownConfig {
                ctrlc: false,
                #[cfg(unix)]
                signals: Default::default(),
                grace: 1,
                mercy: 1,
                ..ShutdownConfig::default()
            },
            ..Config::debug_default()
        };
        let (port_tx, port_rx) = oneshot::channel();
        let rocket = rocket
            .configure(config)
            .attach(AdHoc::on_liftoff("bound port", move |rocket| {
                Box::pin(async move {
                    let _ = port_tx.send(rocket.config().port);
                })
            }))
            .ignite()
            .await
            .expect("the rocket ignites");
        let shutdown = rocket.shutdown();
        let task = rocket::tokio::spawn(rocket.launch());
        let port = rocket::tokio::time::timeout(Duration::from_secs(5), port_rx)
            .await
            .expect("liftoff within 5 s")
            .expect("liftoff reports the port");
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            shutdown,
            task,
        }
    }

    /// Requests a graceful shutdown and waits for `launch` to return successfully.
    pub async fn stop(self) {
        self.shutdown.notify();
        let stopped = rocket::tokio::time::timeout(Duration::from_secs(10), self.task).await;
        let launched = stopped
            .expect("the server stops within 10 s")
            .expect("the server task did not panic");
        if let Err(error) = launched {
            panic!("the server failed: {error}");
        }
    }
}

/// The case as HTTP/1.1 bytes: headers as given, then the body with `Content-Length`, or in
/// chunks (and, for an interrupted body, a chunk cut short before the client hangs up).
pub fn http_request(case: &Case, addr: SocketAddr) -> Vec<u8> {
    let mut request = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n",
        case.path()
    )
    .into_bytes();
    for (name, value) in &case.headers {
        request.extend_from_slice(name);
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    match case.transfer {
        Transfer::ContentLength => {
            request.extend_from_slice(
                format!("content-length: {}\r\n\r\n", case.body.len()).as_bytes(),
            );
            request.extend_from_slice(&case.body);
        }
        Transfer::Chunked | Transfer::Interrupted => {
            request.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
            for chunk in case.chunks() {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            if case.transfer == Transfer::Interrupted {
                // A chunk announced but never sent: the client hangs up.
                request.extend_from_slice(b"400\r\nonly a few bytes");
            } else {
                request.extend_from_slice(b"0\r\n\r\n");
            }
        }
        Transfer::DeclaredLength(_) => unreachable!("not sent over a socket: see `over_socket`"),
    }
    request
}

/// A lying `Content-Length` cannot be sent over a socket: the server would read the declared
/// number of bytes and take the rest as the next request.
pub fn over_socket(case: &Case) -> bool {
    !matches!(case.transfer, Transfer::DeclaredLength(_))
}

/// Sends the case on a new connection and reads the whole response (`connection: close`: the
/// server closes it once it answered).
///
/// An interrupted body is followed by a half-close, the client hanging up mid-chunk. A whole
/// request is not: Rocket serves HTTP/1 without half-close support, so hyper drops, unanswered,
/// a connection whose client shuts down its write side after a complete request.
pub async fn send(addr: SocketAddr, case: &Case) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&http_request(case, addr)).await?;
        if case.transfer == Transfer::Interrupted {
            stream.shutdown().await?;
        }
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = rocket::tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .unwrap_or_else(|_| panic!("{}: no response within 5 s", case.name))
        .unwrap_or_else(|error| panic!("{}: {error}", case.name));
    parse_response(&response).unwrap_or_else(|| {
        panic!(
            "{}: not an HTTP response: {:?}",
            case.name,
            String::from_utf8_lossy(&response)
        )
    })
}

/// Status, `content-type` and body (by `content-length`) of an HTTP/1.1 response.
fn parse_response(response: &[u8]) -> Option<Reply> {
    let end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&response[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut content_type = None;
    let mut content_length = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.trim().to_owned()),
            "content-length" => content_length = Some(value.trim().parse::<usize>().ok()?),
            "transfer-encoding" => return None, // Rocket sends sized bodies with a length
            _ => {}
        }
    }
    let body = &response[end + 4..];
    let body = body.get(..content_length?)?.to_vec();
    Some(Reply {
        status,
        content_type,
        body,
    })
}
