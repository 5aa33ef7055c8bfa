//! `cargo xtask demo`: builds the four receiver examples, starts each on a free 127.0.0.1 port
//! with a fresh random token, sends each the same requests, and prints who answered what.
//!
//! The examples run through the testkit's `process::Example` (free port, listening line,
//! killed at the end) and the requests go through its socket client (`wire`), the one the
//! adapters' socket tests use.

use std::process::Command;

use qiscus_webhook_testkit::conformance::{Expect, Reply};
use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::spec::{BodySpec, RequestSpec};
use qiscus_webhook_testkit::{SignedRequest, event_reply, fixtures, raw_receipt, wire};

use crate::step;

const FRAMEWORKS: [&str; 4] = ["axum", "actix", "warp", "rocket"];
/// The receivers run with a small limit so the over-limit request stays cheap.
const BODY_LIMIT: usize = 64 * 1024;
const EVENT: &[u8] = fixtures::POST_COMMENT_MOBILE_2017;

/// One request of the demo and the answer every framework must give.
struct Case {
    name: &'static str,
    request: RequestSpec,
    expect: Expect,
}

fn rejected(status: u16, code: &'static str) -> Expect {
    Expect::Rejected { status, code }
}

fn cases(token: &str) -> Vec<Case> {
    let signed = SignedRequest::new(token, EVENT);
    // The same signature over the event with one letter changed: same length, other bytes.
    let mut tampered = signed.to_spec("/webhook");
    let mut body = EVENT.to_vec();
    if let Some(last_letter) = body.iter().rposition(u8::is_ascii_lowercase) {
        body[last_letter] = body[last_letter].to_ascii_uppercase();
    }
    tampered.body = BodySpec::Whole(body);
    let oversized = SignedRequest::new(token, vec![b' '; BODY_LIMIT + 1]).to_spec("/webhook");
    vec![
        Case {
            name: "valid event",
            request: signed.to_spec("/webhook"),
            expect: Expect::Accepted(raw_receipt(EVENT)),
        },
        Case {
            name: "typed event",
            request: signed.to_spec("/events"),
            expect: Expect::Accepted(event_reply("post_comment_mobile")),
        },
        Case {
            name: "tampered",
            request: tampered,
            expect: rejected(401, "signature_mismatch"),
        },
        Case {
            name: "no signature",
            request: signed.clone().without_signature().to_spec("/webhook"),
            expect: rejected(401, "missing_signature"),
        },
        Case {
            name: "over the limit",
            request: oversized.clone(),
            expect: rejected(413, "body_too_large"),
        },
        Case {
            name: "over the limit, chunked",
            request: oversized.chunked(8 * 1024),
            expect: rejected(413, "body_too_large"),
        },
        Case {
            name: "chunked",
            request: signed.to_spec("/webhook").chunked(100),
            expect: Expect::Accepted(raw_receipt(EVENT)),
        },
    ]
}

/// Starts the example `framework` (built by `run`) with `token` and the demo's body limit.
fn start(framework: &str, token: &str) -> Result<Example, String> {
    let binary = step::target_dir().join("debug/examples").join(framework);
    let mut command = Command::new(&binary);
    command
        .env("QISCUS_WEBHOOK_TOKEN", token)
        .env_remove("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
        .env("QISCUS_WEBHOOK_BODY_LIMIT", BODY_LIMIT.to_string())
        .env("ROCKET_CLI_COLORS", "false");
    Example::start(command).map_err(|error| format!("start {}: {error}", binary.display()))
}

/// A fresh random token from the OS.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    let mut urandom =
        std::fs::File::open("/dev/urandom").map_err(|error| format!("/dev/urandom: {error}"))?;
    std::io::Read::read_exact(&mut urandom, &mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What came back, as printed (`401 signature_mismatch`), and whether it is what `case` expects.
fn outcome(example: &Example, case: &Case) -> (String, bool) {
    match wire::exchange_blocking(example.addr(), &case.request) {
        Ok(reply) => (
            shown(&reply),
            case.expect.check(reply.status, &reply.body).is_ok(),
        ),
        Err(error) => (format!("error: {error}"), false),
    }
}

fn shown(reply: &Reply) -> String {
    match reply.error_code() {
        Some(code) => format!("{} {code}", reply.status),
        None => reply.status.to_string(),
    }
}

/// Builds and runs the demo for `only` (all four when empty); fails if any answer differs
/// from the expected one.
pub fn run(only: &[String]) -> Result<(), String> {
    if let Some(unknown) = only
        .iter()
        .find(|name| !FRAMEWORKS.contains(&name.as_str()))
    {
        return Err(format!(
            "unknown receiver {unknown:?}: pick from {FRAMEWORKS:?}"
        ));
    }
    let frameworks: Vec<&str> = FRAMEWORKS
        .into_iter()
        .filter(|name| only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    println!(
        "demo: building the receiver examples ({}) ...",
        frameworks.join(", ")
    );
    let mut build = vec!["build", "--quiet", "-p", "qiscus-webhook-examples"];
    for framework in &frameworks {
        build.extend(["--example", framework]);
    }
    step::cargo(&build, &[])?;
    let token = random_token()?;
    let cases = cases(&token);
    println!(
        "\n{:<8} {:<26} {:<26} {:<26} ok",
        "receiver", "case", "status", "expected"
    );
    let mut failures = 0;
    for framework in &frameworks {
        let example = start(framework, &token)?;
        for case in &cases {
            let (got, ok) = outcome(&example, case);
            let expected = match &case.expect {
                Expect::Rejected { status, code } => format!("{status} {code}"),
                accepted => accepted.status().to_string(),
            };
            println!(
                "{framework:<8} {:<26} {got:<26} {expected:<26} {}",
                case.name,
                if ok { "ok" } else { "FAIL" }
            );
            failures += usize::from(!ok);
        }
    }
    let total = frameworks.len() * cases.len();
    println!("\ndemo: {} passed, {failures} failed", total - failures);
    if failures == 0 {
        Ok(())
    } else {
        Err(format!(
            "{failures} of {total} demo requests got an unexpected answer"
        ))
    }
}
