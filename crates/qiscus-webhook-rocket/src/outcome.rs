//! The data guards' outcome, kept in request-local state for the catchers and for fairings.

use std::sync::OnceLock;

use qiscus_webhook::{Error, Verified};
use rocket::Request;

/// What a data guard of this crate concluded on a request: request-local state, created empty
/// by whoever asks first (a fairing may ask before the guard ran) and set once by the guard.
#[derive(Debug, Default)]
struct Outcome(OnceLock<Result<Verified, Error>>);

fn outcome<'a>(request: &'a Request<'_>) -> &'a Outcome {
    request.local_cache(Outcome::default)
}

/// Records the outcome of the request's webhook data guard. Rocket runs one data guard per
/// request, so it is recorded at most once; were there a second, the first would stay.
pub(crate) fn record(request: &Request<'_>, result: Result<Verified, Error>) {
    let _first = outcome(request).0.set(result);
}

/// What the webhook data guard ([`VerifiedBody`](crate::VerifiedBody) or
/// [`VerifiedJson`](crate::VerifiedJson)) concluded on this request; `None` when no such guard
/// ran (yet: Rocket evaluates every request guard before the data guard).
///
/// `Ok` holds which token matched; `Err` the refusal (for `VerifiedJson`, a verified body
/// that is not a `T` is `Err(Error::InvalidPayload)`). The [`catchers`](crate::catchers) read
/// it to answer with the webhook's JSON error; a response fairing can read it too, e.g. to
/// notice that Qiscus still signs with the previous token:
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
    outcome(request).0.get().copied()
}
