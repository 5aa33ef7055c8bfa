//! What the gateway's tests share: the real binary on free ports of 127.0.0.1, a real
//! upstream that records what it receives and answers as told, a plain HTTP/1.1 client that
//! shows every response header, and (from the replay crate's tests) a real `redis-server`.

#![allow(dead_code)] // each test file uses its own part

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use qiscus_webhook_testkit::conformance::{PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_testkit::{event_reply, raw_receipt};
use serde_json::Value;
use tokio::sync::Notify;

pub use qiscus_webhook_testkit::redis_server;

/// The gateway binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_qiscus-webhook-gateway");

/// How long the gateway may take to start or stop.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running gateway; killed when dropped.
pub struct Gateway {
    child: Child,
    /// The webhook listener.
    pub addr: SocketAddr,
    /// The admin listener.
    pub admin: SocketAddr,
    stdout: Option<JoinHandle<Vec<String>>>,
    stderr: Option<JoinHandle<Vec<String>>>,
    stdout_lines: Arc<Mutex<Vec<String>>>,
}

/// How a gateway ended.
#[derive(Debug)]
pub struct Exited {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

/// The environment every test gateway starts with (then the test's own variables): the
/// conformance tokens, both listeners on port 0.
pub fn base_env(upstream: &str) -> Vec<(String, String)> {
    [
        ("QISCUS_GATEWAY_UPSTREAM", upstream),
        ("QISCUS_GATEWAY_LISTEN", "127.0.0.1:0"),
        ("QISCUS_GATEWAY_ADMIN_LISTEN", "127.0.0.1:0"),
        ("QISCUS_WEBHOOK_TOKEN", TOKEN),
        ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", PREVIOUS_TOKEN),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

/// The binary with exactly `env` (nothing inherited) and `args`.
pub fn command(env: &[(String, String)], args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear().args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

impl Gateway {
    /// Starts the gateway in front of `upstream` with the [`base_env`] and `extra` variables,
    /// and waits for its `listening` line on stderr.
    pub fn start(upstream: &str, extra: &[(&str, &str)]) -> Self {
        let mut env = base_env(upstream);
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).to_owned(), (*value).to_owned()));
        }
        Self::spawn(command(&env, &[]))
    }

    /// Starts `command` (the binary, configured) and waits for its `listening` line.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gateway binary starts");
        let stdout_lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().map(|stdout| {
            let lines = Arc::clone(&stdout_lines);
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
                lines.lock().unwrap().clone()
            })
        });
        let (listening, first) = mpsc::channel();
        let stderr = child.stderr.take().map(|stderr| {
            thread::spawn(move || {
                let mut all = Vec::new();
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(json) = serde_json::from_str::<Value>(&line)
                        && json["message"] == "listening"
                    {
                        let _ = listening.send(json);
                    }
                    all.push(line);
                }
                all
            })
        });
        let mut gateway = Self {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            admin: "127.0.0.1:0".parse().unwrap(),
            stdout,
            stderr,
            stdout_lines,
        };
        match first.recv_timeout(PATIENCE) {
            Ok(line) => {
                gateway.addr = line["listen"].as_str().unwrap().parse().unwrap();
                gateway.admin = line["admin"].as_str().unwrap().parse().unwrap();
                gateway
            }
            Err(_) => {
                let _ = gateway.child.kill();
                let status = gateway.child.wait().unwrap();
                let stderr = gateway.stderr.take().unwrap().join().unwrap();
                panic!("the gateway did not start ({status}): {stderr:#?}");
            }
        }
    }

    /// The stdout lines so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout_lines.lock().unwrap().clone()
    }

    /// Waits until stdout has `count` lines (the access line of a request is written after
    /// its answer is sent), at most 5 s.
    pub fn wait_for_stdout_lines(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let lines = self.stdout_lines();
            if lines.len() >= count || Instant::now() > deadline {
                return lines;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM: {status}");
    }

    /// Waits (at most 20 s) for the exit, then what it printed.
    pub fn wait(mut self) -> Exited {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the gateway did not exit");
            thread::sleep(Duration::from_millis(10));
        };
        Exited {
            status,
            stdout: self.stdout.take().unwrap().join().unwrap(),
            stderr: self.stderr.take().unwrap().join().unwrap(),
        }
    }

    /// [`sigterm`](Self::sigterm), then [`wait`](Self::wait).
    pub fn terminate(self) -> Exited {
        self.sigterm();
        self.wait()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the upstream does with one request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// The receiver contract: `/events` answers the event's type (400 `invalid_payload` for
    /// a body that is not an event), every other path the receipt of the bytes.
    Contract,
    /// This status, with this JSON body.
    Answer(u16, &'static str),
    /// Waits, then [`Contract`](Self::Contract).
    Delay(Duration),
}

/// One request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: http::Method,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// The header's values, in order, as text.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect()
    }
}

