//! The core's `tracing` events over the whole conformance table, through the extractors: each
//! request is exactly one verification event, whose `outcome` is the row's (`verified` for a
//! row answered 200, and for a verified body that is not the expected JSON, which then gets
//! its own `invalid_payload` event), with `token_index` when verified and only then,
//! `body_bytes` and `elapsed_us` always, at the documented level; and no token, signature or
//! body text anywhere in what was logged.

#[allow(
    dead_code,
    reason = "the extractor setup only: the layer's handler parses JSON itself"
)]
mod common;

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use qiscus_webhook_testkit::conformance::{self, Case, Expect, Reply};
use qiscus_webhook_testkit::leak;
use serde_json::Value;
use tower::ServiceExt;

/// A JSON subscriber's output, in memory, as an operator's log file.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.bytes().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What was logged since the last call, as text.
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.bytes())).expect("JSON lines are UTF-8")
    }
}

/// The level the core documents for an outcome (`qiscus_webhook::drive`, "Tracing").
fn level(outcome: &str) -> &'static str {
    match outcome {
        "verified" => "DEBUG",
        "signature_mismatch"
        | "stale_event"
        | "webhook_not_configured"
        | "replay_store_unavailable" => "WARN",
        _ => "INFO",
    }
}

/// Every 16-byte window of the body (a step of 4) that is not only whitespace, as sent and as
/// a JSON string would escape it: none may appear in the log.
fn body_windows(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len().saturating_sub(15))
        .step_by(4)
        .map(|start| chars[start..start + 16].iter().collect::<String>())
        .filter(|window| !window.trim().is_empty())
        .flat_map(|window| {
            let escaped = serde_json::to_string(&window).expect("a string serialises");
            [window, escaped.trim_matches('"').to_owned()]
        })
        .collect()
}

fn assert_reveals_nothing(case: &Case, log: &str) {
    leak::assert_reveals_nothing(case, log);
    for window in body_windows(&case.body) {
        assert!(
            !log.contains(&window),
            "{}: the log shows body text {window:?}:\n{log}",
            case.name
        );
    }
}

/// The row's one verification event (`webhook verified` or `webhook refused`), checked; and
/// the `invalid_payload` event after it when the row expects one.
fn check_events(case: &Case, log: &str) {
    let events: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .filter(|event: &Value| event["target"] == "qiscus_webhook")
        .collect();
    let message = |event: &Value| event["fields"]["message"].as_str().unwrap_or("").to_owned();
    let (verifications, after): (Vec<&Value>, Vec<&Value>) = events.iter().partition(|event| {
        matches!(
            message(event).as_str(),
            "webhook verified" | "webhook refused"
        )
    });
    assert_eq!(verifications.len(), 1, "{}: {log}", case.name);
    let fields = &verifications[0]["fields"];
    let outcome = fields["outcome"].as_str().expect("an outcome");

    let expected = match &case.expect {
        Expect::Accepted(_) => "verified",
        Expect::Rejected { code, .. } => code,
    };
    if expected == "invalid_payload" {
        // Verified, then refused by the JSON parse: its own event.
        assert_eq!(outcome, "verified", "{}: {log}", case.name);
        assert_eq!(after.len(), 1, "{}: {log}", case.name);
        assert_eq!(
            message(after[0]),
            "verified webhook refused",
            "{}",
            case.name
        );
        assert_eq!(
            after[0]["fields"]["outcome"], "invalid_payload",
            "{}",
            case.name
        );
        assert_eq!(after[0]["fields"]["status"], 400, "{}", case.name);
    } else {
        assert_eq!(outcome, expected, "{}: {log}", case.name);
        assert!(after.is_empty(), "{}: {log}", case.name);
    }
    assert_eq!(verifications[0]["level"], level(outcome), "{}", case.name);
    assert_eq!(
        fields.get("token_index").is_some(),
        outcome == "verified",
        "{}: {fields}",
        case.name
    );
    if outcome == "verified" {
        let index = fields["token_index"].as_u64();
        let expected = u64::from(case.name.contains("previous_token"));
        assert_eq!(index, Some(expected), "{}: {fields}", case.name);
        assert_eq!(fields["body_bytes"], case.body.len(), "{}", case.name);
    } else {
        assert_eq!(fields["status"], case.expect.status(), "{}", case.name);
    }
    assert!(fields["body_bytes"].is_u64(), "{}: {fields}", case.name);
    assert!(fields["elapsed_us"].is_u64(), "{}: {fields}", case.name);
}

/// On one thread (`current_thread`): the subscriber set for this thread sees every event the
/// requests cause.
#[tokio::test(flavor = "current_thread")]
async fn every_row_of_the_table_is_one_event_with_its_outcome_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let app = common::with_verifier_state(conformance::verifier());
    let cases = conformance::cases();
    for case in &cases {
        let request = case.http_request().map(Body::new);
        let response = app.clone().oneshot(request).await.expect("infallible");
        let reply = Reply::from_http(response).await.expect("a readable answer");
        // The row's answer, so the event is checked against what the app did.
        if let Err(failure) = case.expect.check(reply.status, &reply.body) {
            panic!("{}: {failure}", case.name);
        }
        let log = captured.take();
        check_events(case, &log);
        assert_reveals_nothing(case, &log);
    }
    assert!(cases.len() > 50, "the whole table: {} rows", cases.len());
}
