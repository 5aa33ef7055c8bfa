//! What every framework adapter does with the guard, written once: [`ReplayGuard::admit`]
//! (the handler runs, or the request is answered without it: [`NotRun`]),
//! `ReplayGuard::admit_json` (feature `json`: admit, then parse, for the typed extractors) and
//! [`ReplayGuard::run`] (admit, the handler, then commit or release on its status), for
//! middleware.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

use qiscus_webhook::{Error, Rejection, Verified};

use crate::guard::{Admission, ReplayGuard, Ticket};
use crate::{DUPLICATE_BODY, DUPLICATE_STATUS};

/// Why the handler does not run for a request, as an adapter answers it: a
/// [`Duplicate`](NotRun::Duplicate) (200 `{"status":"duplicate"}`) or a
/// [`Rejected`](NotRun::Rejected) request (the guard's 401, 409 or 503, or the adapter's own
/// verification refusal), each with [`status_code`](Self::status_code),
/// [`CONTENT_TYPE`](Self::CONTENT_TYPE), [`response_body`](Self::response_body) and
/// [`retry_after_secs`](Self::retry_after_secs) (the `Retry-After` header).
///
/// An adapter's guarded extractor fails with it (wrapped in the framework's response type),
/// so that a duplicate is answered without the handler.
///
/// ```
/// use std::time::Duration;
/// use qiscus_webhook::{Error, Rejection};
/// use qiscus_webhook_replay::NotRun;
///
/// assert_eq!(NotRun::Duplicate.status_code(), 200);
/// assert_eq!(NotRun::Duplicate.response_body(), r#"{"status":"duplicate"}"#);
/// assert_eq!(NotRun::Duplicate.retry_after_secs(), None);
///
/// let busy = NotRun::from(
///     Rejection::from(Error::DeliveryInProgress).with_retry_after(Duration::from_secs(7)),
/// );
/// assert_eq!(busy.status_code(), 409);
/// assert_eq!(busy.response_body(), r#"{"error":"delivery_in_progress"}"#);
/// assert_eq!(busy.retry_after_secs(), Some(7));
/// ```
#[derive(Debug)]
pub enum NotRun {
    /// Already handled (committed): answer [`DUPLICATE_STATUS`] with [`DUPLICATE_BODY`].
    Duplicate,
    /// Refused: answer as the adapter answers any [`Rejection`] (with `Retry-After` when
    /// [`Rejection::retry_after_secs`] says).
    Rejected(Rejection),
}

impl NotRun {
    /// The `Content-Type` of either answer.
    pub const CONTENT_TYPE: &'static str = Rejection::CONTENT_TYPE;

    /// The HTTP status: 200 for a duplicate, else the rejection's.
    #[must_use]
    pub const fn status_code(&self) -> u16 {
        match self {
            Self::Duplicate => DUPLICATE_STATUS,
            Self::Rejected(rejection) => rejection.status_code(),
        }
    }

    /// The JSON body: [`DUPLICATE_BODY`], or the rejection's `{"error":"<code>"}`.
    #[must_use]
    pub const fn response_body(&self) -> &'static str {
        match self {
            Self::Duplicate => DUPLICATE_BODY,
            Self::Rejected(rejection) => rejection.response_body(),
        }
    }

    /// The `Retry-After` header's value in seconds, if the answer has one (a duplicate never
    /// does).
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.rejection().and_then(Rejection::retry_after_secs)
    }

    /// The rejection, unless this is a duplicate.
    #[must_use]
    pub const fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::Duplicate => None,
            Self::Rejected(rejection) => Some(rejection),
        }
    }
}

impl From<Rejection> for NotRun {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

impl From<Error> for NotRun {
    fn from(error: Error) -> Self {
        Self::Rejected(error.into())
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate => f.write_str("a duplicate delivery, already handled"),
            Self::Rejected(rejection) => fmt::Display::fmt(rejection, f),
        }
    }
}

impl StdError for NotRun {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.rejection().and_then(StdError::source)
    }
}

impl ReplayGuard {
    /// [`begin`](Self::begin), folded the way an adapter uses it: the [`Ticket`] when the
    /// handler must run, else what to answer instead ([`NotRun`]).
    ///
    /// # Errors
    ///
    /// [`NotRun::Duplicate`], or [`NotRun::Rejected`] with `begin`'s rejection.
    pub async fn admit(&self, verified: &Verified, body: &[u8]) -> Result<Ticket, NotRun> {
        match self.begin(verified, body).await? {
            Admission::Run(ticket) => Ok(ticket),
            Admission::Duplicate => Err(NotRun::Duplicate),
        }
    }

