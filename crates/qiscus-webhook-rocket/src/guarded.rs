//! The replay guard (feature `replay`): the data guards [`GuardedBody`] and [`GuardedJson`],
//! the [`Claim`] they hand the handler, their [`ReplayRejection`], and [`replay_stage`], the
//! fairing that finishes every claim with the response's status.

use std::fmt;
use std::io::Cursor;
use std::sync::{Arc, Mutex, PoisonError};

use qiscus_webhook::{Error, Rejection, Verified};
use qiscus_webhook_replay::{
    DUPLICATE_BODY, DUPLICATE_STATUS, Finished, NotRun, ReplayGuard, StoreError, Ticket,
};
use rocket::data::{self, Data, FromData};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::{Header, Status};
use rocket::outcome::Outcome;
use rocket::response::{self, Responder, Response};
use rocket::{Build, Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;

use crate::WebhookRejection;
use crate::guard::{unconfigured, verify};
use crate::outcome::{self, Concluded};

/// The status a data guard fails with on a duplicate (Rocket's catchers only serve error
/// statuses): the [`catchers`](crate::catchers) answer it 200 `{"status":"duplicate"}`.
pub(crate) const DUPLICATE_FAILURE: Status = Status::Conflict;

/// The verified body of a delivery the managed [`ReplayGuard`] admitted, and its [`Claim`].
///
/// A data guard (`data = "<body>"`): [`VerifiedBody`](crate::VerifiedBody)'s verification,
/// then [`ReplayGuard::admit`] on the verified bytes (a refused signature is never recorded).
/// The guard is the application's managed [`ReplayGuard`] (through [`replay_stage`], or
/// `.manage(guard)`); a Rocket that mounts a route taking this guard and manages no
/// `ReplayGuard` (or no [`Verifier`](crate::Verifier)) refuses to launch.
///
/// | the delivery | the answer | the handler |
/// |---|---|---|
/// | first (or a retry of a released one) | the handler's | runs, with the [`Claim`] |
/// | already committed | 200 `{"status":"duplicate"}` | does not run |
/// | claimed, not finished | 409 `{"error":"delivery_in_progress"}`, `Retry-After` | does not run |
/// | store unavailable or full | 503 `{"error":"replay_store_unavailable"}`, `Retry-After` | does not run |
/// | event time outside the window | 401 `{"error":"stale_event"}` | does not run |
///
/// The refusals and the duplicate are answered by the [`catchers`](crate::catchers) (the
/// guard fails, Rocket's only way for a data guard to answer), or by the handler through
/// `Result<GuardedBody, ReplayRejection>` ([`ReplayRejection`] is a `Responder`).
///
/// ```
/// # #[rocket::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use rocket::{post, routes};
/// use rocket::http::Header;
/// use rocket::local::asynchronous::Client;
/// use qiscus_webhook_rocket::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_rocket::{GuardedBody, Token, Verifier};
///
/// /// With `replay_stage`, a 2xx commits the delivery, anything else releases it.
/// #[post("/webhook", data = "<body>")]
/// fn webhook(body: GuardedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let rocket = rocket::build()
///     .attach(qiscus_webhook_rocket::stage(verifier))
///     .attach(qiscus_webhook_rocket::replay_stage(guard))
///     .mount("/", routes![webhook]);
///
/// let client = Client::untracked(rocket).await?;
/// let body = br#"{"payload":{},"type":"post_comment_mobile"}"#;
/// let signature = qiscus_webhook_testkit::sign("signature token", body);
/// let deliver = || {
///     client
///         .post("/webhook")
///         .header(Header::new("qiscus-sdk-signature", signature.clone()))
///         .body(body)
///         .dispatch()
/// };
/// assert_eq!(deliver().await.into_string().await.as_deref(), Some("43 bytes"));
/// // Delivered again: answered without running the handler.
/// let again = deliver().await;
/// assert_eq!(again.status().code, 200);
/// assert_eq!(again.into_string().await.as_deref(), Some(r#"{"status":"duplicate"}"#));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct GuardedBody(pub Vec<u8>, pub Verified, pub Claim);

/// The parsed body of a delivery the managed [`ReplayGuard`] admitted, and its [`Claim`].
///
/// [`GuardedBody`]'s verification and guard, then the verified bytes are parsed as
/// [`VerifiedJson`](crate::VerifiedJson) does. The guard decides first, so a stale event is
/// `401 stale_event` whatever its body; a verified body that is not a `T` is then
/// `400 invalid_payload`, and its claim released (the handler never ran).
///
/// ```
/// use rocket::{post, routes};
/// use qiscus_webhook_rocket::events::Event;
/// use qiscus_webhook_rocket::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_rocket::{GuardedJson, Token, Verifier};
///
/// /// Without `replay_stage`: the handler commits the claim itself (dropped, it releases).
/// #[post("/events", data = "<event>")]
/// async fn events(event: GuardedJson<Event>) -> String {
///     let GuardedJson(event, _, claim) = event;
///     let answer = event.event_type().to_owned();
///     let _ = claim.commit().await;
///     answer
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let rocket = rocket::build()
///     .attach(qiscus_webhook_rocket::stage(verifier))
///     .manage(guard)
///     .mount("/", routes![events]);
/// # Ok::<(), qiscus_webhook_rocket::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct GuardedJson<T>(pub T, pub Verified, pub Claim);

qiscus_webhook::__impl_verified_deref!(GuardedBody => [u8], GuardedJson);

/// The claim on an admitted delivery, held by [`GuardedBody`] and [`GuardedJson`] while the
/// handler runs.
///
/// - [`commit`](Self::commit) once the delivery is handled: a duplicate of it is answered
///   200 from then on, until its event time + max age;
/// - [`release`](Self::release) when it failed: a retry of the same bytes runs the handler
///   again; [`finish`](Self::finish) with a status does either;
/// - or let it go: with [`replay_stage`] attached, the response's status finishes it (a 2xx
///   commits, anything else releases); without it, a dropped claim releases.
pub struct Claim {
    // Invariant: `Some` until `take` (by a method consuming the claim) or `drop`.
    ticket: Option<Ticket>,
    // With `replay_stage`: where a claim dropped unfinished leaves its ticket for the fairing.
    handoff: Option<Handoff>,
}

impl Claim {
    fn take(&mut self) -> Ticket {
        self.ticket
            .take()
            .expect("a claim holds its ticket until it is finished or dropped")
    }

    /// The handler succeeded: remember the delivery.
    ///
    /// # Errors
    ///
    /// The store's error (the claim then lapses with its lease).
    pub async fn commit(mut self) -> Result<Finished, StoreError> {
        self.take().commit().await
    }

    /// The handler failed: forget the claim, so that a retry runs it again.
    ///
    /// # Errors
    ///
    /// The store's error (the claim then lapses with its lease).
    pub async fn release(mut self) -> Result<Finished, StoreError> {
        self.take().release().await
    }

    /// [`commit`](Self::commit) when `status` is 2xx, else [`release`](Self::release).
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn finish(mut self, status: u16) -> Result<Finished, StoreError> {
        self.take().finish(status).await
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let (Some(ticket), Some(handoff)) = (self.ticket.take(), &self.handoff) {
            *handoff.lock() = Some(ticket);
        }
        // Otherwise a ticket still held drops here, and releases its claim.
    }
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("ticket", &self.ticket)
            .field("finished_by_response", &self.handoff.is_some())
            .finish()
    }
}

