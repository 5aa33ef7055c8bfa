//! Over a real socket: `warp::serve` on 127.0.0.1 (port 0), started by each test and shut down
//! gracefully at its end, and the test kit's hand-written HTTP/1.1 client
//! (`qiscus_webhook_testkit::wire`), so that hyper's own framing is in the loop
//! (`Transfer-Encoding: chunked` bodies with no `Content-Length`, a client that hangs up
//! mid-body, repeated headers, raw header bytes).
//!
//! Every case of the table but the lying `Content-Length` ones (`Transfer::DeclaredLength`,
//! in process only: see `wire::can_send`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use qiscus_webhook_testkit::conformance::{
    self, Case, Transfer, Unconfigured, assert_unconfigured,
};
use qiscus_webhook_testkit::wire;
use qiscus_webhook_warp::VerifierHandle;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use warp::{Filter, Rejection};

/// A server for `routes` on an ephemeral port, stopped gracefully by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start<F>(routes: F) -> Self
    where
        F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
        F::Extract: warp::Reply,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = warp::serve(routes).incoming(listener).graceful(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(server.run());
        Self { addr, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).expect("the server is running");
        let stopped = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        stopped
            .expect("the server stops within 5 s")
            .expect("the server task did not panic");
    }
}

async fn run<F>(routes: F, cases: Vec<Case>)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    let server = Server::start(routes).await;
    wire::assert_conformance(server.addr, cases).await;
    server.stop().await;
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413_and_at_the_limit_is_200() {
    let server = Server::start(common::with_verifier(conformance::verifier())).await;
    wire::assert_body_limit(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn every_streamed_case_is_sent_chunked() {
    let streamed: Vec<Case> = conformance::cases()
        .into_iter()
        .filter(|case| matches!(case.transfer, Transfer::Chunked | Transfer::Interrupted))
        .collect();
    assert!(
        streamed.len() >= 8,
        "only {} streamed cases",
        streamed.len()
    );
    run(common::with_verifier(conformance::verifier()), streamed).await;
}

#[tokio::test]
async fn filters_built_from_a_verifier_pass_the_table() {
    run(
        common::with_verifier(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn filters_built_from_a_handle_set_later_pass_the_table() {
    let handle = VerifierHandle::unset();
    let routes = common::with_handle(handle.clone());
    handle.set(conformance::verifier());
    run(routes, conformance::cases()).await;
}

#[tokio::test]
async fn recover_on_each_route_passes_the_table() {
    run(
        common::recovered_per_route(conformance::verifier()),
        conformance::cases(),
    )
    .await;
}

#[tokio::test]
async fn without_a_verifier_answers_500() {
    let server = Server::start(common::with_handle(VerifierHandle::unset())).await;
    assert_unconfigured(Unconfigured::Answers500, async |case| {
        wire::send(server.addr, case).await
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_408_and_closed_within_the_deadline() {
    let deadline = std::time::Duration::from_millis(500);
    let verifier = conformance::verifier().with_body_timeout(deadline);
    let server = Server::start(common::with_verifier(verifier)).await;
    wire::assert_stalled_body_times_out(server.addr, deadline).await;
    server.stop().await;
}
