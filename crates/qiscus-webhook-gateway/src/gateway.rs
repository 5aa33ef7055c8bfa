//! [`Gateway`]: the webhook listener's one handler and the admin listener's three routes.
//!
//! Verification is the axum adapter's [`VerifiedBody`] (the core's order of checks, limit,
//! deadline and refusals); replay is `qiscus-webhook-replay`'s [`ReplayGuard`]. What is the
//! gateway's own: the method check, forwarding with retries, relaying the upstream's answer,
//! the `502 upstream_unavailable` row, metrics, and the access line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, StatusCode};
use qiscus_webhook::events::event_time;
use qiscus_webhook::{Rejection, Verifier};
use qiscus_webhook_axum::{ReplayRejection, VerifiedBody, WebhookRejection};
use qiscus_webhook_replay::{
    Claim, DeliveryKey, KeyPolicy, NotRun, Owner, ReplayEnvError, ReplayGuard, Ticket,
};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::Settings;
use crate::forward::{Answer, Upstream, upstream_headers};
use crate::log::{ACCESS_TARGET, observe};
use crate::metrics::{self, Metrics};

/// The gateway's own refusal when no upstream attempt got an answer.
pub const UPSTREAM_UNAVAILABLE_BODY: &str = r#"{"error":"upstream_unavailable"}"#;

/// The gateway's own refusal of anything but `POST`.
pub const METHOD_NOT_ALLOWED_BODY: &str = r#"{"error":"method_not_allowed"}"#;

/// The key `/readyz` claims and releases to prove the replay store answers (a key of the
/// event policy, under its own domain: no signature key can be equal to it).
fn probe_key() -> DeliveryKey {
    DeliveryKey::from_event("qiscus-webhook-gateway readiness probe", "0")
}

/// The gateway: the verifier, the replay guard, the upstream client, the metrics and the
/// readiness state. Cheap to clone (shared).
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    verifier: Verifier,
    guard: Option<ReplayGuard>,
    upstream_base: crate::Upstream,
    upstream: Upstream,
    metrics: Metrics,
    draining: AtomicBool,
    /// Forwarding tasks still running (they outlive a client that hung up).
    forwarding: watch::Sender<usize>,
}

impl FromRef<Gateway> for Verifier {
    fn from_ref(gateway: &Gateway) -> Self {
        gateway.inner.verifier.clone()
    }
}

/// Why the gateway could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The replay store could not be built (Redis unreachable at start).
    Replay(ReplayEnvError),
    /// The TLS client configuration could not be built.
    Tls(rustls::Error),
    /// A listener could not bind.
    Bind {
        /// Which flag's address.
        flag: &'static str,
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        error: std::io::Error,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Replay(error) => error.fmt(f),
            Self::Tls(error) => write!(f, "cannot configure TLS for the upstream: {error}"),
            Self::Bind { flag, addr, error } => {
                write!(f, "{flag}: cannot listen on {addr}: {error}")
            }
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Replay(error) => Some(error),
            Self::Tls(error) => Some(error),
            Self::Bind { error, .. } => Some(error),
        }
    }
}

impl Gateway {
    /// Builds the gateway from checked settings: the replay store (connecting to Redis, so
    /// that an unreachable one stops the start) and the upstream client.
    ///
    /// # Errors
    ///
    /// [`StartError::Replay`] when Redis cannot be reached, [`StartError::Tls`] when the
    /// TLS client cannot be configured.
    pub async fn new(settings: &Settings) -> Result<Self, StartError> {
        // The claim must outlast the longest forwarding, retries included.
        let lease =
            ReplayGuard::DEFAULT_LEASE.max(settings.upstream_timeout + Duration::from_secs(5));
        let guard = settings
            .replay
            .build()
            .await
            .map_err(StartError::Replay)?
            .map(|guard| guard.with_lease(lease));
        Self::with_guard(settings, guard)
    }

    /// As [`new`](Self::new), with this replay guard (or none) instead of the one
    /// `settings.replay` describes: to share a guard, or give it a store of your own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use clap::Parser;
    /// use qiscus_webhook_gateway::{Cli, Gateway, Settings};
    /// use qiscus_webhook_replay::{MemoryStore, ReplayGuard};
    ///
    /// let cli = Cli::parse_from(["qiscus-webhook-gateway", "--upstream", "http://127.0.0.1:3000"]);
    /// let env = |name: &str| (name == "QISCUS_WEBHOOK_TOKEN").then(|| "dashboard-token".into());
    /// let settings = Settings::from_options(&cli.options, env)?;
    /// let guard = ReplayGuard::new(MemoryStore::default());
    /// let gateway = Gateway::with_guard(&settings, Some(guard))?;
    /// let app: axum::Router = gateway.router(); // serve it with `axum::serve`
    /// # let _ = app;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`StartError::Tls`] when the TLS client cannot be configured.
    pub fn with_guard(settings: &Settings, guard: Option<ReplayGuard>) -> Result<Self, StartError> {
        let upstream = Upstream::new(settings.upstream_timeout, settings.upstream_retries)
            .map_err(StartError::Tls)?;
        let metrics = Metrics::new(settings.verifier.token_count());
        Ok(Self {
            inner: Arc::new(Inner {
                verifier: settings.verifier.clone(),
                guard,
                upstream_base: settings.upstream.clone(),
                upstream,
                metrics,
                draining: AtomicBool::new(false),
                forwarding: watch::Sender::new(0),
            }),
        })
    }