/// A request's slot for a ticket its handler left unfinished: request-local state, shared
/// with the request's [`Claim`], read by [`replay_stage`]'s response fairing.
#[derive(Clone, Default)]
struct Handoff(Arc<Mutex<Option<Ticket>>>);

impl Handoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Ticket>> {
        // The lock guards a plain `Option`, never left half-written: a poisoned one is used
        // as is.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why [`GuardedBody`] or [`GuardedJson`] did not hand the request to the handler: their data
/// guards' error type.
///
/// As a [`Responder`] (for a handler that takes `Result<GuardedBody, ReplayRejection>`):
/// a [`Duplicate`](Self::Duplicate) is 200 `{"status":"duplicate"}`, a
/// [`Refused`](Self::Refused) the [`WebhookRejection`]'s JSON error (with `Retry-After` for
/// the replay guard's 409 and 503), all `application/json`.
///
/// ```
/// use rocket::post;
/// use qiscus_webhook_rocket::{GuardedBody, ReplayRejection};
///
/// /// `?` answers a duplicate or a refusal: no catcher needed.
/// #[post("/webhook", data = "<body>")]
/// async fn webhook(body: Result<GuardedBody, ReplayRejection>) -> Result<String, ReplayRejection> {
///     let GuardedBody(bytes, _, claim) = body?;
///     let _ = claim.commit().await;
///     Ok(format!("{} bytes", bytes.len()))
/// }
/// ```
#[derive(Debug)]
pub enum ReplayRejection {
    /// The delivery was already handled (committed): answer 200 `{"status":"duplicate"}`,
    /// so that the sender stops retrying.
    Duplicate,
    /// Refused, by verification or by the replay guard (`stale_event`,
    /// `delivery_in_progress`, `replay_store_unavailable`).
    Refused(WebhookRejection),
}

impl ReplayRejection {
    /// The HTTP status of the response: 200 for a duplicate, the refusal's otherwise.
    #[must_use]
    pub fn status(&self) -> Status {
        match self {
            Self::Duplicate => Status::new(DUPLICATE_STATUS),
            Self::Refused(rejection) => rejection.status(),
        }
    }
}

impl From<NotRun> for ReplayRejection {
    fn from(not_run: NotRun) -> Self {
        match not_run {
            NotRun::Duplicate => Self::Duplicate,
            NotRun::Rejected(rejection) => Self::Refused(rejection.into()),
        }
    }
}

impl fmt::Display for ReplayRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate => f.write_str("the delivery was already handled"),
            Self::Refused(rejection) => fmt::Display::fmt(rejection, f),
        }
    }
}

