//! The `tracing` feature: one event per verification, from the drive loop, with the outcome,
//! the token index, the body bytes and the elapsed time, at the documented level, and no
//! token, signature, expected tag or body byte in it.
#![cfg(all(feature = "tracing", feature = "stream", feature = "json"))]

use std::io;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream;
use qiscus_webhook::{Error, Token, Verifier, drive};
use serde_json::Value;

const TOKEN: &str = "tracing-test-token-never-logged";
const BODY: &[u8] =
    br#"{"payload":{"message":{"text":"secret chat text"}},"type":"post_comment_mobile"}"#;

/// A `tracing` JSON subscriber writing into memory, as an operator's would write to stdout.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn events(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

fn capture<F: Future<Output = ()>>(run: impl FnOnce() -> F) -> (Captured, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(run());
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (captured, text)
}

fn verifier() -> Verifier {
    Verifier::new(Token::new(TOKEN).unwrap()).with_body_limit(1024)
}

fn body(bytes: &'static [u8]) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> {
    stream::iter([Ok(Bytes::from_static(bytes))])
}

async fn drive_with(header: Option<String>, bytes: &'static [u8]) {
    let verifier = verifier();
    let values: Vec<&[u8]> = header.iter().map(|value| value.as_bytes()).collect();
    let started = verifier
        .begin_request(values, None, None)
        .map(|verification| verification.collect_bytes());
    let _ = drive::stream(started, body(bytes), tokio::time::sleep).await;
}

fn assert_no_secret(text: &str) {
    let signature = verifier().sign(BODY).to_string();
    let upper = signature.to_ascii_uppercase();
    for secret in [
        TOKEN,
        signature.as_str(),
        upper.as_str(),
        "secret chat text",
    ] {
        assert!(
            !text.contains(secret),
            "{secret:?} appears in the log:\n{text}"
        );
    }
}

#[test]
fn a_verified_body_is_one_debug_event_with_the_token_index_and_bytes() {
    let signature = verifier().sign(BODY).to_string();
    let (captured, text) = capture(|| drive_with(Some(signature), BODY));
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    let event = &events[0];
    assert_eq!(event["level"], "DEBUG");
    assert_eq!(event["target"], "qiscus_webhook");
    let fields = &event["fields"];
    assert_eq!(fields["outcome"], "verified");
    assert_eq!(fields["token_index"], 0);
    assert_eq!(fields["body_bytes"], BODY.len());
    assert!(fields["elapsed_us"].is_u64(), "{fields}");
    assert_no_secret(&text);
}

#[test]
fn a_forgery_is_one_warn_event_with_its_code() {
    let forged = Verifier::new(Token::new("another-token").unwrap())
        .sign(BODY)
        .to_string();
    let (captured, text) = capture(|| drive_with(Some(forged), BODY));
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["level"], "WARN");
    let fields = &events[0]["fields"];
    assert_eq!(fields["outcome"], "signature_mismatch");
    assert_eq!(fields["status"], 401);
    assert_eq!(fields["body_bytes"], BODY.len());
    assert!(fields.get("token_index").is_none());
    assert_no_secret(&text);
}

#[test]
fn scanner_noise_is_info_and_says_what_broke() {
    let (captured, text) = capture(|| drive_with(None, BODY));
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["level"], "INFO");
    assert_eq!(events[0]["fields"]["outcome"], "missing_signature");
    assert_eq!(events[0]["fields"]["body_bytes"], 0);

    let (captured, text) = capture(|| drive_with(Some("sha256=abc".into()), BODY));
    assert_eq!(
        captured.events()[0]["fields"]["outcome"],
        "malformed_signature"
    );
    assert_eq!(captured.events()[0]["level"], "INFO");
    assert_no_secret(&text);
}

#[test]
fn an_invalid_payload_reports_the_position_not_the_body() {
    let (captured, text) = capture(|| async {
        let refused = qiscus_webhook::json::parse::<u64>(br#""secret chat text""#).unwrap_err();
        assert_eq!(refused.error(), Error::InvalidPayload);
    });
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["fields"]["outcome"], "invalid_payload");
    assert!(
        events[0]["fields"]["cause"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{text}"
    );
    assert_no_secret(&text);
}

/// `drive::read`, the blocking loop (the command line's `verify`): the same one event.
#[cfg(feature = "io")]
#[test]
fn the_blocking_loop_reports_the_same_one_event() {
    let signature = verifier().sign(BODY).to_string();
    let read = |header: &str, body: &'static [u8]| {
        let verifier = verifier();
        let started = verifier.begin_request([header.as_bytes()], None, None);
        let _ = drive::read(started, body);
    };
    let (captured, text) = capture(|| async { read(&signature, BODY) });
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["fields"]["outcome"], "verified");
    assert_eq!(events[0]["fields"]["body_bytes"], BODY.len());

    let (captured, text) = capture(|| async { read(&signature, b"{}") });
    let events = captured.events();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0]["level"], "WARN");
    assert_eq!(events[0]["fields"]["outcome"], "signature_mismatch");
    assert_no_secret(&text);
}