    /// The webhook listener's app: every path, `POST` only.
    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }

    /// The admin listener's app: `GET /healthz`, `GET /readyz`, `GET /metrics`.
    pub fn admin_router(&self) -> Router {
        Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .with_state(self.clone())
    }

    /// From now on `/readyz` answers 503 (SIGTERM: the drain began).
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    /// Whether `/readyz` answers 200: not draining, and the replay store answers.
    pub async fn readiness(&self) -> Result<(), &'static str> {
        if self.inner.draining.load(Ordering::SeqCst) {
            return Err("draining");
        }
        let Some(guard) = &self.inner.guard else {
            return Ok(());
        };
        let store = guard.store();
        let owner = Owner::new();
        let probe = async {
            match store
                .claim(probe_key(), owner, Duration::from_secs(5))
                .await
            {
                Ok(Claim::Claimed) => store.release(probe_key(), owner).await.map(drop),
                Ok(_) => Ok(()),
                Err(error) => Err(error),
            }
        };
        match tokio::time::timeout(Duration::from_secs(2), probe).await {
            Ok(Ok(())) => Ok(()),
            _ => Err("replay_store_unavailable"),
        }
    }

    /// Waits until no forwarding task runs.
    pub async fn forwarding_done(&self) {
        let mut running = self.inner.forwarding.subscribe();
        let _ = running.wait_for(|count| *count == 0).await;
    }

    /// How many forwarding tasks run now.
    #[must_use]
    pub fn forwarding(&self) -> usize {
        *self.inner.forwarding.borrow()
    }
}

/// One request's access line.
struct Access {
    method: Method,
    path: String,
    started: Instant,
    token_index: Option<usize>,
    bytes: Option<u64>,
    key: Option<String>,
}

impl Access {
    fn emit(&self, outcome: &str, status: u16, upstream: Option<&Answer>) {
        let latency_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        tracing::info!(
            target: ACCESS_TARGET,
            method = %self.method,
            path = %self.path,
            outcome,
            status,
            token_index = self.token_index.map(|index| index as u64),
            bytes = self.bytes,
            latency_us,
            upstream_status = upstream.and_then(|answer| answer.status).map(|status| status.as_u16()),
            attempts = upstream.map(|answer| answer.attempts),
            upstream_us = upstream.map(|answer| u64::try_from(answer.elapsed.as_micros()).unwrap_or(u64::MAX)),
            idempotency_key = self.key.as_deref(),
            "request"
        );
    }
}

fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(Rejection::CONTENT_TYPE),
    );
    response
}

/// A refusal by the core: the adapter's response, counted and logged.
fn refused(gateway: &Gateway, access: &Access, rejection: impl Into<WebhookRejection>) -> Response {
    let rejection = rejection.into();
    let code = rejection.error().code();
    gateway.inner.metrics.request(code);
    access.emit(code, rejection.status().as_u16(), None);
    rejection.into_response()
}

