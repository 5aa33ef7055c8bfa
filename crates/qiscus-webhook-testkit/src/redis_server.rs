//! A real `redis-server` for tests (feature `redis-server`): started on 127.0.0.1 and a free
//! port, without persistence (`--save '' --appendonly no`), in its own temporary directory;
//! stopped (killed) on drop. A machine without Redis fails the test with [`NOT_FOUND`]: the
//! tests that need Redis never skip.
//!
//! The conformance replay rows use it for their Redis run
//! (`conformance::replay::Store::Redis`, with the `replay` feature too); any test that needs a
//! Redis of its own can start one.
//!
//! ```no_run
//! use qiscus_webhook_testkit::redis_server::RedisServer;
//!
//! let mut server = RedisServer::start();
//! println!("connect to {}", server.url()); // redis://127.0.0.1:PORT
//! assert!(server.command("PING").starts_with("+PONG"));
//! server.stop(); // as a crash: the next command to it fails
//! server.restart(); // the same port, empty
//! ```

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a machine without Redis is told (the tests fail with it; they never skip).
pub const NOT_FOUND: &str =
    "redis-server not found: install it with `apt-get install -y redis-server`";

/// A running (or stopped) `redis-server`; killed, and its directory removed, on drop.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// With [`NOT_FOUND`] when there is no `redis-server`, or if it does not come up.
    pub fn start() -> Self {
        let port = free_port();
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "qiscus-webhook-testkit-redis-{}-{port}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.restart();
        server
    }

    /// The port it listens on (the same across [`restart`](Self::restart)s).
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Whether `redis-server` can be run here (for benchmarks, which may leave Redis out; tests
    /// call [`start`](Self::start) and fail without it).
    #[must_use]
    pub fn available() -> bool {
        Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// `redis://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would: no shutdown handshake) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (stopping it first if it runs), empty, and
    /// waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!("{NOT_FOUND}"),
            Err(error) => panic!("cannot start redis-server: {error}"),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping() {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "redis-server exited at start ({status}) on port {}",
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends one inline command and returns the raw reply (for `INFO`, `FLUSHALL`, `TTL`).
    ///
    /// # Panics
    ///
    /// When the server cannot be reached (it is stopped).
    #[must_use]
    pub fn command(&self, line: &str) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        stream
            .write_all(format!("{line}\r\nQUIT\r\n").as_bytes())
            .expect("write");
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut reply = [0; 7];
        stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on right now (the OS's pick for `127.0.0.1:0`).
///
/// # Panics
///
/// When the OS has no port to give.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}
