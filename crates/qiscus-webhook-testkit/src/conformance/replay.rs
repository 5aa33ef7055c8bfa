//! The replay rows of the conformance table (feature `replay`; with `redis-server` too, the
//! Redis run): every adapter's guarded forms, on the memory store and on a real Redis, must
//! give the answers of issue 15, run the handler only when they say, and leave the store as
//! they say.
//!
//! For the adapters' tests (notes between helpers, kept while the four adapters gain their
//! `replay` feature): `qiscus-webhook-replay` has, next to `ReplayGuard::begin`,
//! `ReplayGuard::admit(&verified, &body) -> Result<Ticket, NotRun>` (for guarded extractors)
//! and `ReplayGuard::run(&verified, &body, || handler, |answer| status) -> Result<R, NotRun>`
//! (for middleware: admit, the handler, then commit on 2xx or release); `NotRun` is
//! `Duplicate` (200 `{"status":"duplicate"}`) or `Rejected(Rejection)`, with `status_code`,
//! `response_body`, `retry_after_secs` and `CONTENT_TYPE`.
//!
//! How an adapter's test runs the rows:
//!
//! 1. [`Harness::start`] with a [`Store`]: a [`ReplayGuard`] on that store (a real
//!    `redis-server` is started for [`Store::Redis`]), with [`MAX_AGE`], and a [`Receiver`]
//!    counting its handler's calls;
//! 2. build the app from [`Harness::setup`]: its `/webhook` route verified with
//!    [`verifier()`](super::verifier) and guarded by the setup's guard (in the adapter's
//!    middleware form, or its extractor form), with a handler that answers
//!    [`Receiver::answer`] for the request's [`Hooks`] (`X-Example-Fail`,
//!    `X-Example-Delay-Ms`, the receiver contract's test hooks) and, in the extractor form,
//!    commits the claim on its 2xx (or finishes it with the status, or drops it on a failure);
//! 3. [`Harness::check`] with a `send(RequestSpec) -> Answer` closure: every [`Row`] of
//!    [`rows`], each [`Step`]'s requests sent (concurrently when there are several), each
//!    answer checked (status, JSON body, `Content-Type`, `Retry-After`), then the handler's
//!    calls and the store's claims, commits and releases counted.
//!
//! The rows (built fresh for each run: their event times are now, or an hour away):
//!
//! | row | what |
//! |---|---|
//! | `replay/first_delivery_then_duplicate` | 200 receipt (the handler ran, committed); the same bytes: 200 `{"status":"duplicate"}`, the handler not run, even with `X-Example-Fail: 1` |
//! | `replay/failure_released_then_retry_runs` | `X-Example-Fail: 1`: 500, released; the same bytes: the handler runs again, 200; then a duplicate |
//! | `replay/in_progress_is_409` | the same bytes twice at once, the handler delayed ([`DELAY`]): one runs (200), the other gets 409 `delivery_in_progress` with `Retry-After`; then a duplicate |
//! | `replay/stale_event_is_401_not_recorded` | an event an hour old, an event an hour ahead ([`MAX_AGE`] is 5 minutes): 401 `stale_event`, the store untouched, the handler not run |
//! | `replay/forged_signature_is_401_not_recorded` | the true signature on changed bytes: 401 `signature_mismatch`, the store untouched; the true request afterwards runs |
//! | `replay/store_unavailable_is_503` | the store down (memory: full, every entry live; Redis: killed): 503 `replay_store_unavailable` with `Retry-After`, the handler not run; the store back (memory: room again; Redis: restarted): the same request runs |
//!
//! The same rows, run by a framework-free receiver on the core and the guard:
//!
//! ```
//! use qiscus_webhook::SIGNATURE_HEADER;
//! use qiscus_webhook_replay::NotRun;
//! use qiscus_webhook_testkit::conformance::replay::{Answer, Harness, Hooks, Setup, Store};
//! use qiscus_webhook_testkit::spec::RequestSpec;
//!
//! /// What an adapter's guarded route does, without a framework.
//! async fn receive(setup: &Setup, request: RequestSpec) -> Answer {
//!     let header = |wanted: &str| {
//!         let mut values = request.headers.iter();
//!         let value = values.find(|(name, _)| name.eq_ignore_ascii_case(wanted.as_bytes()));
//!         value.map(|(_, value)| value.as_slice())
//!     };
//!     let hooks = Hooks::from_values(header(Hooks::FAIL_HEADER), header(Hooks::DELAY_HEADER));
//!     let body = request.body.bytes();
//!     let signature = header(SIGNATURE_HEADER).into_iter();
//!     let verified = setup.verifier.begin_request(signature, None, None).and_then(|mut started| {
//!         started.update(&body)?;
//!         started.finish()
//!     });
//!     let ticket = match verified {
//!         Ok(verified) => setup.guard.admit(&verified, &body).await,
//!         Err(error) => Err(NotRun::from(error)),
//!     };
//!     match ticket {
//!         Ok(ticket) => {
//!             let (status, json) = setup.receiver.answer(hooks, &body).await;
//!             let _ = ticket.finish(status).await; // 2xx commits, else releases
//!             Answer::json(status, json.to_string())
//!         }
//!         Err(not_run) => Answer {
//!             retry_after: not_run.retry_after_secs().map(|secs| secs.to_string()),
//!             ..Answer::json(not_run.status_code(), not_run.response_body())
//!         },
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let harness = Harness::start(Store::Memory).await;
//! let setup = harness.setup();
//! harness.check(async |request| receive(&setup, request).await).await;
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qiscus_webhook::replay::{DeliveryKey, Expiry};
use qiscus_webhook::{SIGNATURE_HEADER, Verifier};
use qiscus_webhook_replay::{
    BoxFuture, Claim, DUPLICATE_BODY, MemoryStore, Owner, ReplayGuard, ReplayStore, StoreError,
};
use serde_json::{Value, json};