/// The webhook listener's handler, for every path.
async fn handle(State(gateway): State<Gateway>, request: Request) -> Response {
    let mut access = Access {
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        started: Instant::now(),
        token_index: None,
        bytes: None,
        key: None,
    };
    if request.method() != Method::POST {
        gateway.inner.metrics.request("method_not_allowed");
        access.emit("method_not_allowed", 405, None);
        let mut response = json(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_BODY);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let uri = request.uri().clone();
    let headers = request.headers().clone();

    // The adapter verifies; the core's event tells how many bytes it read.
    let (verified, observed) = observe(VerifiedBody::from_request(request, &gateway)).await;
    access.bytes = observed.body_bytes;
    let VerifiedBody(body, verified) = match verified {
        Ok(verified) => verified,
        Err(rejection) => return refused(&gateway, &access, rejection),
    };
    let metrics = &gateway.inner.metrics;
    access.bytes = Some(body.len() as u64);
    access.token_index = Some(verified.token_index());
    metrics.verified(verified.token_index());
    if let Some(age) = event_age(&body) {
        metrics.event_age(age);
    }

    let (ticket, policy) = match &gateway.inner.guard {
        None => (None, KeyPolicy::default()),
        Some(guard) => match guard.admit(&verified, &body).await {
            Ok(ticket) => (Some(ticket), guard.key_policy()),
            // The adapter's answer: 200 `{"status":"duplicate"}`, or the guard's refusal.
            Err(not_run) => {
                let outcome = match &not_run {
                    NotRun::Duplicate => {
                        access.key = Some(hex_key(&guard.key_policy().key(&verified, &body)));
                        "duplicate"
                    }
                    NotRun::Rejected(rejection) => rejection.code(),
                };
                metrics.request(outcome);
                access.emit(outcome, not_run.status_code(), None);
                return ReplayRejection(not_run).into_response();
            }
        },
    };
    let key = hex_key(
        &ticket
            .as_ref()
            .map_or_else(|| policy.key(&verified, &body), Ticket::key),
    );
    access.key = Some(key.clone());
    let Ok(target) = gateway.inner.upstream_base.join(&uri) else {
        // Unreachable in practice: hyper hands over only paths that make a valid URI, and
        // the base was checked at start. Nothing was sent; the ticket's drop releases it.
        metrics.request("upstream_unavailable");
        access.emit("upstream_unavailable", 502, None);
        return json(StatusCode::BAD_GATEWAY, UPSTREAM_UNAVAILABLE_BODY);
    };
    let headers = upstream_headers(&headers, verified.token_index(), &key);

    // Forwarding runs in its own task: a client that hangs up does not cut the upstream's
    // request short, and the claim is committed or released by the upstream's answer.
    gateway.inner.forwarding.send_modify(|count| *count += 1);
    metrics.in_flight().inc();
    let task = {
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let inner = &gateway.inner;
            let answer = inner
                .upstream
                .forward(&target, &headers, &body, &inner.metrics)
                .await;
            let status = answer.status.map(|status| status.as_u16());
            if let Some(ticket) = ticket
                && let Err(error) = ticket.finish(status.unwrap_or(502)).await
            {
                tracing::warn!(
                    target: "qiscus_webhook_gateway::replay",
                    error = %error,
                    "the replay store did not record the outcome; the claim lapses with its lease"
                );
            }
            inner.metrics.forwarded(answer.elapsed, answer.attempts);
            let outcome = if answer.status.is_some() {
                "forwarded"
            } else {
                "upstream_unavailable"
            };
            inner.metrics.request(outcome);
            access.emit(outcome, status.unwrap_or(502), Some(&answer));
            inner.metrics.in_flight().dec();
            inner.forwarding.send_modify(|count| *count -= 1);
            answer
        })
    };
    match task.await {
        Ok(answer) => relay(answer),
        // The task panicked (a bug): the upstream's answer is unknown.
        Err(_) => json(StatusCode::BAD_GATEWAY, UPSTREAM_UNAVAILABLE_BODY),
    }
}

/// The delivery key as `Idempotency-Key` carries it: its `Display`, 64 lowercase hex digits
/// (by the `hex` crate: `Display` writes a digit pair at a time, on every request).
fn hex_key(key: &DeliveryKey) -> String {
    hex::encode(key.as_bytes())
}

/// The upstream's status, `Content-Type` and body; or 502 when none answered.
fn relay(answer: Answer) -> Response {
    let Some(status) = answer.status else {
        return json(StatusCode::BAD_GATEWAY, UPSTREAM_UNAVAILABLE_BODY);
    };
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = status;
    if let Some(content_type) = answer.content_type {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    response
}

/// How old the signed event is now (0 for an event from the future); `None` without an
/// event time.
fn event_age(body: &Bytes) -> Option<Duration> {
    let sent = event_time(body)?.unix_nanos();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let age = i128::try_from(now).ok()?.saturating_sub(sent).max(0);
    Some(Duration::from_nanos(u64::try_from(age).unwrap_or(u64::MAX)))
}

async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#)
}

async fn readyz(State(gateway): State<Gateway>) -> Response {
    match gateway.readiness().await {
        Ok(()) => json(StatusCode::OK, r#"{"status":"ready"}"#),
        Err(why) => json(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(r#"{{"status":"{why}"}}"#),
        ),
    }
}

async fn metrics_text(State(gateway): State<Gateway>) -> Response {
    let mut response = Response::new(Body::from(gateway.inner.metrics.encode()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hex_key_is_the_keys_display() {
        let key = DeliveryKey::from_event("post_comment_mobile", "802802");
        assert_eq!(hex_key(&key), key.to_string());
        assert_eq!(hex_key(&probe_key()).len(), 64);
    }
}
