//! The body limit: Rocket's `Limits` under [`LIMIT_NAME`], else the verifier's own.

use rocket::Request;

/// The name of the body limit in Rocket's [`Limits`](rocket::data::Limits) that the data
/// guards honour: `qiscus-webhook`.
///
/// When the application sets it (`limits.qiscus-webhook = "64 KiB"` in `Rocket.toml`,
/// `ROCKET_LIMITS={qiscus-webhook="64 KiB"}`, or in code as below), it replaces the
/// verifier's own limit ([`Verifier::with_body_limit`](crate::Verifier::with_body_limit), 1 MiB
/// by default) for every request, without touching the verifier. Rocket's `bytes`, `json` and
/// other limits never apply to webhook bodies.
///
/// ```
/// use rocket::data::{Limits, ToByteUnit};
/// use qiscus_webhook_rocket::LIMIT_NAME;
///
/// let limits = Limits::default().limit(LIMIT_NAME, 64.kibibytes());
/// let figment = rocket::Config::figment().merge(("limits", limits));
/// let rocket = rocket::custom(figment);
/// # let _ = rocket;
/// ```
pub const LIMIT_NAME: &str = "qiscus-webhook";

/// Rocket's [`LIMIT_NAME`] limit for `request`, when the application sets one: the `limit` of
/// [`Verifier::begin_request`](crate::Verifier::begin_request), which then replaces
/// the verifier's own.
pub(crate) fn for_request(request: &Request<'_>) -> Option<usize> {
    // A limit past the address space is no limit at all: the whole body fits in memory or the
    // read fails first.
    let limit = request.limits().get(LIMIT_NAME)?;
    Some(usize::try_from(limit.as_u64()).unwrap_or(usize::MAX))
}