#[derive(Default)]
struct Recorder {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Behaviour>>,
    arrived: Notify,
}

/// A real HTTP server on 127.0.0.1, in front of which the gateway runs.
pub struct Upstream {
    pub addr: SocketAddr,
    recorder: Arc<Recorder>,
    server: tokio::task::JoinHandle<()>,
}

impl Upstream {
    /// Starts it on a free port, on the test's runtime.
    pub async fn start() -> Self {
        let recorder = Arc::new(Recorder::default());
        let app = Router::new()
            .fallback(upstream_handler)
            .with_state(Arc::clone(&recorder));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            recorder,
            server,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next requests get these behaviours, in order; then [`Behaviour::Contract`].
    pub fn script(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.recorder.script.lock().unwrap().extend(behaviours);
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.recorder.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests arrived (at most 10 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let wait = async {
            loop {
                let arrived = self.recorder.arrived.notified();
                if self.received().len() >= count {
                    return;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| panic!("{count} requests did not reach the upstream"));
        self.received()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn upstream_handler(State(recorder): State<Arc<Recorder>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let received = Received {
        method: parts.method,
        uri: parts.uri.path_and_query().unwrap().to_string(),
        headers: parts.headers,
        body,
    };
    let path = parts.uri.path().to_owned();
    recorder.received.lock().unwrap().push(received.clone());
    recorder.arrived.notify_waiters();
    let behaviour = recorder
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Behaviour::Contract);
    match behaviour {
        Behaviour::Answer(status, body) => json(StatusCode::from_u16(status).unwrap(), body.into()),
        Behaviour::Delay(pause) => {
            tokio::time::sleep(pause).await;
            contract(&path, &received.body)
        }
        Behaviour::Contract => contract(&path, &received.body),
    }
}

fn json(status: StatusCode, body: String) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The receiver contract (docs/DESIGN.md, "The receiver examples"), by the testkit's replies.
fn contract(path: &str, body: &[u8]) -> Response {
    if path == "/events" {
        let event_type = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|event| event.get("type")?.as_str().map(str::to_owned));
        return match event_type {
            Some(event_type) => json(StatusCode::OK, event_reply(&event_type).to_string()),
            None => json(
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_payload"}"#.to_owned(),
            ),
        };
    }
    json(StatusCode::OK, raw_receipt(body).to_string())
}

/// A response, every header kept.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    }
}

/// One HTTP/1.1 request on a new connection (hyper's client), within 10 s.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).unwrap();
        let response = sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("an answer within 10 s")
        .unwrap_or_else(|error| panic!("{method} {path}: {error}"))
}

/// A `POST path` signed with `token`, `content-type: application/json`, plus `headers`.
pub async fn post_signed(
    addr: SocketAddr,
    path: &str,
    token: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> Reply {
    let signature = qiscus_webhook_testkit::sign(token, body);
    let mut all = vec![
        ("content-type", "application/json"),
        ("qiscus-sdk-signature", signature.as_str()),
    ];
    all.extend_from_slice(headers);
    send(addr, "POST", path, &all, body.to_vec()).await
}

/// `GET path` on the admin listener.
pub async fn admin_get(admin: SocketAddr, path: &str) -> Reply {
    send(admin, "GET", path, &[], Bytes::new()).await
}

/// A fresh event (its signed time is now), unique by `id`.
pub fn fresh_event(id: u64) -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!(
        r#"{{"payload":{{"message":{{"id":{id},"text":"hello {id}","unix_nano_timestamp":{now}}}}},"type":"post_comment_mobile"}}"#
    )
    .into_bytes()
}

/// A port nothing listens on (its listener was dropped).
pub fn closed_port() -> u16 {
    redis_server::free_port()
}
