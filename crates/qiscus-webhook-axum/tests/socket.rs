//! Over a real socket: a server on 127.0.0.1 (port 0) and the test kit's hand-written HTTP/1.1
//! client (`qiscus_webhook_testkit::wire`), so that hyper's own framing is in the loop
//! (`Transfer-Encoding: chunked` bodies with no `Content-Length`, a client that hangs up
//! mid-body, repeated headers, raw header bytes).
//!
//! Every case of the table but the lying `Content-Length` ones (`Transfer::DeclaredLength`,
//! in process only: see `wire::can_send`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use qiscus_webhook_testkit::conformance::{self, Case};
use qiscus_webhook_testkit::wire;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server for `app` on an ephemeral port; stopped (gracefully) by dropping the guard's
/// sender, and awaited by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(app: Router) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(serve.into_future());
        Self { addr, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).expect("the server is running");
        let stopped = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        stopped
            .expect("the server stops within 5 s")
            .expect("the server task did not panic")
            .expect("the server ran without I/O error");
    }
}

async fn run(app: Router, cases: Vec<Case>) {
    let server = Server::start(app).await;
    wire::assert_conformance(server.addr, cases).await;
    server.stop().await;
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413_and_at_the_limit_is_200() {
    let server = Server::start(common::with_verifier_state(conformance::verifier())).await;
    wire::assert_body_limit(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn extractors_pass_the_table() {
    run(
        common::with_verifier_state(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn extractors_in_app_state_pass_the_table() {
    run(
        common::with_app_state(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn layer_passes_the_table() {
    run(
        common::with_layer(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn a_stalled_body_is_408_and_closed_within_the_deadline() {
    let deadline = Duration::from_millis(500);
    for app in [
        common::with_verifier_state(conformance::verifier().with_body_timeout(deadline)),
        common::with_layer(conformance::verifier().with_body_timeout(deadline)),
    ] {
        let server = Server::start(app).await;
        wire::assert_stalled_body_times_out(server.addr, deadline).await;
        server.stop().await;
    }
}
