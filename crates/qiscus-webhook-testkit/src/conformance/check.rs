//! The checker: an app's [`Reply`] to a [`Case`] against the case's [`Expect`], one case
//! ([`check`], [`check_reply`]) or a whole table at once ([`assert_conformance`]), and the
//! unconfigured rows as an adapter declares them ([`assert_unconfigured`]).

use serde_json::Value;

use super::cases::{Case, Expect, unconfigured_cases};

/// An app's answer to a case, as [`assert_conformance`] gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Checks an app's answer to `case`: the status, then the body as JSON (compared as values,
/// so formatting and key order do not matter).
///
/// # Errors
///
/// A one-line message naming the case and what differs.
///
/// ```
/// use qiscus_webhook_testkit::conformance::{cases, check};
///
/// let case = cases().into_iter().find(|c| c.name == "webhook/missing_signature").unwrap();
/// assert_eq!(check(&case, 401, br#"{ "error": "missing_signature" }"#), Ok(()));
/// let wrong = check(&case, 401, br#"{"error":"signature_mismatch"}"#).unwrap_err();
/// assert!(wrong.contains("webhook/missing_signature"), "{wrong}");
/// ```
pub fn check(case: &Case, status: u16, body: &[u8]) -> Result<(), String> {
    case.expect
        .check(status, body)
        .map_err(|failure| format!("{}: {failure}", case.name))
}

impl Expect {
    /// Checks an answer against this expectation, as [`check`] does for a case (for requests
    /// that are not in the table, e.g. `cargo xtask demo`'s).
    ///
    /// # Errors
    ///
    /// A one-line message saying what differs.
    ///
    /// ```
    /// use qiscus_webhook_testkit::conformance::Expect;
    ///
    /// let expect = Expect::Rejected { status: 413, code: "body_too_large" };
    /// assert_eq!(expect.check(413, br#"{"error":"body_too_large"}"#), Ok(()));
    /// assert!(expect.check(200, b"{}").unwrap_err().starts_with("status 200, expected 413"));
    /// ```
    pub fn check(&self, status: u16, body: &[u8]) -> Result<(), String> {
        let expected = self.body();
        if status != self.status() {
            return Err(format!(
                "status {status}, expected {} (body {}; expected {expected})",
                self.status(),
                shown(body),
            ));
        }
        let actual: Value = serde_json::from_slice(body)
            .map_err(|error| format!("body is not JSON ({error}): {}", shown(body)))?;
        if actual != expected {
            return Err(format!("body {actual}, expected {expected}"));
        }
        Ok(())
    }
}

impl Reply {
    /// The code of a refusal's body, `{"error": "<code>"}`; `None` for any other body.
    ///
    /// ```
    /// use qiscus_webhook_testkit::conformance::Reply;
    ///
    /// let body = br#"{"error":"missing_signature"}"#.to_vec();
    /// let reply = Reply { status: 401, content_type: None, body };
    /// assert_eq!(reply.error_code().as_deref(), Some("missing_signature"));
    /// ```
    #[must_use]
    pub fn error_code(&self) -> Option<String> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        Some(body.as_object()?.get("error")?.as_str()?.to_owned())
    }
}

/// As [`check`], and the answer's `Content-Type` must be `application/json`.
///
/// # Errors
///
/// A one-line message naming the case and what differs.
pub fn check_reply(case: &Case, reply: &Reply) -> Result<(), String> {
    check(case, reply.status, &reply.body)?;
    let essence = reply
        .content_type
        .as_deref()
        .map(|value| value.split(';').next().unwrap_or_default().trim());
    match essence {
        Some(essence) if essence.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(format!(
            "{}: content-type {:?}, expected application/json",
            case.name, reply.content_type
        )),
    }
}

/// Sends every case through `send` and checks each reply with [`check_reply`]; then panics
/// with the list of every failure, if any (and if `cases` is empty: a run that checks nothing
/// is a failure too).
///
/// `send` builds the request from the case (path, headers, body, transfer), sends it to the
/// app, and returns the [`Reply`].
///
/// # Panics
///
/// When a case fails or no case ran, with one line per failure.
pub async fn assert_conformance<F>(cases: impl IntoIterator<Item = Case>, mut send: F)
where
    F: AsyncFnMut(&Case) -> Reply,
{
    let mut ran = 0usize;
    let mut failures = Vec::new();
    for case in cases {
        ran += 1;
        let reply = send(&case).await;
        if let Err(failure) = check_reply(&case, &reply) {
            failures.push(failure);
        }
    }
    assert!(ran > 0, "no conformance case ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} conformance cases failed:\n  {}",
        failures.len(),
        failures.join("\n  "),
    );
}

