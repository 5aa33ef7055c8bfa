//! [`run`]: both listeners, then the drain on shutdown.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::{Gateway, Settings, StartError};

/// How long the admin listener stays up after the webhook listener stopped (so that a last
/// `/metrics` scrape or `/readyz` probe still gets an answer).
const ADMIN_LINGER: Duration = Duration::from_millis(100);

/// Serves `settings` until `shutdown` completes, then drains: `/readyz` answers 503, the
/// webhook listener stops accepting connections, requests in flight (and their forwarding)
/// finish within the drain timeout, and it returns `Ok` (requests still running after the
/// drain timeout are cut, with a warning).
///
/// Logs one JSON line on stderr once both listeners are bound:
/// `{"message":"listening","listen":"127.0.0.1:8080","admin":"127.0.0.1:9090",...}` (with
/// port 0, the ports the system chose).
///
/// # Errors
///
/// A [`StartError`]: Redis unreachable at start, a listener that cannot bind.
pub async fn run(settings: Settings, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
    let gateway = Gateway::new(&settings).await?;
    let bind = |flag, addr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|error| StartError::Bind { flag, addr, error })
    };
    let listener = bind("--listen", settings.listen).await?;
    let admin = bind("--admin-listen", settings.admin_listen).await?;
    let local = |listener: &TcpListener| {
        listener
            .local_addr()
            .map_or_else(|_| "?".to_owned(), |addr| addr.to_string())
    };
    tracing::info!(
        target: "qiscus_webhook_gateway",
        listen = %local(&listener),
        admin = %local(&admin),
        upstream = %settings.upstream,
        tokens = settings.verifier.token_count(),
        "listening"
    );

    let (stop, stopped) = watch::channel(false);
    let (stop_admin, admin_stopped) = watch::channel(false);
    let until = |mut receiver: watch::Receiver<bool>| async move {
        let _ = receiver.wait_for(|stop| *stop).await;
    };
    // Small requests and answers: no Nagle delay on the webhook connections.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let mut webhooks = tokio::spawn(
        axum::serve(listener, gateway.router())
            .with_graceful_shutdown(until(stopped))
            .into_future(),
    );
    let admin_server = tokio::spawn(
        axum::serve(admin, gateway.admin_router())
            .with_graceful_shutdown(until(admin_stopped))
            .into_future(),
    );

    tokio::select! {
        () = shutdown => {}
        // `axum::serve` does not end by itself; if it ever does, drain what is left.
        _ = &mut webhooks => {}
    }
    gateway.start_draining();
    tracing::info!(
        target: "qiscus_webhook_gateway",
        in_flight = gateway.forwarding(),
        "draining: /readyz answers 503, no new connections"
    );
    let _ = stop.send(true);
    let drain = async {
        if !webhooks.is_finished() {
            let _ = (&mut webhooks).await;
        }
        gateway.forwarding_done().await;
    };
    if tokio::time::timeout(settings.drain_timeout, drain)
        .await
        .is_err()
    {
        webhooks.abort();
        tracing::warn!(
            target: "qiscus_webhook_gateway",
            in_flight = gateway.forwarding(),
            drain_timeout_s = settings.drain_timeout.as_secs(),
            "the drain timeout passed: requests still in flight were cut"
        );
    }
    tokio::time::sleep(ADMIN_LINGER).await;
    let _ = stop_admin.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(1), admin_server).await;
    tracing::info!(target: "qiscus_webhook_gateway", "stopped");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C (SIGINT). A signal whose handler cannot be installed is
/// not waited for.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
