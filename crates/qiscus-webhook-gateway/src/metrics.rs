//! `/metrics`: the gateway's counters and histograms, with `prometheus-client`, in the
//! OpenMetrics text format (what Prometheus scrapes).

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One label and its value.
type Label = Vec<(&'static str, String)>;

/// Every metric, registered once.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<Label, Counter>,
    verified: Family<Label, Counter>,
    upstream_attempts: Family<Label, Counter>,
    upstream_duration: Histogram,
    attempts_per_request: Histogram,
    event_age: Histogram,
    in_flight: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Label, Counter>::default();
        registry.register(
            "qiscus_gateway_requests",
            "Requests by outcome: forwarded, duplicate, or the error code of the refusal",
            requests.clone(),
        );
        let verified = Family::<Label, Counter>::default();
        registry.register(
            "qiscus_gateway_verified",
            "Verified requests by the index of the token that matched (0: \
             QISCUS_WEBHOOK_TOKEN, 1: the previous token); retire the previous token once its \
             count stops growing",
            verified.clone(),
        );
        let upstream_attempts = Family::<Label, Counter>::default();
        registry.register(
            "qiscus_gateway_upstream_attempts",
            "Upstream attempts by result: 2xx, 3xx, 4xx, 5xx, error (unreachable), timeout",
            upstream_attempts.clone(),
        );
        // 0.5 ms to ~16 s.
        let upstream_duration = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register(
            "qiscus_gateway_upstream_duration_seconds",
            "Time from the first upstream attempt to the answer given, every attempt included",
            upstream_duration.clone(),
        );
        let attempts_per_request = Histogram::new((1..=4).map(f64::from));
        registry.register(
            "qiscus_gateway_upstream_attempts_per_request",
            "Upstream attempts per forwarded request",
            attempts_per_request.clone(),
        );
        let event_age = Histogram::new([
            0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
        ]);
        registry.register(
            "qiscus_gateway_event_age_seconds",
            "Age of verified events at arrival (now minus the signed event time; events from \
             the future count as 0), to tune QISCUS_WEBHOOK_MAX_AGE",
            event_age.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "qiscus_gateway_in_flight",
            "Requests being forwarded now",
            in_flight.clone(),
        );
        Self {
            registry,
            requests,
            verified,
            upstream_attempts,
            upstream_duration,
            attempts_per_request,
            event_age,
            in_flight,
        }
    }

    pub(crate) fn request(&self, outcome: &str) {
        self.requests
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// Creates the series of `token_index` at 0, and those of the two outcomes every
    /// dashboard shows.
    pub(crate) fn verified_zero(&self, token_index: usize) {
        let _ = self
            .verified
            .get_or_create(&vec![("token_index", token_index.to_string())]);
        for outcome in ["forwarded", "duplicate"] {
            let _ = self
                .requests
                .get_or_create(&vec![("outcome", outcome.to_owned())]);
        }
    }

    pub(crate) fn verified(&self, token_index: usize) {
        self.verified
            .get_or_create(&vec![("token_index", token_index.to_string())])
            .inc();
    }

    pub(crate) fn upstream_attempt(&self, result: &'static str) {
        self.upstream_attempts
            .get_or_create(&vec![("result", result.to_owned())])
            .inc();
    }

    pub(crate) fn forwarded(&self, elapsed: Duration, attempts: u32) {
        self.upstream_duration.observe(elapsed.as_secs_f64());
        self.attempts_per_request.observe(f64::from(attempts));
    }

    pub(crate) fn event_age(&self, age: Duration) {
        self.event_age.observe(age.as_secs_f64());
    }

    pub(crate) fn in_flight(&self) -> &Gauge {
        &self.in_flight
    }

    /// The exposition, `# EOF` included.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String does not fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
