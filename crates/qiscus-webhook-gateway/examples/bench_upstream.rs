//! The upstream of `cargo xtask bench gateway`: the smallest useful backend, answering every
//! request `200 {}` (`application/json`) once it has read the body. The same server sits
//! behind the gateway, behind nginx, and alone, so that what differs is the proxy.
//!
//! ```sh
//! cargo run --release -p qiscus-webhook-gateway --example bench_upstream -- 127.0.0.1:3000
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::serve::ListenerExt;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {addr}: {error}"));
    // Reads the whole body (as a real backend does), answers `{}`.
    let app = Router::new()
        .fallback(|_body: Bytes| async { ([(CONTENT_TYPE, "application/json")], "{}") });
    println!(
        "listening on http://{}",
        listener.local_addr().expect("bound")
    );
    // As the gateway's listener: no Nagle delay.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("serve");
}