impl std::error::Error for ReplayRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Duplicate => None,
            Self::Refused(rejection) => Some(rejection),
        }
    }
}

impl<'r> Responder<'r, 'static> for ReplayRejection {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Duplicate => Ok(duplicate_response()),
            Self::Refused(rejection) => rejection.respond_to(request),
        }
    }
}

/// 200 `{"status":"duplicate"}`, `application/json`.
pub(crate) fn duplicate_response() -> Response<'static> {
    Response::build()
        .status(Status::new(DUPLICATE_STATUS))
        .header(Header::new("content-type", Rejection::CONTENT_TYPE))
        .sized_body(DUPLICATE_BODY.len(), Cursor::new(DUPLICATE_BODY))
        .finalize()
}

/// The verification, and the managed guard to ask.
async fn verify_guarded<'r>(
    request: &'r Request<'_>,
    data: Data<'_>,
) -> Result<(Vec<u8>, Verified, &'r ReplayGuard), NotRun> {
    let (body, verified) = verify(request, data).await?;
    // The sentinels make this `None` unreachable for a guard written in a route's signature.
    let guard = request
        .rocket()
        .state::<ReplayGuard>()
        .ok_or_else(|| qiscus_webhook::drive::refuse(Error::NotConfigured))?;
    Ok((body, verified, guard))
}

/// The guard's admission (`admitted`, for the `verified` request) as the data guards hold it:
/// a duplicate recorded for the catchers, a ticket wrapped in a [`Claim`].
fn claim<T>(
    request: &Request<'_>,
    verified: Verified,
    admitted: Result<(T, Ticket), NotRun>,
) -> Result<(T, Verified, Claim), NotRun> {
    let (value, ticket) = admitted.inspect_err(|not_run| {
        if let NotRun::Duplicate = not_run {
            // Recorded here, with the token that matched (`verification` says it).
            outcome::record(request, Concluded::Duplicate(verified));
        }
    })?;
    let handoff = request
        .rocket()
        .state::<FinishedByResponse>()
        .map(|_| request.local_cache(Handoff::default).clone());
    let claim = Claim {
        ticket: Some(ticket),
        handoff,
    };
    Ok((value, verified, claim))
}

