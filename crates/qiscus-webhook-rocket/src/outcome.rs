//! The data guards' outcome, kept in request-local state for the catchers and for fairings.

use std::sync::OnceLock;
use std::time::Duration;

use qiscus_webhook::{Error, Rejection, Verified};
use rocket::Request;

/// What a data guard of this crate concluded on a request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Concluded {
    /// Verified (and, for the replay guards, admitted): the handler runs.
    Verified(Verified),
    /// Refused with this error (and, from the replay guard, this `Retry-After`).
    Refused(Error, Option<Duration>),
    /// Verified, and already handled: the replay guards' duplicate, answered 200.
    #[cfg(feature = "replay")]
    Duplicate(Verified),
}

/// A recorded refusal as the core's rejection again (what the catchers answer).
pub(crate) fn refusal(error: Error, retry_after: Option<Duration>) -> Rejection {
    let rejection = Rejection::from(error);
    match retry_after {
        Some(after) => rejection.with_retry_after(after),
        None => rejection,
    }
}

/// Request-local state, created empty by whoever asks first (a fairing may ask before the
/// guard ran) and set once by the guard.
#[derive(Debug, Default)]
struct Outcome(OnceLock<Concluded>);

fn outcome<'a>(request: &'a Request<'_>) -> &'a Outcome {
    request.local_cache(Outcome::default)
}

/// Records the outcome of the request's webhook data guard. Rocket runs one data guard per
/// request, so it is recorded at most once; were there a second, the first would stay.
pub(crate) fn record(request: &Request<'_>, concluded: Concluded) {
    let _first = outcome(request).0.set(concluded);
}

/// Records a refusal, with its `Retry-After`.
pub(crate) fn record_refusal(request: &Request<'_>, rejection: &Rejection) {
    record(
        request,
        Concluded::Refused(rejection.error(), rejection.retry_after()),
    );
}

/// What the request's webhook data guard concluded, if one ran.
pub(crate) fn concluded(request: &Request<'_>) -> Option<Concluded> {
    outcome(request).0.get().copied()
}

/// What the webhook data guard ([`VerifiedBody`](crate::VerifiedBody) or
/// [`VerifiedJson`](crate::VerifiedJson), or with the `replay` feature `GuardedBody` or
/// `GuardedJson`) concluded on this request; `None` when no such guard ran (yet: Rocket
/// evaluates every request guard before the data guard).
///
/// `Ok` holds which token matched (also for a duplicate delivery the replay guard answered
/// without the handler); `Err` the refusal (for `VerifiedJson`, a verified body that is not a
/// `T` is `Err(Error::InvalidPayload)`; from the replay guard, `Error::StaleEvent`,
/// `Error::DeliveryInProgress` or `Error::ReplayStoreUnavailable`). The
/// [`catchers`](crate::catchers) read it to answer with the webhook's JSON error; a response
/// fairing can read it too, e.g. to notice that Qiscus still signs with the previous token:
///
/// ```
/// use rocket::fairing::AdHoc;
///
/// let fairing = AdHoc::on_response("token rotation watch", |request, _response| {
///     Box::pin(async move {
///         if let Some(Ok(verified)) = qiscus_webhook_rocket::verification(request) {
///             if !verified.is_primary() {
///                 eprintln!("Qiscus signed with token #{}", verified.token_index());
///             }
///         }
///     })
/// });
/// # let _ = rocket::build().attach(fairing);
/// ```
#[must_use]
pub fn verification(request: &Request<'_>) -> Option<Result<Verified, Error>> {
    Some(match concluded(request)? {
        Concluded::Verified(verified) => Ok(verified),
        #[cfg(feature = "replay")]
        Concluded::Duplicate(verified) => Ok(verified),
        Concluded::Refused(error, _) => Err(error),
    })
}
