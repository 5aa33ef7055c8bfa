//! Over a real socket: an `HttpServer` on 127.0.0.1 (port 0), started by the test and stopped
//! at the end, and the test kit's hand-written HTTP/1.1 client (`qiscus_webhook_testkit::wire`),
//! so that actix-web's own HTTP/1 framing is in the loop (`Transfer-Encoding: chunked` bodies
//! with no `Content-Length`, a client that hangs up mid-body, repeated headers, raw header
//! bytes).
//!
//! Every case of the table but the lying `Content-Length` ones (`Transfer::DeclaredLength`,
//! in process only: see `wire::can_send`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use common::Setup;
use qiscus_webhook_testkit::conformance::{self, Case, unconfigured_cases};
use qiscus_webhook_testkit::wire;

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

async fn run<F>(configure: F, cases: Vec<Case>)
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = Server::start(configure);
    wire::assert_conformance(server.addr, cases).await;
    server.stop().await;
}

#[actix_web::test]
async fn chunked_body_over_the_limit_is_413_and_at_the_limit_is_200() {
    for setup in [Setup::Config, Setup::Middleware] {
        eprintln!("setup: {setup:?}"); // shown with a failure
        let server = Server::start(setup.configure(Some(conformance::verifier())));
        wire::assert_body_limit(server.addr).await;
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

#[actix_web::test]
async fn a_stalled_body_is_408_and_closed_within_the_deadline() {
    let deadline = std::time::Duration::from_millis(500);
    for setup in [Setup::Config, Setup::Middleware] {
        eprintln!("setup: {setup:?}"); // shown with a failure
        let verifier = conformance::verifier().with_body_timeout(deadline);
        let server = Server::start(setup.configure(Some(verifier)));
        wire::assert_stalled_body_times_out(server.addr, deadline).await;
        server.stop().await;
    }
}

/// actix-web reads a *dropped* chunked payload to its end before it closes or answers again:
/// a refused upload must not be. An 8 MiB chunked upload over the 4 KiB limit is answered 413
/// and the server closes the connection (after at most its 1 s `client_disconnect_timeout`),
/// instead of reading all 8 MiB and keeping the connection alive (5 s `keep_alive`).
#[actix_web::test]
async fn a_refused_chunked_upload_is_closed_not_drained() {
    use qiscus_webhook_testkit::SignedRequest;

    let upload = SignedRequest::new(conformance::TOKEN, vec![b' '; 8 * 1024 * 1024]);
    for setup in [Setup::Config, Setup::Middleware] {
        eprintln!("setup: {setup:?}"); // shown with a failure
        let server = Server::start(setup.configure(Some(conformance::verifier())));
        for path in ["/webhook", "/events"] {
            let spec = upload.to_spec(path).chunked(64 * 1024);
            let linger = Duration::from_secs(3);
            let (reply, closed) =
                wire::exchange_then_closed(server.addr, &spec, Duration::from_secs(10), linger)
                    .await
                    .unwrap_or_else(|error| panic!("{path}: {error}"));
            assert_eq!(reply.status, 413, "{path}");
            assert!(closed, "{path}: still open {linger:?} after the 413");
        }
        server.stop().await;
    }
}
