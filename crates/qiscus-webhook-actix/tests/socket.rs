//! Over a real socket: an `HttpServer` on 127.0.0.1 (port 0), started by the test and stopped
//! at the end, and a hand-written HTTP/1.1 client, so that actix-web's own HTTP/1 framing is in
//! the loop (`Transfer-Encoding: chunked` bodies with no `Content-Length`, a client that hangs
//! up mid-body, repeated headers, raw header bytes).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use common::Setup;
use qiscus_webhook_testkit::conformance::{
    self, BODY_LIMIT, Case, Reply, Transfer, assert_conformance, unconfigured_cases,
};
use qiscus_webhook_testkit::raw_receipt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An `HttpServer` (one worker, no signal handling) on an ephemeral port, stopped gracefully
/// by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
    task: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    fn start<F>(configure: F) -> Self
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let server = HttpServer::new(move || App::new().configure(configure.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        let task = actix_web::rt::spawn(server);
        Self { addr, handle, task }
    }

    async fn stop(self) {
        let stopped = tokio::time::timeout(Duration::from_secs(5), async {
            self.handle.stop(true).await;
            self.task.await
        })
        .await;
        stopped
            .expect("the server stops within 5 s")
            .expect("the server task did not panic")
            .expect("the server ran without I/O error");
    }
}

/// The case as HTTP/1.1 bytes: headers as given, then the body with `Content-Length`, or in
/// chunks (and, for an interrupted body, a chunk cut short before the client hangs up).
fn http_request(case: &Case, addr: SocketAddr) -> Vec<u8> {
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
/// number of bytes and take the rest as the next request. Those cases run in process
/// (tests/conformance.rs).
fn over_socket(case: &Case) -> bool {
    !matches!(case.transfer, Transfer::DeclaredLength(_))
}

/// Sends the case on a new connection, half-closes it, and reads the whole response.
async fn send(addr: SocketAddr, case: &Case) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&http_request(case, addr)).await?;
        stream.shutdown().await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(5), exchange)
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
            "transfer-encoding" => return None, // the receivers' responses all have a length
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

async fn run<F>(configure: F, cases: Vec<Case>)
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = Server::start(configure);
    let addr = server.addr;
    let cases = cases.into_iter().filter(over_socket);
    assert_conformance(cases, async |case| send(addr, case).await).await;
    server.stop().await;
}

fn case(name: &str) -> Case {
    conformance::cases()
        .into_iter()
        .find(|case| case.name == name)
        .expect("the case exists")
}

#[actix_web::test]
async fn chunked_body_over_the_limit_is_413_and_at_the_limit_is_200() {
    let at_limit = case("webhook/at_limit_chunked");
    let over_limit = case("webhook/over_limit_chunked");
    assert_eq!(
        (at_limit.body.len(), at_limit.transfer),
        (BODY_LIMIT, Transfer::Chunked)
    );
    assert_eq!(
        (over_limit.body.len(), over_limit.transfer),
        (BODY_LIMIT + 1, Transfer::Chunked)
    );
    for setup in [Setup::Config, Setup::Middleware] {
        let server = Server::start(setup.configure(Some(conformance::verifier())));

        let reply = send(server.addr, &at_limit).await;
        assert_eq!(reply.status, 200, "{setup:?}");
        let receipt: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
        assert_eq!(receipt, raw_receipt(&at_limit.body), "{setup:?}");

        let reply = send(server.addr, &over_limit).await;
        assert_eq!(reply.status, 413, "{setup:?}");
        assert_eq!(reply.body, br#"{"error":"body_too_large"}"#, "{setup:?}");
        server.stop().await;
    }
}

#[actix_web::test]
async fn every_setup_passes_the_table() {
    for setup in Setup::ALL {
        eprintln!("setup: {setup:?}"); // shown with a failure
        run(
            setup.configure(Some(conformance::verifier())),
            conformance::cases(),
        )
        .await;
    }
}

#[actix_web::test]
async fn without_a_configuration_answers_500() {
    run(Setup::Config.configure(None), unconfigured_cases()).await;
    run(
        Setup::MiddlewareFromAppData.configure(None),
        unconfigured_cases(),
    )
    .await;
}
