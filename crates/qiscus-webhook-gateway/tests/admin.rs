//! The admin listener: `/healthz`, `/readyz`, and `/metrics` with its names and labels.

mod support;

use qiscus_webhook_testkit::conformance::{OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use support::{Behaviour, Gateway, Upstream, admin_get, fresh_event, post_signed, send};

/// The value of the sample `series` (name and labels, exactly as exposed).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.split(' ').next()?.parse().ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_UPSTREAM_RETRIES", "1")]);

    let health = admin_get(gateway.admin, "/healthz").await;
    assert_eq!(
        (health.status, health.text().as_str()),
        (200, r#"{"status":"ok"}"#)
    );
    let ready = admin_get(gateway.admin, "/readyz").await;
    assert_eq!(
        (ready.status, ready.text().as_str()),
        (200, r#"{"status":"ready"}"#)
    );
    assert_eq!(admin_get(gateway.admin, "/nothing").await.status, 404);
    // The admin routes are not on the webhook listener, nor the webhook on the admin one.
    assert_eq!(
        send(gateway.addr, "GET", "/metrics", &[], "").await.status,
        405
    );
    assert_eq!(
        post_signed(gateway.admin, "/webhook", TOKEN, b"{}", &[])
            .await
            .status,
        404
    );

    // Before any request: the series an operator alerts on are there, at 0.
    let metrics = admin_get(gateway.admin, "/metrics").await.text();
    for series in [
        r#"qiscus_gateway_requests_total{outcome="forwarded"}"#,
        r#"qiscus_gateway_requests_total{outcome="duplicate"}"#,
        r#"qiscus_gateway_verified_total{token_index="0"}"#,
        r#"qiscus_gateway_verified_total{token_index="1"}"#,
        "qiscus_gateway_in_flight",
    ] {
        assert_eq!(sample(&metrics, series), Some(0.0), "{series}:\n{metrics}");
    }

    let current = fresh_event(10);
    assert_eq!(
        post_signed(gateway.addr, "/webhook", TOKEN, &current, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        post_signed(gateway.addr, "/webhook", TOKEN, &current, &[])
            .await
            .status,
        200
    );
    let previous = fresh_event(11);
    upstream.script([Behaviour::Answer(503, "{}")]);
    let reply = post_signed(gateway.addr, "/webhook", PREVIOUS_TOKEN, &previous, &[]).await;
    assert_eq!(reply.status, 200);
    let forged = post_signed(gateway.addr, "/webhook", OTHER_TOKEN, &fresh_event(12), &[]).await;
    assert_eq!(forged.status, 401);
    let unsigned = send(gateway.addr, "POST", "/webhook", &[], "{}").await;
    assert_eq!(unsigned.status, 401);
    assert_eq!(
        send(gateway.addr, "GET", "/webhook", &[], "").await.status,
        405
    );

    let response = admin_get(gateway.admin, "/metrics").await;
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let metrics = response.text();
    let expected = [
        (r#"qiscus_gateway_requests_total{outcome="forwarded"}"#, 2.0),
        (r#"qiscus_gateway_requests_total{outcome="duplicate"}"#, 1.0),
        (
            r#"qiscus_gateway_requests_total{outcome="signature_mismatch"}"#,
            1.0,
        ),
        (
            r#"qiscus_gateway_requests_total{outcome="missing_signature"}"#,
            1.0,
        ),
        (
            r#"qiscus_gateway_requests_total{outcome="method_not_allowed"}"#,
            2.0,
        ),
        (r#"qiscus_gateway_verified_total{token_index="0"}"#, 2.0),
        (r#"qiscus_gateway_verified_total{token_index="1"}"#, 1.0),
        (
            r#"qiscus_gateway_upstream_attempts_total{result="2xx"}"#,
            2.0,
        ),
        (
            r#"qiscus_gateway_upstream_attempts_total{result="5xx"}"#,
            1.0,
        ),
        ("qiscus_gateway_upstream_duration_seconds_count", 2.0),
        ("qiscus_gateway_upstream_attempts_per_request_count", 2.0),
        ("qiscus_gateway_upstream_attempts_per_request_sum", 3.0),
        // Three verified events with a signed time (the duplicate's too): all fresh.
        ("qiscus_gateway_event_age_seconds_count", 3.0),
        (r#"qiscus_gateway_event_age_seconds_bucket{le="60.0"}"#, 3.0),
        ("qiscus_gateway_in_flight", 0.0),
    ];
    for (series, value) in expected {
        assert_eq!(
            sample(&metrics, series),
            Some(value),
            "{series}:\n{metrics}"
        );
    }
    for family in [
        "# TYPE qiscus_gateway_requests counter",
        "# TYPE qiscus_gateway_verified counter",
        "# TYPE qiscus_gateway_upstream_attempts counter",
        "# TYPE qiscus_gateway_upstream_duration_seconds histogram",
        "# TYPE qiscus_gateway_event_age_seconds histogram",
        "# TYPE qiscus_gateway_in_flight gauge",
    ] {
        assert!(metrics.contains(family), "{family}:\n{metrics}");
    }
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
}