/// Records the guard's outcome (for the catchers) and turns it into Rocket's.
fn conclude<'r, T, G>(
    request: &Request<'_>,
    result: Result<(T, Verified, Claim), NotRun>,
    guard: impl FnOnce(T, Verified, Claim) -> G,
) -> data::Outcome<'r, G, ReplayRejection> {
    match result {
        Ok((value, verified, claim)) => {
            outcome::record(request, Concluded::Verified(verified));
            Outcome::Success(guard(value, verified, claim))
        }
        // Recorded by `admit`.
        Err(NotRun::Duplicate) => Outcome::Error((DUPLICATE_FAILURE, ReplayRejection::Duplicate)),
        Err(NotRun::Rejected(rejection)) => {
            outcome::record_refusal(request, &rejection);
            let rejection = WebhookRejection::from(rejection);
            Outcome::Error((rejection.status(), ReplayRejection::Refused(rejection)))
        }
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for GuardedBody {
    type Error = ReplayRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let admitted = async {
            let (body, verified, guard) = verify_guarded(request, data).await?;
            let admitted = guard
                .admit(&verified, &body)
                .await
                .map(|ticket| (body, ticket));
            claim(request, verified, admitted)
        };
        conclude(request, admitted.await, Self)
    }
}

#[rocket::async_trait]
impl<'r, T> FromData<'r> for GuardedJson<T>
where
    T: DeserializeOwned + Send,
{
    type Error = ReplayRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let parsed = async {
            let (body, verified, guard) = verify_guarded(request, data).await?;
            let admitted = guard.admit_json(&verified, &body).await;
            claim(request, verified, admitted)
        };
        conclude(request, parsed.await, Self)
    }
}

/// Aborts launch when no [`Verifier`](crate::Verifier) or no [`ReplayGuard`] is managed.
impl Sentinel for GuardedBody {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        unconfigured(rocket, "GuardedBody") || unguarded(rocket, "GuardedBody")
    }
}

/// Aborts launch when no [`Verifier`](crate::Verifier) or no [`ReplayGuard`] is managed.
impl<T> Sentinel for GuardedJson<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        unconfigured(rocket, "GuardedJson") || unguarded(rocket, "GuardedJson")
    }
}

/// Whether `rocket` manages no replay guard for the `guard`; logs how to fix it.
fn unguarded(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    if rocket.state::<ReplayGuard>().is_some() {
        return false;
    }
    log::error!(
        "`{guard}` needs a managed `qiscus_webhook_replay::ReplayGuard`: \
         `.attach(qiscus_webhook_rocket::replay_stage(guard))` or `.manage(guard)`"
    );
    true
}

/// Managed by [`replay_stage`]: the data guards leave unfinished tickets to its fairing.
struct FinishedByResponse;

/// A fairing that manages `guard` for [`GuardedBody`] and [`GuardedJson`], and finishes every
/// [`Claim`] their handlers left unfinished with the response's status: a 2xx commits the
/// delivery, anything else (a handler's error, a panic's 500) releases it. The claim is
/// finished before the response goes out, so the sender's next attempt sees it.
///
/// This is the middleware form: the handlers take the guards and never touch the claim.
/// Launch fails (a failed ignite fairing) if a [`ReplayGuard`] is already managed. To finish
/// the claims in the handlers instead, `.manage(guard)` without this fairing (a dropped claim
/// then releases).
///
/// It answers nothing itself (Rocket fairings cannot refuse a request): the duplicates and
/// the refusals are the data guards' failures, answered by the [`catchers`](crate::catchers)
/// (registered by [`stage`](crate::stage)).
#[must_use]
pub fn replay_stage(guard: ReplayGuard) -> impl Fairing {
    ReplayStage(guard)
}

struct ReplayStage(ReplayGuard);

#[rocket::async_trait]
impl Fairing for ReplayStage {
    fn info(&self) -> Info {
        Info {
            name: "Qiscus webhook replay guard",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        if rocket.state::<ReplayGuard>().is_some() {
            // Managing a second one would panic; failing the fairing aborts launch instead.
            return Err(rocket);
        }
        Ok(rocket.manage(self.0.clone()).manage(FinishedByResponse))
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let left = request.local_cache(Handoff::default).lock().take();
        if let Some(ticket) = left {
            // A store error cannot change the answer now: the claim then lapses with its
            // lease.
            let _ = ticket.finish(response.status().code).await;
        }
    }
}
