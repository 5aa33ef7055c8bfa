//! A Rocket launched on 127.0.0.1 (port 0) and shut down through its `Shutdown` handle, for the
//! tests over a real socket (the requests go through `qiscus_webhook_testkit::wire`).
//!
//! Shared with the rocket receiver example's tests (examples/tests/rocket.rs), which include
//! this file by path; it uses Rocket's own tokio, so it needs no tokio features of its own.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rocket::config::{LogLevel, Shutdown as ShutdownConfig};
use rocket::fairing::AdHoc;
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