use super::cases::{TOKEN, verifier};
use crate::spec::RequestSpec;
use crate::{raw_receipt, sign};

/// The freshness window of the harness's guard: 5 minutes (the default).
pub const MAX_AGE: Duration = Duration::from_secs(300);
/// The lease of the harness's guard: 30 seconds (the default), far above [`DELAY`].
pub const LEASE: Duration = Duration::from_secs(30);
/// The `Retry-After` of the harness's guard when the store is unavailable: 5 seconds.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long the in-progress row's handler waits ([`Hooks::DELAY_HEADER`]) while the same
/// delivery arrives again: long enough for the second to arrive while the first runs, on any
/// machine; nothing measures it.
pub const DELAY: Duration = Duration::from_millis(1000);
/// How long a check waits for an expected release (a dropped claim is released by a spawned
/// task) or for a stopped store to come back.
pub const SETTLE: Duration = Duration::from_secs(10);
/// The capacity of the memory store in the memory run: one shard, so that the checker can
/// fill it exactly (the unavailable row).
pub const MEMORY_CAPACITY: usize = 64;

/// Where the harness's guard remembers deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Store {
    /// A [`MemoryStore`] of [`MEMORY_CAPACITY`] deliveries (one shard); down means full.
    Memory,
    /// A `RedisStore` on a `redis-server` the harness starts on a free 127.0.0.1 port
    /// ([`RedisServer`](crate::redis_server::RedisServer)); down means killed. Feature
    /// `redis-server`.
    #[cfg(feature = "redis-server")]
    Redis,
}

/// The receiver contract's test hooks, as a replay conformance app reads them from the request
/// (`docs/DESIGN.md`, "The receiver examples"): [`FAIL_HEADER`](Self::FAIL_HEADER)`: 1` makes
/// the `/webhook` handler answer 500 after verification; [`DELAY_HEADER`](Self::DELAY_HEADER)`:
/// N` makes it sleep N milliseconds (at most [`MAX_DELAY`](Self::MAX_DELAY)) first.
///
/// ```
/// use std::time::Duration;
/// use qiscus_webhook_testkit::conformance::replay::Hooks;
///
/// let hooks = Hooks::from_values(Some(b"1"), Some(b"250"));
/// assert_eq!(hooks, Hooks { fail: true, delay: Duration::from_millis(250) });
/// assert_eq!(Hooks::from_values(None, Some(b"99999")).delay, Hooks::MAX_DELAY);
/// assert_eq!(Hooks::from_values(Some(b"0"), Some(b"soon")), Hooks::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Answer 500 instead of the receipt.
    pub fail: bool,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Hooks {
    /// `X-Example-Fail` (as `http` spells it: lowercase).
    pub const FAIL_HEADER: &'static str = "x-example-fail";
    /// `X-Example-Delay-Ms` (lowercase).
    pub const DELAY_HEADER: &'static str = "x-example-delay-ms";
    /// The longest delay a request can ask for: 5 seconds.
    pub const MAX_DELAY: Duration = Duration::from_millis(5000);

    /// From the two headers' values, if present: `fail` when the first is `1`; `delay` the
    /// second's milliseconds, capped at [`MAX_DELAY`](Self::MAX_DELAY) (none if it is not a
    /// number).
    #[must_use]
    pub fn from_values(fail: Option<&[u8]>, delay: Option<&[u8]>) -> Self {
        let millis = delay
            .and_then(|value| std::str::from_utf8(value).ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or(0);
        Self {
            fail: fail.is_some_and(|value| value.trim_ascii() == b"1"),
            delay: Duration::from_millis(millis).min(Self::MAX_DELAY),
        }
    }

    /// From an `http` 1.x request's headers (feature `http`): axum, warp, hyper.
    #[cfg(feature = "http")]
    #[must_use]
    pub fn from_http(headers: &http::HeaderMap) -> Self {
        let value = |name: &str| headers.get(name).map(http::HeaderValue::as_bytes);
        Self::from_values(value(Self::FAIL_HEADER), value(Self::DELAY_HEADER))
    }
}

/// The `/webhook` handler of a replay conformance app, and the count of its calls: clones
/// share the count.
///
/// ```
/// use qiscus_webhook_testkit::conformance::replay::{Hooks, Receiver};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let receiver = Receiver::default();
/// let (status, body) = receiver.answer(Hooks::default(), b"{}").await;
/// assert_eq!((status, body), (200, qiscus_webhook_testkit::raw_receipt(b"{}")));
/// let failing = Hooks { fail: true, ..Hooks::default() };
/// assert_eq!(receiver.answer(failing, b"{}").await.0, 500);
/// assert_eq!(receiver.calls(), 2);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Receiver {
    calls: Arc<AtomicUsize>,
}