    /// [`admit`](Self::admit), then the verified body parsed as `T` by the core's
    /// [`json::parse`](qiscus_webhook::json::parse): what a guarded typed extractor
    /// (`GuardedJson<T>` in each adapter) hands its handler. The guard answers first, so a
    /// duplicate or a stale event is answered as such whatever the body holds; a body that
    /// does not parse as `T` is refused 400 `invalid_payload` and its claim is released before
    /// the answer goes out, so it is never remembered as handled.
    ///
    /// ```
    /// # use qiscus_webhook::{Error, Token, Verifier};
    /// use qiscus_webhook_replay::{MemoryStore, NotRun, ReplayGuard};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Ping {
    ///     r#type: String,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let verifier = Verifier::new(Token::new("secret")?);
    /// let guard = ReplayGuard::new(MemoryStore::default());
    /// let body = br#"{"type":"ping"}"#;
    /// # let verified = verifier.verify(body, &verifier.sign(body))?;
    /// // `verified`: the result of verifying `body`.
    /// let (ping, ticket) = guard.admit_json::<Ping>(&verified, body).await?;
    /// assert_eq!(ping.r#type, "ping");
    /// ticket.commit().await?;
    ///
    /// let not_a_ping = br#"{"kind":"ping"}"#;
    /// # let verified = verifier.verify(not_a_ping, &verifier.sign(not_a_ping))?;
    /// let refused = guard.admit_json::<Ping>(&verified, not_a_ping).await;
    /// let Err(NotRun::Rejected(rejection)) = refused else { panic!("parsed") };
    /// assert_eq!(rejection.error(), Error::InvalidPayload);
    /// // Released, not remembered: the same bytes are admitted again.
    /// assert!(guard.admit(&verified, not_a_ping).await.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`admit`](Self::admit), or [`NotRun::Rejected`] with the core's
    /// `invalid_payload` rejection.
    #[cfg(feature = "json")]
    pub async fn admit_json<T>(
        &self,
        verified: &Verified,
        body: &[u8],
    ) -> Result<(T, Ticket), NotRun>
    where
        T: serde::de::DeserializeOwned,
    {
        let ticket = self.admit(verified, body).await?;
        // The match ends before the await: no `T` is held across it (the future stays `Send`
        // whatever `T` is).
        let rejection = match qiscus_webhook::json::parse(body) {
            Ok(value) => return Ok((value, ticket)),
            Err(rejection) => rejection,
        };
        // Released before the answer, so a retry that follows it at once runs.
        let _ = ticket.release().await;
        Err(NotRun::Rejected(rejection))
    }

    /// A guarded handler, for middleware: [`admit`](Self::admit), then `handler()` only if
    /// admitted, then [`Ticket::finish`] with `status(&answer)`: a 2xx commits, anything else
    /// releases. If this future is dropped while the handler runs (the client went away),
    /// the ticket's drop releases the claim.
    ///
    /// A store error in the finish cannot change the answer, which is already made: the
    /// claim then lapses with its lease.
    ///
    /// ```
    /// # use qiscus_webhook::{Signature, Token, Verifier};
    /// use qiscus_webhook_replay::{MemoryStore, NotRun, ReplayGuard};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let verifier = Verifier::new(Token::new("secret")?);
    /// let guard = ReplayGuard::new(MemoryStore::default());
    /// let body = br#"{"type":"ping"}"#;
    /// # let verified = verifier.verify(body, &verifier.sign(body))?;
    /// // `verified`: the result of verifying `body`.
    /// let handler = || async { (200, "handled") };
    /// let first = guard.run(&verified, body, handler, |answer| answer.0).await;
    /// assert_eq!(first.expect("admitted"), (200, "handled"));
    ///
    /// let again = guard.run(&verified, body, handler, |answer| answer.0).await;
    /// assert!(matches!(again, Err(NotRun::Duplicate)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`admit`](Self::admit): the handler did not run.
    pub async fn run<R, F, Fut>(
        &self,
        verified: &Verified,
        body: &[u8],
        handler: F,
        status: impl FnOnce(&R) -> u16,
    ) -> Result<R, NotRun>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = R>,
    {
        let ticket = self.admit(verified, body).await?;
        let answer = handler().await;
        // The answer stands whatever the store says now (see above).
        let _ = ticket.finish(status(&answer)).await;
        Ok(answer)
    }
}
