//! The upstream side: which headers go, and the bounded retries under one deadline, with
//! hyper-util's pooled client (plain http, or https through rustls).

use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::Instant;

use crate::metrics::Metrics;

/// The header telling the upstream which configured token matched: `0` for
/// `QISCUS_WEBHOOK_TOKEN`, `1` for the previous one.
pub const TOKEN_INDEX_HEADER: &str = "qiscus-webhook-token-index";

/// The header carrying the delivery key (64 lowercase hex digits, the replay guard's key):
/// the same for every retry and redelivery of the same signed bytes.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The most of an upstream's answer the gateway relays; a longer body is dropped (the status
/// still counts).
pub const UPSTREAM_BODY_LIMIT: usize = 1024 * 1024;

/// Hop-by-hop fields (RFC 9110 section 7.6.1, and the historical `keep-alive` and
/// `proxy-connection`): they describe one connection, never the next.
static HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
];

/// Fields the gateway sets itself (or the client does): never copied from the request.
static REPLACED: [HeaderName; 5] = [
    header::HOST,
    header::CONTENT_LENGTH,
    // The body was read already: the upstream gets it whole.
    header::EXPECT,
    HeaderName::from_static(TOKEN_INDEX_HEADER),
    HeaderName::from_static(IDEMPOTENCY_KEY_HEADER),
];

/// The headers of the upstream request: every end-to-end field of the request (its
/// `Content-Type` and `QISCUS-SDK-SIGNATURE` among them) except the hop-by-hop ones, those the
/// `Connection` field names, and the client's copies of the two the gateway adds; then
/// `Qiscus-Webhook-Token-Index` and `Idempotency-Key`.
pub(crate) fn upstream_headers(request: &HeaderMap, token_index: usize, key: &str) -> HeaderMap {
    let named_by_connection: Vec<HeaderName> = request
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    let mut headers = HeaderMap::with_capacity(request.len() + 2);
    for (name, value) in request {
        let dropped = HOP_BY_HOP.contains(name)
            || REPLACED.contains(name)
            || named_by_connection.contains(name);
        if !dropped {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(
        HeaderName::from_static(TOKEN_INDEX_HEADER),
        HeaderValue::from(token_index),
    );
    // Hex digits are always a valid header value.
    if let Ok(key) = HeaderValue::from_str(key) {
        headers.insert(HeaderName::from_static(IDEMPOTENCY_KEY_HEADER), key);
    }
    headers
}

/// What the upstream said, in the end.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The last status the upstream answered; `None` when no attempt got an answer.
    pub(crate) status: Option<StatusCode>,
    /// Its `Content-Type`.
    pub(crate) content_type: Option<HeaderValue>,
    /// Its body (empty when it was over [`UPSTREAM_BODY_LIMIT`], broken, or late).
    pub(crate) body: Bytes,
    /// How many attempts were made.
    pub(crate) attempts: u32,
    /// From the first attempt to the answer.
    pub(crate) elapsed: Duration,
}

/// The pooled client, the deadline and the retry bound.
pub(crate) struct Upstream {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    retries: u32,
}

impl Upstream {
    pub(crate) fn new(timeout: Duration, retries: u32) -> Result<Self, rustls::Error> {
        let mut http = HttpConnector::new();
        // Small requests and answers: no Nagle delay on either.
        http.set_nodelay(true);
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Self {
            client,
            timeout,
            retries,
        })
    }

    /// Posts `body` to `uri` with `headers`; tries again after an unreachable upstream or a
    /// 5xx, at most `retries` times, with a short backoff, all within the timeout.
    pub(crate) async fn forward(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
        metrics: &Metrics,
    ) -> Answer {
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut answer = Answer {
            status: None,
            content_type: None,
            body: Bytes::new(),
            attempts: 0,
            elapsed: Duration::ZERO,
        };
        loop {
            answer.attempts += 1;
            let mut request = Request::new(Full::new(body.clone()));
            *request.method_mut() = Method::POST;
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = headers.clone();
            match tokio::time::timeout_at(deadline, self.client.request(request)).await {
                Err(_) => {
                    metrics.upstream_attempt("timeout");
                    tracing::warn!(
                        target: "qiscus_webhook_gateway::upstream",
                        attempt = answer.attempts,
                        "the upstream did not answer within the upstream timeout"
                    );
                    break;
                }
                Ok(Err(error)) => {
                    metrics.upstream_attempt("error");
                    tracing::warn!(
                        target: "qiscus_webhook_gateway::upstream",
                        attempt = answer.attempts,
                        error = %chain(&error),
                        "the upstream is unreachable"
                    );
                }
                Ok(Ok(response)) => {
                    let status = response.status();
                    metrics.upstream_attempt(class(status));
                    answer.status = Some(status);
                    answer.content_type = response.headers().get(header::CONTENT_TYPE).cloned();
                    let collected =
                        Limited::new(response.into_body(), UPSTREAM_BODY_LIMIT).collect();
                    answer.body = match tokio::time::timeout_at(deadline, collected).await {
                        Ok(Ok(collected)) => collected.to_bytes(),
                        _ => Bytes::new(),
                    };
                    if !status.is_server_error() {
                        break;
                    }
                }
            }
            if answer.attempts > self.retries {
                break;
            }
            let pause = backoff(answer.attempts);
            if Instant::now() + pause >= deadline {
                break;
            }
            tokio::time::sleep(pause).await;
        }
        answer.elapsed = started.elapsed();
        answer
    }
}

/// The pause before attempt `done + 1`: 50 ms, doubled each time, at most 1 s.
fn backoff(done: u32) -> Duration {
    Duration::from_millis(50u64 << done.saturating_sub(1).min(5)).min(Duration::from_secs(1))
}

/// The metric label of a status: `2xx` ... `5xx`.
fn class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// An error and its causes on one line ("client error (Connect): tcp connect error: ...").
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_second() {
        let pauses: Vec<u64> = (1..=8).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(pauses, [50, 100, 200, 400, 800, 1000, 1000, 1000]);
    }

    #[test]
    fn hop_by_hop_and_replaced_headers_are_dropped_the_rest_kept_in_order() {
        let mut request = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("qiscus-sdk-signature", "ab"),
            ("connection", "keep-alive, x-hop"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("te", "trailers"),
            ("upgrade", "h2c"),
            ("host", "gateway"),
            ("content-length", "2"),
            ("expect", "100-continue"),
            ("idempotency-key", "forged"),
            ("qiscus-webhook-token-index", "9"),
            ("x-custom", "a"),
            ("x-custom", "b"),
        ] {
            request.append(name, HeaderValue::from_static(value));
        }
        let headers = upstream_headers(&request, 1, "00ff");
        let kept: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
            .collect();
        assert_eq!(
            kept,
            [
                ("content-type", "application/json"),
                ("qiscus-sdk-signature", "ab"),
                ("x-custom", "a"),
                ("x-custom", "b"),
                ("qiscus-webhook-token-index", "1"),
                ("idempotency-key", "00ff"),
            ]
        );
    }
}