impl Receiver {
    /// The body of the handler's 500 ([`Hooks::fail`]).
    pub const FAILURE_BODY: &'static str = r#"{"error":"example_failure"}"#;

    /// Runs the handler for the verified `body`: counts the call, waits [`Hooks::delay`],
    /// then answers 500 [`FAILURE_BODY`](Self::FAILURE_BODY) if [`Hooks::fail`], else 200 and
    /// the [`raw_receipt`] of `body`. The app sends the status and the JSON as they are.
    pub async fn answer(&self, hooks: Hooks, body: &[u8]) -> (u16, Value) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !hooks.delay.is_zero() {
            tokio::time::sleep(hooks.delay).await;
        }
        if hooks.fail {
            (500, json!({ "error": "example_failure" }))
        } else {
            (200, raw_receipt(body))
        }
    }

    /// How many times the handler ran.
    #[must_use]
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// What the app under test is built from: verify with `verifier`, guard with `guard`, answer
/// with `receiver`.
#[derive(Debug, Clone)]
pub struct Setup {
    /// [`verifier()`](super::verifier): the conformance tokens.
    pub verifier: Verifier,
    /// The guard on the harness's store, with [`MAX_AGE`], [`LEASE`] and
    /// [`UNAVAILABLE_RETRY_AFTER`].
    pub guard: ReplayGuard,
    /// The handler, counting its calls.
    pub receiver: Receiver,
}

/// An app's answer to a replay row's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// `status` with a JSON `body`, `content-type: application/json`, no `Retry-After`.
    #[must_use]
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: Some("application/json".into()),
            retry_after: None,
            body: body.into(),
        }
    }

    /// An `http` 1.x response as an [`Answer`] (feature `http`): its status, `content-type`
    /// and `retry-after` (when UTF-8) and whole body.
    ///
    /// # Errors
    ///
    /// The body's error, if reading it fails.
    #[cfg(feature = "http")]
    pub async fn from_http<B>(response: http::Response<B>) -> Result<Self, B::Error>
    where
        B: http_body::Body,
    {
        use http_body_util::BodyExt;
        let (parts, body) = response.into_parts();
        let header = |name: http::HeaderName| {
            let value = parts.headers.get(name)?;
            value.to_str().ok().map(String::from)
        };
        Ok(Self {
            status: parts.status.as_u16(),
            content_type: header(http::header::CONTENT_TYPE),
            retry_after: header(http::header::RETRY_AFTER),
            body: body.collect().await?.to_bytes().to_vec(),
        })
    }
}

/// What a [`Step`]'s answer must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 200 with the [`raw_receipt`] of the body sent: the handler ran.
    Ran,
    /// 500: the handler ran and failed ([`Hooks::fail`]).
    Failed,
    /// 200 `{"status":"duplicate"}`, without `Retry-After`.
    Duplicate,
    /// This status with `{"error": code}`; with a `Retry-After` of whole seconds (at least 1,
    /// at most `max_retry_after`) when that is `Some`, else without one.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error code.
        code: &'static str,
        /// The largest `Retry-After` allowed, when one is required.
        max_retry_after: Option<u64>,
    },
}

/// How many times the handler ran and the store was asked to claim, commit and release
/// during a [`Step`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effect {
    /// Handler calls ([`Receiver::calls`]).
    pub runs: usize,
    /// Claims asked of the store (whatever it answered).
    pub claims: usize,
    /// Commits asked.
    pub commits: usize,
    /// Releases asked and answered (by a finish, or by a dropped claim's spawned task).
    pub releases: usize,
}