/// A body for a failure message: lossy UTF-8, at most 200 characters.
fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{:?}...", &text[..end]),
        None => format!("{text:?}"),
    }
}

/// How an adapter meets the [`unconfigured_cases`]: the rows for a route with no verifier.
///
/// An adapter whose app can exist without a verifier must answer every such request `500
/// webhook_not_configured` ([`Unconfigured::Answers500`]). An adapter can also make that app
/// impossible by construction: then the rows cannot be sent, and are not faked; instead the
/// adapter's test declares how, with the proof [`assert_unconfigured`] checks:
///
/// | adapter (today) | declaration | its own proof |
/// |---|---|---|
/// | actix-web, warp | [`Answers500`](Unconfigured::Answers500) | the rows, sent to an app without a verifier |
/// | axum (`Verifier: FromRef<S>`) | [`CompileError`](Unconfigured::CompileError) | a `compile_fail` doctest in the adapter crate |
/// | Rocket (a `Sentinel`) | [`RefusedAtLaunch`](Unconfigured::RefusedAtLaunch) | a test that `ignite()` fails without a managed verifier |
///
/// See `docs/DESIGN.md` ("Error -> HTTP status", `webhook_not_configured`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unconfigured {
    /// The app builds and runs without a verifier, and answers each unconfigured case `500`
    /// with `{"error":"webhook_not_configured"}`: [`assert_unconfigured`] sends it every one.
    Answers500,
    /// An app without a verifier does not compile (e.g. axum's extractors require
    /// `Verifier: FromRef<S>` of the router's state).
    ///
    /// `doctest` is the text of the adapter's documentation that holds the proof, read with
    /// `include_str!` (e.g. `include_str!("../src/lib.rs")`): a code block fenced
    /// `` ```compile_fail `` that builds the app without a verifier. `cargo test --doc` runs it
    /// (and fails if it compiles); [`assert_unconfigured`] checks that it is there. Write the
    /// same snippet with the verifier next to it as a doctest that compiles, so that the
    /// missing verifier is the only reason for the error (stable rustdoc cannot check the error
    /// code).
    CompileError {
        /// The documentation text holding the `compile_fail` doctest.
        doctest: &'static str,
    },
    /// An app without a verifier refuses to launch (e.g. a Rocket `Sentinel` aborts `ignite`
    /// when no verifier is managed).
    ///
    /// `launch` is what the adapter's own test got when it tried: for Rocket,
    /// `rocket.ignite().await.map(drop).map_err(|error| error.to_string())`, on a Rocket with
    /// the verifying routes and no managed verifier. [`assert_unconfigured`] checks that it
    /// failed.
    RefusedAtLaunch {
        /// The attempt to launch an app without a verifier: it must be an error.
        launch: Result<(), String>,
    },
}

