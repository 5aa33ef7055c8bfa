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

/// The outcomes a request can have, each with its counter made at start (no allocation or
/// map lookup per request): `forwarded`, `duplicate`, the gateway's own two, and every code of
/// the core's table (an outcome not listed still counts, in a series made at its first use).
const OUTCOMES: [&str; 16] = [
    "forwarded",
    "duplicate",
    "upstream_unavailable",
    "method_not_allowed",
    "missing_signature",
    "duplicate_signature",
    "malformed_signature",
    "signature_mismatch",
    "body_too_large",
    "body_unreadable",
    "invalid_payload",
    "webhook_not_configured",
    "body_timeout",
    "stale_event",
    "delivery_in_progress",
    "replay_store_unavailable",
];

/// The results of an upstream attempt.
const RESULTS: [&str; 7] = ["1xx", "2xx", "3xx", "4xx", "5xx", "error", "timeout"];

/// Every metric, registered once.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<Label, Counter>,
    outcomes: [Counter; OUTCOMES.len()],
    verified: Vec<Counter>,
    results: [Counter; RESULTS.len()],
    upstream_duration: Histogram,
    attempts_per_request: Histogram,
    event_age: Histogram,
    in_flight: Gauge,
}

impl Metrics {
    /// The metrics of a gateway accepting `tokens` tokens.
    pub(crate) fn new(tokens: usize) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Label, Counter>::default();
        registry.register(
            "qiscus_gateway_requests",
            "Requests by outcome: forwarded, duplicate, or the error code of the refusal",
            requests.clone(),
        );
        let verified_family = Family::<Label, Counter>::default();
        registry.register(
            "qiscus_gateway_verified",
            "Verified requests by the index of the token that matched (0: \
             QISCUS_WEBHOOK_TOKEN, 1: the previous token); retire the previous token once its \
             count stops growing",
            verified_family.clone(),
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
        // Every known series exists from the start, at 0 (Prometheus' advice: a series that
        // appears only at its first event breaks rates and alerts).
        let label = |name: &'static str, value: String| vec![(name, value)];
        let outcomes = OUTCOMES
            .map(|outcome| requests.get_or_create_owned(&label("outcome", outcome.to_owned())));
        let verified = (0..tokens)
            .map(|index| {
                verified_family.get_or_create_owned(&label("token_index", index.to_string()))
            })
            .collect();
        let results = RESULTS.map(|result| {
            upstream_attempts.get_or_create_owned(&label("result", result.to_owned()))
        });
        Self {
            registry,
            requests,
            outcomes,
            verified,
            results,
            upstream_duration,
            attempts_per_request,
            event_age,
            in_flight,
        }
    }

    pub(crate) fn request(&self, outcome: &str) {
        match OUTCOMES.iter().position(|known| *known == outcome) {
            Some(index) => {
                self.outcomes[index].inc();
            }
            None => {
                self.requests
                    .get_or_create(&vec![("outcome", outcome.to_owned())])
                    .inc();
            }
        }
    }

    pub(crate) fn verified(&self, token_index: usize) {
        if let Some(counter) = self.verified.get(token_index) {
            counter.inc();
        }
    }

    pub(crate) fn upstream_attempt(&self, result: &'static str) {
        if let Some(index) = RESULTS.iter().position(|known| *known == result) {
            self.results[index].inc();
        }
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