/// What the checker does to the store before a step's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    /// Nothing.
    Nothing,
    /// Makes the store unavailable: fills the memory store with live claims of other keys;
    /// kills the `redis-server`.
    StoreDown,
    /// Brings it back: releases those claims; restarts the `redis-server` (empty) and waits
    /// until the store answers again (it reconnects by itself).
    StoreUp,
}

/// One step of a [`Row`]: its requests (sent at once when there are several), the answers
/// they must get (in any order), and what the handler and the store must have done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Done to the store first.
    pub before: Before,
    /// The requests, to `/webhook`.
    pub requests: Vec<RequestSpec>,
    /// One outcome per request, in any order.
    pub expect: Vec<Outcome>,
    /// The counts of the step.
    pub effect: Effect,
}

impl Step {
    /// Whether `answers` (one per request, in order) are the step's outcomes, in some order:
    /// what [`Harness::check`] checks of the answers, for a receiver whose guard is not the
    /// harness's (a receiver example's process, say), where only the answers can be seen.
    ///
    /// # Errors
    ///
    /// A one-line message saying what differs.
    pub fn check(&self, answers: &[Answer]) -> Result<(), String> {
        matches(&self.requests, &self.expect, answers)
    }
}

/// One replay row: a name (`replay/<what>`, in failure messages) and its steps, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row's name.
    pub name: &'static str,
    /// Its steps.
    pub steps: Vec<Step>,
}

/// A signed delivery for a row.
struct Delivery {
    body: Vec<u8>,
    signature: String,
}

impl Delivery {
    /// A `post_comment_mobile` event sent at `sent` (`unix_nano_timestamp` in milliseconds, as
    /// Multichannel sends it), with a message id no other delivery of this process has,
    /// signed with [`TOKEN`].
    fn at(sent: SystemTime) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let millis = match sent.duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_millis(),
            Err(_) => 0,
        };
        let body = format!(
            r#"{{"payload":{{"message":{{"id":{id},"text":"replay row","unix_nano_timestamp":{millis}}}}},"type":"post_comment_mobile"}}"#
        )
        .into_bytes();
        let signature = sign(TOKEN, &body);
        Self { body, signature }
    }

    fn now() -> Self {
        Self::at(SystemTime::now())
    }

    /// The request, with `extra` header fields after the signature.
    fn request(&self, extra: &[(&str, String)]) -> RequestSpec {
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (SIGNATURE_HEADER.to_owned(), self.signature.clone()),
        ];
        headers.extend(
            extra
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone())),
        );
        RequestSpec::new("/webhook", headers, self.body.clone())
    }

    fn plain(&self) -> RequestSpec {
        self.request(&[])
    }

    fn failing(&self) -> RequestSpec {
        self.request(&[(Hooks::FAIL_HEADER, "1".to_owned())])
    }

    fn delayed(&self) -> RequestSpec {
        self.request(&[(Hooks::DELAY_HEADER, DELAY.as_millis().to_string())])
    }

    /// The true signature over other bytes (one space appended).
    fn forged(&self) -> RequestSpec {
        let mut request = self.plain();
        request.body = crate::spec::BodySpec::Whole([self.body.as_slice(), b" "].concat());
        request.content_length = Some(self.body.len() as u64 + 1);
        request
    }
}

fn step(requests: Vec<RequestSpec>, expect: Vec<Outcome>, effect: Effect) -> Step {
    Step {
        before: Before::Nothing,
        requests,
        expect,
        effect,
    }
}

const fn effect(runs: usize, claims: usize, commits: usize, releases: usize) -> Effect {
    Effect {
        runs,
        claims,
        commits,
        releases,
    }
}

const fn refused(status: u16, code: &'static str, max_retry_after: Option<u64>) -> Outcome {
    Outcome::Refused {
        status,
        code,
        max_retry_after,
    }
}

