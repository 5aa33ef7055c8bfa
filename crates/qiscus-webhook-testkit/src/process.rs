//! A receiver example's binary, run as a user runs it (feature `process`): started on a free
//! port of 127.0.0.1, its one listening line awaited, stopped with SIGTERM, killed if dropped
//! before.
//!
//! The receiver examples of this workspace (`docs/DESIGN.md`, "The receiver examples") read
//! `BIND`, print exactly one line on stdout once listening, `listening on http://ADDR`, and
//! stop cleanly on SIGTERM. The examples' tests and `cargo xtask demo` start them through
//! [`Example::start`], and talk to them with `wire::exchange` (feature `socket`).
//!
//! ```no_run
//! use std::process::Command;
//! use qiscus_webhook_testkit::process::Example;
//!
//! # fn run() -> std::io::Result<()> {
//! let mut command = Command::new("target/debug/examples/axum");
//! command.env("QISCUS_WEBHOOK_TOKEN", "a-test-token");
//! let example = Example::start(command)?;
//! println!("up at {}", example.addr());
//! let exited = example.terminate()?;
//! assert!(exited.status.success() && exited.stdout.is_empty());
//! # Ok(())
//! # }
//! ```

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long [`Example::start`] waits for the listening line.
pub const STARTUP: Duration = Duration::from_secs(30);
/// How long [`Example::terminate`] waits for the exit after SIGTERM.
pub const SHUTDOWN: Duration = Duration::from_secs(10);

/// The start of the one line a receiver example prints once listening.
pub const LISTENING: &str = "listening on http://";

/// A running receiver example; killed (and reaped) when dropped.
#[derive(Debug)]
pub struct Example {
    child: Child,
    addr: SocketAddr,
    line: String,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

/// How an example ended after [`Example::terminate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exited {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it printed on stdout after the listening line (lossy UTF-8).
    pub stdout: String,
    /// What it printed on stderr (lossy UTF-8).
    pub stderr: String,
}

impl Example {
    /// Starts `command` with `BIND=127.0.0.1:0` (the OS picks a free port), stdout and stderr
    /// piped, and waits (at most [`STARTUP`]) for its first line on stdout,
    /// `listening on http://ADDR`: the address it listens on. Both pipes are drained from
    /// then on, so the example never blocks on a full one.
    ///
    /// # Errors
    ///
    /// The spawn error; [`io::ErrorKind::UnexpectedEof`] when it exits (or closes stdout)
    /// before the line, with its status and stderr; [`io::ErrorKind::InvalidData`] when the
    /// first line is not a listening line; [`io::ErrorKind::TimedOut`] after [`STARTUP`].
    /// The child is killed in each case.
    pub fn start(mut command: Command) -> io::Result<Self> {
        let mut child = command
            .env("BIND", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().map(BufReader::new);
        let stderr = child.stderr.take();
        let (first, first_line) = mpsc::channel();
        let stdout = stdout.map(|mut stdout| {
            thread::spawn(move || {
                let mut line = String::new();
                if stdout.read_line(&mut line).is_ok_and(|read| read > 0) {
                    let _ = first.send(line);
                }
                drop(first);
                read_all(stdout)
            })
        });
        let mut example = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            line: String::new(),
            stdout,
            stderr: stderr.map(|stderr| thread::spawn(move || read_all(stderr))),
        };
        let line = match first_line.recv_timeout(STARTUP) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no listening line within {STARTUP:?}"),
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = example.child.kill();
                let status = example.child.wait()?;
                let stderr = example.stderr.take().map(join).unwrap_or_default();
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("exited before listening ({status}); stderr: {stderr:?}"),
                ));
            }
        };
        example.line = line.trim_end().to_owned();
        example.addr = example
            .line
            .strip_prefix(LISTENING)
            .and_then(|addr| addr.trim_end_matches('/').parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not a listening line: {:?}", example.line),
                )
            })?;
        Ok(example)
    }

    /// The address it listens on.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id (to read its `/proc/PID/status`, say).
    #[must_use]
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Its first line on stdout, without the line ending: `listening on http://ADDR`.
    #[must_use]
    pub fn listening_line(&self) -> &str {
        &self.line
    }

    /// Sends it SIGTERM (with `kill -TERM`) and waits, at most [`SHUTDOWN`], for it to exit;
    /// then what it printed.
    ///
    /// # Errors
    ///
    /// When `kill` cannot run or fails; [`io::ErrorKind::TimedOut`] when it has not exited
    /// after [`SHUTDOWN`] (it is then killed).
    pub fn terminate(mut self) -> io::Result<Exited> {
        let killed = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()?;
        if !killed.success() {
            return Err(io::Error::other(format!("kill -TERM: {killed}")));
        }
        let deadline = Instant::now() + SHUTDOWN;
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("still running {SHUTDOWN:?} after SIGTERM"),
                ));
            }
            thread::sleep(Duration::from_millis(20));
        };
        Ok(Exited {
            status,
            stdout: self.stdout.take().map(join).unwrap_or_default(),
            stderr: self.stderr.take().map(join).unwrap_or_default(),
        })
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        // Already reaped after `terminate`: then both fail harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything `reader` yields until its end, lossy UTF-8 (a read error ends it too).
fn read_all(mut reader: impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = reader.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A drain thread's text (empty if it panicked, which `read_all` does not).
fn join(thread: JoinHandle<String>) -> String {
    thread.join().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shell standing in for an example: prints `first`, then what `then` does.
    fn shell(first: &str, then: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(format!("echo \"{first}\"; {then}"));
        command
    }

    #[test]
    fn the_listening_line_gives_the_address_and_sigterm_stops_it() {
        let example = Example::start(shell(
            "listening on http://127.0.0.1:4242",
            // Waits for SIGTERM in a loop, then prints to stderr and exits 0.
            "trap 'echo bye >&2; exit 0' TERM; while :; do sleep 0.05; done",
        ))
        .unwrap();
        assert_eq!(example.addr(), "127.0.0.1:4242".parse().unwrap());
        assert_eq!(
            example.listening_line(),
            "listening on http://127.0.0.1:4242"
        );
        let exited = example.terminate().unwrap();
        assert!(exited.status.success(), "{exited:?}");
        assert_eq!(
            (exited.stdout.as_str(), exited.stderr.as_str()),
            ("", "bye\n")
        );
    }

    #[test]
    fn bind_is_set_to_a_free_port() {
        let example = Example::start(shell("listening on http://$BIND", "exec sleep 5")).unwrap();
        assert_eq!(example.addr(), "127.0.0.1:0".parse().unwrap());
    }

    #[test]
    fn an_exit_before_listening_is_an_error_with_stderr() {
        let error = Example::start(shell("", "echo 'error: QISCUS_WEBHOOK_TOKEN' >&2; exit 2"))
            .map(drop)
            .unwrap_err();
        // `echo ""` prints an empty line: not a listening line.
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");

        let mut silent = Command::new("sh");
        silent.args(["-c", "echo 'error: QISCUS_WEBHOOK_TOKEN' >&2; exit 2"]);
        let error = Example::start(silent).map(drop).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{error}");
        let message = error.to_string();
        assert!(
            message.contains("QISCUS_WEBHOOK_TOKEN") && message.contains('2'),
            "{message}"
        );
    }

    #[test]
    fn dropping_it_kills_it() {
        let example =
            Example::start(shell("listening on http://127.0.0.1:1", "exec sleep 30")).unwrap();
        let pid = example.child.id().to_string();
        drop(example);
        let alive = Command::new("kill").args(["-0", &pid]).status().unwrap();
        assert!(!alive.success(), "pid {pid} still runs");
    }
}
