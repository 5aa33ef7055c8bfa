//! `cargo xtask demo`: builds the four receiver examples, starts each on a free 127.0.0.1 port
//! with a fresh random token, sends each the same requests, and prints who answered what.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qiscus_webhook::{SIGNATURE_HEADER, Token, Verifier};
use sha2::{Digest, Sha256};

use crate::http::{self, Framing};
use crate::step;

const FRAMEWORKS: [&str; 4] = ["axum", "actix", "warp", "rocket"];
/// The receivers run with a small limit so the over-limit request stays cheap.
const BODY_LIMIT: usize = 64 * 1024;
const EVENT: &[u8] = include_bytes!("../../fixtures/post_comment_mobile_2017.json");

/// One request of the demo and the answer every framework must give.
struct Case {
    name: &'static str,
    path: &'static str,
    body: Vec<u8>,
    signature: Option<Vec<u8>>,
    framing: Framing,
    status: u16,
    error: Option<&'static str>,
    /// For accepted requests: what the reply must contain (spaces ignored).
    reply: Option<String>,
}

fn cases(verifier: &Verifier) -> Vec<Case> {
    let sign = |body: &[u8]| Some(verifier.sign(body).to_string().into_bytes());
    let mut tampered = EVENT.to_vec();
    if let Some(last_letter) = tampered.iter().rposition(u8::is_ascii_lowercase) {
        tampered[last_letter] = tampered[last_letter].to_ascii_uppercase();
    }
    let oversized = vec![b' '; BODY_LIMIT + 1];
    vec![
        Case {
            name: "valid event",
            path: "/webhook",
            signature: sign(EVENT),
            body: EVENT.to_vec(),
            framing: Framing::ContentLength,
            status: 200,
            error: None,
            reply: Some(receipt(EVENT)),
        },
        Case {
            name: "typed event",
            path: "/events",
            signature: sign(EVENT),
            body: EVENT.to_vec(),
            framing: Framing::ContentLength,
            status: 200,
            error: None,
            reply: Some(r#""type":"post_comment_mobile""#.to_string()),
        },
        Case {
            name: "tampered",
            path: "/webhook",
            signature: sign(EVENT),
            body: tampered,
            framing: Framing::ContentLength,
            status: 401,
            error: Some("signature_mismatch"),
            reply: None,
        },
        Case {
            name: "no signature",
            path: "/webhook",
            signature: None,
            body: EVENT.to_vec(),
            framing: Framing::ContentLength,
            status: 401,
            error: Some("missing_signature"),
            reply: None,
        },
        Case {
            name: "over the limit",
            path: "/webhook",
            signature: sign(&oversized),
            body: oversized.clone(),
            framing: Framing::ContentLength,
            status: 413,
            error: Some("body_too_large"),
            reply: None,
        },
        Case {
            name: "over the limit, chunked",
            path: "/webhook",
            signature: sign(&oversized),
            body: oversized,
            framing: Framing::Chunked(8 * 1024),
            status: 413,
            error: Some("body_too_large"),
            reply: None,
        },
        Case {
            name: "chunked",
            path: "/webhook",
            signature: sign(EVENT),
            body: EVENT.to_vec(),
            framing: Framing::Chunked(100),
            status: 200,
            error: None,
            reply: Some(receipt(EVENT)),
        },
    ]
}

/// The start of the `/webhook` reply for `body`: its length and SHA-256, proof that the
/// handler received the exact bytes.
fn receipt(body: &[u8]) -> String {
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(r#""bytes":{},"sha256":"{digest}""#, body.len())
}

/// A running receiver example, killed when dropped.
struct Receiver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(framework: &str, token: &str) -> Result<Receiver, String> {
    let binary = step::target_dir().join("debug/examples").join(framework);
    let mut child = Command::new(&binary)
        .env("QISCUS_WEBHOOK_TOKEN", token)
        .env_remove("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
        .env("QISCUS_WEBHOOK_BODY_LIMIT", BODY_LIMIT.to_string())
        .env("BIND", "127.0.0.1:0")
        .env("ROCKET_CLI_COLORS", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("start {}: {error}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut receiver = Receiver {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    // The receiver prints one line when it listens: `listening on http://ADDR`.
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(addr) = line.split("http://").nth(1) {
            receiver.addr = addr
                .trim()
                .trim_end_matches('/')
                .parse()
                .map_err(|_| format!("{framework}: cannot read the address in {line:?}"))?;
            // Keep draining stdout so the receiver never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(receiver);
        }
    }
    Err(format!(
        "{framework} did not print `listening on http://ADDR`"
    ))
}

/// A fresh random token from the OS.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    let mut urandom =
        std::fs::File::open("/dev/urandom").map_err(|error| format!("/dev/urandom: {error}"))?;
    std::io::Read::read_exact(&mut urandom, &mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn outcome(receiver: &Receiver, case: &Case) -> (String, bool) {
    let headers: Vec<(&str, String)> = case
        .signature
        .iter()
        .map(|sig| (SIGNATURE_HEADER, String::from_utf8_lossy(sig).into_owned()))
        .collect();
    match http::post(receiver.addr, case.path, &headers, &case.body, case.framing) {
        Ok(response) => {
            let compact: String = response.body.split_whitespace().collect();
            let body_ok = match (case.error, &case.reply) {
                (Some(code), _) => compact == format!(r#"{{"error":"{code}"}}"#),
                (None, Some(reply)) => compact.contains(reply.as_str()),
                (None, None) => true,
            };
            let ok = response.status == case.status && body_ok;
            let code = case.error.map_or(String::new(), |_| {
                response
                    .body
                    .split('"')
                    .nth(3)
                    .map_or(String::new(), |code| format!(" {code}"))
            });
            (format!("{}{code}", response.status), ok)
        }
        Err(error) => (format!("error: {error}"), false),
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
    let verifier = Verifier::new(Token::new(&token).map_err(|error| error.to_string())?);
    let cases = cases(&verifier);
    println!(
        "\n{:<8} {:<26} {:<26} {:<26} ok",
        "receiver", "case", "status", "expected"
    );
    let mut failures = 0;
    for framework in &frameworks {
        let receiver = start(framework, &token)?;
        for case in &cases {
            let (got, ok) = outcome(&receiver, case);
            let expected = match case.error {
                Some(code) => format!("{} {code}", case.status),
                None => case.status.to_string(),
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