/// Every replay row, with deliveries made now (fresh ones, an hour old, an hour ahead).
#[must_use]
pub fn rows() -> Vec<Row> {
    use Outcome::{Duplicate, Failed, Ran};
    const STALE: Outcome = refused(401, "stale_event", None);
    let hour = Duration::from_secs(3600);
    let lease = Some(LEASE.as_secs());
    let unavailable = Some(UNAVAILABLE_RETRY_AFTER.as_secs());
    let duplicate = || step(Vec::new(), vec![Duplicate], effect(0, 1, 0, 0));
    let with = |mut step: Step, request: RequestSpec| {
        step.requests.push(request);
        step
    };

    let first = Delivery::now();
    let failing = Delivery::now();
    let busy = Delivery::now();
    let (old, ahead) = (
        Delivery::at(SystemTime::now() - hour),
        Delivery::at(SystemTime::now() + hour),
    );
    let forged = Delivery::now();
    let down = Delivery::now();
    vec![
        Row {
            name: "replay/first_delivery_then_duplicate",
            steps: vec![
                step(vec![first.plain()], vec![Ran], effect(1, 1, 1, 0)),
                with(duplicate(), first.plain()),
                // Had the handler run, it would have answered 500.
                with(duplicate(), first.failing()),
            ],
        },
        Row {
            name: "replay/failure_released_then_retry_runs",
            steps: vec![
                step(vec![failing.failing()], vec![Failed], effect(1, 1, 0, 1)),
                step(vec![failing.plain()], vec![Ran], effect(1, 1, 1, 0)),
                with(duplicate(), failing.plain()),
            ],
        },
        Row {
            name: "replay/in_progress_is_409",
            steps: vec![
                step(
                    vec![busy.delayed(), busy.delayed()],
                    vec![Ran, refused(409, "delivery_in_progress", lease)],
                    effect(1, 2, 1, 0),
                ),
                with(duplicate(), busy.plain()),
            ],
        },
        Row {
            name: "replay/stale_event_is_401_not_recorded",
            steps: vec![
                step(vec![old.plain()], vec![STALE], Effect::default()),
                step(vec![ahead.plain()], vec![STALE], Effect::default()),
                // Not recorded: still stale, never a duplicate.
                step(vec![old.plain()], vec![STALE], Effect::default()),
            ],
        },
        Row {
            name: "replay/forged_signature_is_401_not_recorded",
            steps: vec![
                step(
                    vec![forged.forged()],
                    vec![refused(401, "signature_mismatch", None)],
                    Effect::default(),
                ),
                step(vec![forged.plain()], vec![Ran], effect(1, 1, 1, 0)),
            ],
        },
        Row {
            name: "replay/store_unavailable_is_503",
            steps: vec![
                Step {
                    before: Before::StoreDown,
                    ..step(
                        vec![down.plain()],
                        vec![refused(503, "replay_store_unavailable", unavailable)],
                        effect(0, 1, 0, 0),
                    )
                },
                Step {
                    before: Before::StoreUp,
                    ..step(vec![down.plain()], vec![Ran], effect(1, 1, 1, 0))
                },
            ],
        },
    ]
}

/// The store the guard is given: the real one, with every call counted.
struct Counted {
    inner: Arc<dyn ReplayStore>,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    claims: AtomicUsize,
    commits: AtomicUsize,
    releases: AtomicUsize,
}

impl ReplayStore for Counted {
    fn claim(
        &self,
        key: DeliveryKey,
        owner: Owner,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Claim, StoreError>> {
        self.counts.claims.fetch_add(1, Ordering::SeqCst);
        self.inner.claim(key, owner, lease)
    }

    fn commit(
        &self,
        key: DeliveryKey,
        owner: Owner,
        expires_at: Expiry,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.counts.commits.fetch_add(1, Ordering::SeqCst);
        self.inner.commit(key, owner, expires_at)
    }

    fn release(&self, key: DeliveryKey, owner: Owner) -> BoxFuture<'_, Result<bool, StoreError>> {
        // Counted once the store answered: the checker waits for a dropped claim's release by
        // this count, and the next step's claim must not overtake it on its way to the store.
        Box::pin(async move {
            let released = self.inner.release(key, owner).await;
            self.counts.releases.fetch_add(1, Ordering::SeqCst);
            released
        })
    }
}

/// The store's own handle, for [`Before`]: the memory store to fill and free, or the Redis
/// server to kill and restart.
enum Backend {
    Memory {
        store: Arc<MemoryStore>,
        fillers: Vec<(DeliveryKey, Owner)>,
    },
    #[cfg(feature = "redis-server")]
    Redis {
        server: crate::redis_server::RedisServer,
        store: Arc<dyn ReplayStore>,
    },
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Memory { .. } => "Memory",
            #[cfg(feature = "redis-server")]
            Self::Redis { .. } => "Redis",
        })
    }
}

/// The path of the typed route [`check_typed`] sends to.
pub const TYPED_PATH: &str = "/events";