/// Checks the [`unconfigured_cases`] as `declared` says the adapter meets them; panics
/// otherwise.
///
/// - [`Unconfigured::Answers500`]: sends every unconfigured case through `send` (to an app
///   whose routes have no verifier) and checks the replies, as [`assert_conformance`] does;
/// - [`Unconfigured::CompileError`]: the documentation holds a `compile_fail` doctest;
/// - [`Unconfigured::RefusedAtLaunch`]: the launch failed.
///
/// For the last two there is no app: pass [`no_app`] as `send` (it is never called).
///
/// ```
/// use qiscus_webhook_testkit::conformance::{Unconfigured, assert_unconfigured, no_app};
///
/// # use std::{future::Future, pin::pin, task::{Context, Poll, Waker}};
/// # fn now<F: Future>(future: F) -> F::Output {
/// #     let mut context = Context::from_waker(Waker::noop());
/// #     let Poll::Ready(output) = pin!(future).poll(&mut context) else {
/// #         unreachable!("no app: nothing to wait for")
/// #     };
/// #     output
/// # }
/// let launch = Err("no managed Verifier".to_owned());
/// now(assert_unconfigured(Unconfigured::RefusedAtLaunch { launch }, no_app));
///
/// // The adapter's documentation, with its proof (here, inline):
/// let doctest = "/// ```compile_fail\n/// let app = routes_without_a_verifier();\n/// ```";
/// now(assert_unconfigured(Unconfigured::CompileError { doctest }, no_app));
/// ```
///
/// # Panics
///
/// As [`assert_conformance`] for [`Unconfigured::Answers500`]; when the proof of an
/// impossible app is not there ([`Unconfigured::CompileError`]) or the launch succeeded
/// ([`Unconfigured::RefusedAtLaunch`]).
pub async fn assert_unconfigured<F>(declared: Unconfigured, send: F)
where
    F: AsyncFnMut(&Case) -> Reply,
{
    let rows = || {
        unconfigured_cases()
            .iter()
            .map(|case| case.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match declared {
        Unconfigured::Answers500 => assert_conformance(unconfigured_cases(), send).await,
        Unconfigured::CompileError { doctest } => assert!(
            doctest
                .lines()
                .any(|line| is_compile_fail_fence(line.trim_start_matches(['/', '!', ' ']))),
            "{}: declared impossible at compile time, but the documentation given holds no \
             ```compile_fail doctest to prove it",
            rows()
        ),
        Unconfigured::RefusedAtLaunch { launch } => assert!(
            launch.is_err(),
            "{}: declared impossible at launch, but an app without a verifier launched",
            rows()
        ),
    }
}

/// Whether `line` opens a rustdoc code block with the `compile_fail` attribute.
fn is_compile_fail_fence(line: &str) -> bool {
    line.strip_prefix("```").is_some_and(|attributes| {
        attributes
            .split([',', ' '])
            .any(|attribute| attribute.trim() == "compile_fail")
    })
}

/// The `send` of [`assert_unconfigured`] when there is no app to send to (an adapter that makes
/// one impossible by construction).
///
/// # Panics
///
/// Always, naming the case: it is never called for [`Unconfigured::CompileError`] or
/// [`Unconfigured::RefusedAtLaunch`], and an [`Unconfigured::Answers500`] declaration needs a
/// real app.
pub async fn no_app(case: &Case) -> Reply {
    panic!(
        "{}: no_app was asked to answer; Unconfigured::Answers500 needs an app without a verifier",
        case.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::case;
    use crate::raw_receipt;

    #[test]
    fn check_reports_status_body_and_content_type() {
        let case = case("webhook/empty_body");
        let receipt = raw_receipt(b"").to_string().into_bytes();
        assert_eq!(check(&case, 200, &receipt), Ok(()));
        assert!(
            check(&case, 401, &receipt)
                .unwrap_err()
                .contains("status 401")
        );
        assert!(
            check(&case, 200, b"not json")
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(check(&case, 200, &raw_receipt(b"x").to_string().into_bytes()).is_err());
        let reply = |content_type: Option<&str>| Reply {
            status: 200,
            content_type: content_type.map(String::from),
            body: receipt.clone(),
        };
        assert_eq!(
            check_reply(&case, &reply(Some("application/json; charset=utf-8"))),
            Ok(())
        );
        assert!(check_reply(&case, &reply(Some("text/plain"))).is_err());
        assert!(check_reply(&case, &reply(None)).is_err());
    }

    /// Polls a future that never waits (no app, no I/O) once.
    fn now<F: std::future::Future>(future: F) -> F::Output {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(future).poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => unreachable!("nothing to wait for"),
        }
    }

    const PROOF: &str = "//! Without a verifier:\n//!\n//! ```compile_fail\n//! app();\n//! ```\n";

    #[test]
    fn an_impossible_app_is_accepted_with_its_proof_and_never_sent_to() {
        now(assert_unconfigured(
            Unconfigured::CompileError { doctest: PROOF },
            no_app,
        ));
        now(assert_unconfigured(
            Unconfigured::CompileError {
                doctest: "/// ```rust,compile_fail\n/// app();\n/// ```",
            },
            no_app,
        ));
        now(assert_unconfigured(
            Unconfigured::RefusedAtLaunch {
                launch: Err("Rocket failed to launch due to aborting sentinels".into()),
            },
            no_app,
        ));
    }

    #[test]
    #[should_panic(expected = "holds no ```compile_fail doctest")]
    fn a_compile_error_without_a_compile_fail_doctest_is_refused() {
        let doctest = "/// ```\n/// app_without_a_verifier();\n/// ```\n/// compile_fail";
        now(assert_unconfigured(
            Unconfigured::CompileError { doctest },
            no_app,
        ));
    }

    #[test]
    #[should_panic(expected = "but an app without a verifier launched")]
    fn a_refusal_at_launch_that_launched_is_refused() {
        now(assert_unconfigured(
            Unconfigured::RefusedAtLaunch { launch: Ok(()) },
            no_app,
        ));
    }

    #[test]
    #[should_panic(expected = "unconfigured/webhook: no_app was asked to answer")]
    fn answers_500_needs_an_app() {
        now(assert_unconfigured(Unconfigured::Answers500, no_app));
    }
}