/// The typed guarded form (each adapter's `GuardedJson<Event>`), on a fresh guard: `send`
/// sends the request (a POST of a body signed with [`TOKEN`] to [`TYPED_PATH`]) to the app,
/// whose handler there answers 200 with the event's type as a JSON string and commits its
/// claim (or lets the adapter commit it on that 2xx). Checked, in order:
///
/// - an event: 200 `"post_comment_mobile"`; the same bytes again: 200
///   `{"status":"duplicate"}` (`application/json`);
/// - an event from 2017 whose `type` is not a string: 401 `stale_event` (the guard answers
///   before the body is parsed);
/// - `{"type":7}` and `not json`, each twice: 400 `invalid_payload` both times (the claim is
///   released, so it is never answered as a duplicate).
///
/// # Panics
///
/// At the first answer that differs, naming the step.
pub async fn check_typed<F>(send: F)
where
    F: AsyncFn(RequestSpec) -> Answer,
{
    let expect = async |what: &str, body: &[u8], want: Answer| {
        let headers = [
            ("content-type".to_owned(), "application/json".to_owned()),
            (SIGNATURE_HEADER.to_owned(), sign(TOKEN, body)),
        ];
        let answer = send(RequestSpec::new(TYPED_PATH, headers, body)).await;
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (want.status, want.body.as_slice()),
            "typed guarded form, {what}: wrong answer"
        );
        if want.status == 200 && want.body.starts_with(b"{") {
            assert_eq!(
                answer.content_type.as_deref(),
                Some("application/json"),
                "typed guarded form, {what}: content-type"
            );
        }
    };
    let event = br#"{"payload":{},"type":"post_comment_mobile"}"#;
    expect(
        "an event",
        event,
        Answer::json(200, r#""post_comment_mobile""#),
    )
    .await;
    expect(
        "the same event again",
        event,
        Answer::json(200, DUPLICATE_BODY),
    )
    .await;
    let old = br#"{"payload":{"message":{"timestamp":"2017-09-23T10:34:44Z"}},"type":7}"#;
    let stale = Answer::json(401, r#"{"error":"stale_event"}"#);
    expect("a stale body that is not an event", old, stale).await;
    for body in [&br#"{"type":7}"#[..], b"not json"] {
        for attempt in ["", " again"] {
            let invalid = Answer::json(400, r#"{"error":"invalid_payload"}"#);
            expect(&format!("not an event{attempt}"), body, invalid).await;
        }
    }
}

/// A guard on a [`Store`] with its calls counted, a [`Receiver`], and the checker of the
/// [`rows`]: see the [module](self).
#[derive(Debug)]
pub struct Harness {
    setup: Setup,
    counts: Arc<Counts>,
    backend: Backend,
}

impl Harness {
    /// The guard on `store` (for [`Store::Redis`]: a `redis-server` started now on a free
    /// 127.0.0.1 port, stopped when the harness is dropped). Within a tokio runtime.
    ///
    /// # Panics
    ///
    /// When the Redis store cannot start or connect (without `redis-server` installed, with
    /// [`NOT_FOUND`](crate::redis_server::NOT_FOUND)).
    pub async fn start(store: Store) -> Self {
        let (inner, backend): (Arc<dyn ReplayStore>, Backend) = match store {
            Store::Memory => {
                let store = Arc::new(MemoryStore::with_shards(MEMORY_CAPACITY, 1));
                let fillers = Vec::new();
                (store.clone(), Backend::Memory { store, fillers })
            }
            #[cfg(feature = "redis-server")]
            Store::Redis => {
                let server = crate::redis_server::RedisServer::start();
                let store = qiscus_webhook_replay::RedisStore::connect(&server.url())
                    .await
                    .unwrap_or_else(|error| panic!("cannot connect to redis-server: {error}"));
                let store: Arc<dyn ReplayStore> = Arc::new(store);
                (store.clone(), Backend::Redis { server, store })
            }
        };
        let counts = Arc::new(Counts::default());
        let counted = Counted {
            inner,
            counts: counts.clone(),
        };
        let guard = ReplayGuard::from_store(Arc::new(counted))
            .with_max_age(MAX_AGE)
            .with_lease(LEASE)
            .with_unavailable_retry_after(UNAVAILABLE_RETRY_AFTER);
        Self {
            setup: Setup {
                verifier: verifier(),
                guard,
                receiver: Receiver::default(),
            },
            counts,
            backend,
        }
    }

    /// What to build the app under test from (clones share the store and the count).
    #[must_use]
    pub fn setup(&self) -> Setup {
        self.setup.clone()
    }

    /// Runs every [`Row`] of [`rows`] through `send` (which sends the request to the app and
    /// returns its [`Answer`]), then panics with every failure, one line each (a row stops at
    /// its first failing step).
    ///
    /// `send` is called concurrently for the in-progress row.
    ///
    /// # Panics
    ///
    /// When a row fails.
    pub async fn check<F>(mut self, send: F)
    where
        F: AsyncFn(RequestSpec) -> Answer,
    {
        let rows = rows();
        let mut failures = Vec::new();
        for row in &rows {
            for (index, step) in row.steps.iter().enumerate() {
                if let Err(failure) = self.step(step, &send).await {
                    failures.push(format!("{} step {}: {failure}", row.name, index + 1));
                    break;
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} replay rows failed:\n  {}",
            failures.len(),
            rows.len(),
            failures.join("\n  "),
        );
    }

    async fn step<F>(&mut self, step: &Step, send: &F) -> Result<(), String>
    where
        F: AsyncFn(RequestSpec) -> Answer,
    {
        self.before(step.before).await?;
        let before = self.effect();
        let answers = match step.requests.as_slice() {
            [one] => vec![send(one.clone()).await],
            [first, second] => {
                let (first, second) = tokio::join!(send(first.clone()), send(second.clone()));
                vec![first, second]
            }
            more => unreachable!("the rows send one or two requests, not {}", more.len()),
        };
        matches(&step.requests, &step.expect, &answers)?;
        self.settled(before, step.effect).await
    }

    /// The counts so far.
    fn effect(&self) -> Effect {
        Effect {
            runs: self.setup.receiver.calls(),
            claims: self.counts.claims.load(Ordering::SeqCst),
            commits: self.counts.commits.load(Ordering::SeqCst),
            releases: self.counts.releases.load(Ordering::SeqCst),
        }
    }

    /// Waits (at most [`SETTLE`]) for the releases since `before` to reach `expected` (a
    /// dropped claim is released by a spawned task), then compares every count exactly.
    async fn settled(&self, before: Effect, expected: Effect) -> Result<(), String> {
        let since = |now: Effect| Effect {
            runs: now.runs - before.runs,
            claims: now.claims - before.claims,
            commits: now.commits - before.commits,
            releases: now.releases - before.releases,
        };
        // Only a release may come after the answer (a dropped claim's spawned task): claims
        // come before it, and commits too (a handler's, or its middleware's, before answering).
        let pending =
            |done: Effect| done.releases < expected.releases && done.commits <= expected.commits;
        let deadline = tokio::time::Instant::now() + SETTLE;
        while pending(since(self.effect())) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let done = since(self.effect());
        if done == expected {
            Ok(())
        } else {
            Err(format!(
                "the handler ran {} times and the store got {} claims, {} commits, {} releases; \
                 expected {}, {}, {}, {}",
                done.runs,
                done.claims,
                done.commits,
                done.releases,
                expected.runs,
                expected.claims,
                expected.commits,
                expected.releases,
            ))
        }
    }

    async fn before(&mut self, before: Before) -> Result<(), String> {
        match (before, &mut self.backend) {
            (Before::Nothing, _) => Ok(()),
            (Before::StoreDown, Backend::Memory { store, fillers }) => {
                // Live claims of other keys until the store refuses: every entry is live.
                for n in 0..=MEMORY_CAPACITY {
                    let key = DeliveryKey::from_event("replay-conformance-filler", &n.to_string());
                    let owner = Owner::new();
                    match store.claim(key, owner, LEASE).await {
                        Ok(Claim::Claimed) => fillers.push((key, owner)),
                        Ok(other) => return Err(format!("filling the store: {other:?}")),
                        Err(StoreError::Full) => return Ok(()),
                        Err(error) => return Err(format!("filling the store: {error}")),
                    }
                }
                Err(format!(
                    "the memory store took {MEMORY_CAPACITY} + 1 claims"
                ))
            }
            (Before::StoreUp, Backend::Memory { store, fillers }) => {
                for (key, owner) in fillers.drain(..) {
                    store
                        .release(key, owner)
                        .await
                        .map_err(|error| format!("freeing the store: {error}"))?;
                }
                Ok(())
            }
            #[cfg(feature = "redis-server")]
            (Before::StoreDown, Backend::Redis { server, .. }) => {
                server.stop();
                Ok(())
            }
            #[cfg(feature = "redis-server")]
            (Before::StoreUp, Backend::Redis { server, store }) => {
                server.restart();
                // The store reconnects by itself, within about a second of backoff.
                let deadline = tokio::time::Instant::now() + SETTLE;
                let probe = DeliveryKey::from_event("replay-conformance-probe", "up");
                loop {
                    let owner = Owner::new();
                    match store.claim(probe, owner, LEASE).await {
                        Ok(_) => {
                            let _ = store.release(probe, owner).await;
                            return Ok(());
                        }
                        Err(error) if tokio::time::Instant::now() >= deadline => {
                            return Err(format!("Redis restarted, the store still fails: {error}"));
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
            }
        }
    }
}

/// Whether the answers match the outcomes, in some order (each request against each outcome:
/// with two, either pairing).
fn matches(requests: &[RequestSpec], expect: &[Outcome], answers: &[Answer]) -> Result<(), String> {
    let one = |request: &RequestSpec, outcome: &Outcome, answer: &Answer| {
        check(outcome, &request.body.bytes(), answer)
    };
    match (requests, expect, answers) {
        ([request], [outcome], [answer]) => one(request, outcome, answer),
        ([r1, r2], [o1, o2], [a1, a2]) => {
            let straight = one(r1, o1, a1).and_then(|()| one(r2, o2, a2));
            straight.or_else(|failure| {
                one(r1, o2, a1)
                    .and_then(|()| one(r2, o1, a2))
                    .map_err(|other| format!("{failure}; or, paired the other way: {other}"))
            })
        }
        _ => Err(format!(
            "{} requests, {} outcomes, {} answers",
            requests.len(),
            expect.len(),
            answers.len()
        )),
    }
}

/// One answer against its outcome: status, JSON body, `Content-Type`, `Retry-After`.
fn check(outcome: &Outcome, sent: &[u8], answer: &Answer) -> Result<(), String> {
    let (status, body, max_retry_after) = match outcome {
        Outcome::Ran => (200, Some(raw_receipt(sent)), None),
        Outcome::Failed => (500, None, None),
        Outcome::Duplicate => (200, Some(json!({ "status": "duplicate" })), None),
        Outcome::Refused {
            status,
            code,
            max_retry_after,
        } => (*status, Some(json!({ "error": code })), *max_retry_after),
    };
    let shown = String::from_utf8_lossy(&answer.body);
    if answer.status != status {
        return Err(format!(
            "status {}, expected {status} ({outcome:?}); body {shown:?}",
            answer.status
        ));
    }
    if let Some(expected) = body {
        let actual: Value = serde_json::from_slice(&answer.body)
            .map_err(|error| format!("body is not JSON ({error}): {shown:?}"))?;
        if actual != expected {
            return Err(format!("body {actual}, expected {expected}"));
        }
    }
    let essence = answer
        .content_type
        .as_deref()
        .map(|value| value.split(';').next().unwrap_or_default().trim());
    if !essence.is_some_and(|essence| essence.eq_ignore_ascii_case("application/json")) {
        return Err(format!(
            "content-type {:?}, expected application/json ({outcome:?})",
            answer.content_type
        ));
    }
    match (max_retry_after, answer.retry_after.as_deref()) {
        (None, None) => Ok(()),
        (None, Some(value)) => Err(format!("Retry-After {value:?} on {outcome:?}")),
        (Some(_), None) => Err(format!("no Retry-After on {outcome:?}")),
        (Some(max), Some(value)) => match value.trim().parse::<u64>() {
            Ok(secs) if (1..=max).contains(&secs) => Ok(()),
            _ => Err(format!(
                "Retry-After {value:?}, expected whole seconds from 1 to {max} ({outcome:?})"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_named_once_and_every_step_has_an_outcome_per_request() {
        let rows = rows();
        let mut names: Vec<_> = rows.iter().map(|row| row.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rows.len());
        for row in &rows {
            assert!(row.name.starts_with("replay/"), "{}", row.name);
            for step in &row.steps {
                assert!(!step.requests.is_empty(), "{}", row.name);
                assert_eq!(step.requests.len(), step.expect.len(), "{}", row.name);
            }
        }
    }

    #[test]
    fn deliveries_are_signed_with_the_conformance_token_and_unique() {
        let (a, b) = (Delivery::now(), Delivery::now());
        assert_ne!(a.body, b.body);
        assert_eq!(a.signature, sign(TOKEN, &a.body));
        let verified = verifier().verify(&a.body, &a.signature.parse().unwrap());
        assert!(verified.is_ok());
        let forged = a.forged();
        assert_eq!(
            forged.body.bytes().len() as u64,
            forged.content_length.unwrap()
        );
        assert!(
            verifier()
                .verify(&forged.body.bytes(), &a.signature.parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn a_pair_matches_in_either_order() {
        let receipt = |body: &[u8]| raw_receipt(body).to_string();
        let request = Delivery::now().plain();
        let sent = request.body.bytes();
        let ran = Answer::json(200, receipt(&sent));
        let busy = Answer {
            retry_after: Some("29".into()),
            ..Answer::json(409, r#"{"error":"delivery_in_progress"}"#)
        };
        let expect = [Outcome::Ran, refused(409, "delivery_in_progress", Some(30))];
        let requests = [request.clone(), request];
        assert_eq!(
            matches(&requests, &expect, &[ran.clone(), busy.clone()]),
            Ok(())
        );
        assert_eq!(
            matches(&requests, &expect, &[busy.clone(), ran.clone()]),
            Ok(())
        );
        assert!(matches(&requests, &expect, &[ran.clone(), ran]).is_err());
        let no_retry_after = Answer {
            retry_after: None,
            ..busy.clone()
        };
        assert!(
            check(&expect[1], &sent, &no_retry_after)
                .unwrap_err()
                .contains("no Retry-After")
        );
        let too_long = Answer {
            retry_after: Some("31".into()),
            ..busy
        };
        assert!(check(&expect[1], &sent, &too_long).is_err());
        let text = Answer {
            content_type: Some("text/plain".into()),
            ..Answer::json(200, r#"{"status":"duplicate"}"#)
        };
        assert!(
            check(&Outcome::Duplicate, &sent, &text)
                .unwrap_err()
                .contains("content-type")
        );
    }
}
