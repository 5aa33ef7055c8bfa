//! The data guards: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed after
//! verification).

use qiscus_webhook::{Error, Rejection, Verified, Verifier, json};
use rocket::data::{self, Data, FromData};
use rocket::outcome::Outcome;
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;

use crate::outcome::{self, Concluded};
use crate::{WebhookRejection, stream};

/// The request body, byte for byte, after its `QISCUS-SDK-SIGNATURE` matched; with which
/// token matched ([`Verified`]).
///
/// A data guard (`data = "<body>"`). The verifier is the application's managed
/// [`Verifier`] (`.manage(verifier)`, or [`stage`](crate::stage)). The guard is a Rocket
/// [`Sentinel`]: a Rocket that mounts a route taking it (also as `Result<VerifiedBody, _>` or
/// `Option<VerifiedBody>`) and manages no `Verifier` refuses to launch (`ignite` fails with
/// `ErrorKind::SentinelAborts`), instead of answering every webhook with a 500. Only a guard
/// that Rocket cannot see in a route's signature (another data guard that calls this one's
/// `from_data`) can still find no verifier, at request time: it then refuses with
/// `500 webhook_not_configured`.
///
/// The body limit is Rocket's [`LIMIT_NAME`](crate::LIMIT_NAME) limit if the application sets
/// one, else the verifier's own; it is enforced on the bytes counted while the body streams
/// in, with `Content-Length` as an early reject.
///
/// A refusal fails the guard with the [`WebhookRejection`]'s status (401, 413, 400 or 500),
/// which the [`catchers`](crate::catchers) turn into the JSON error; or take
/// `Result<VerifiedBody, WebhookRejection>` to handle it in the handler.
///
/// ```
/// use rocket::{post, routes, serde::json::{Json, Value, json}};
/// use qiscus_webhook_rocket::{Token, VerifiedBody, Verifier};
///
/// #[post("/webhook", data = "<body>")]
/// fn webhook(body: VerifiedBody) -> Json<Value> {
///     let VerifiedBody(bytes, verified) = body;
///     if !verified.is_primary() {
///         eprintln!("Qiscus still signs with the previous token");
///     }
///     Json(json!({ "bytes": bytes.len() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let rocket = rocket::build()
///     .attach(qiscus_webhook_rocket::stage(verifier))
///     .mount("/", routes![webhook]);
/// # Ok::<(), qiscus_webhook_rocket::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub Vec<u8>, pub Verified);

/// A JSON body deserialised into `T`, only after its `QISCUS-SDK-SIGNATURE` matched; with
/// which token matched ([`Verified`]).
///
/// Verification (and the launch check) is [`VerifiedBody`]'s, then the verified bytes are
/// parsed by the core ([`qiscus_webhook::json::parse`]): a forged body is refused with 401
/// even when it is not JSON, and a verified body that does not parse as `T` with
/// `400 invalid_payload` (where serde stopped, without what it read, is the rejection's
/// [`source`](std::error::Error::source), for logs). The `Content-Type` is not checked: the
/// signature already proves the sender.
///
/// ```
/// use rocket::{post, routes, serde::json::{Json, Value, json}};
/// use qiscus_webhook_rocket::events::Event;
/// use qiscus_webhook_rocket::{Token, VerifiedJson, Verifier};
///
/// #[post("/events", data = "<event>")]
/// fn events(event: VerifiedJson<Event>) -> Json<Value> {
///     Json(json!({ "type": event.event_type() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let rocket = rocket::build()
///     .attach(qiscus_webhook_rocket::stage(verifier))
///     .mount("/", routes![events]);
/// # Ok::<(), qiscus_webhook_rocket::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson<T>(pub T, pub Verified);

/// The managed verifier, applied to the request.
pub(crate) async fn verify(
    request: &Request<'_>,
    data: Data<'_>,
) -> Result<(Vec<u8>, Verified), Rejection> {
    // The sentinels make this `None` unreachable for a guard written in a route's signature;
    // it stays for one that is not (called from another data guard).
    let verifier = request
        .rocket()
        .state::<Verifier>()
        .ok_or_else(|| qiscus_webhook::drive::refuse(Error::NotConfigured))?;
    stream::verify(verifier, request, data).await
}

/// Records the guard's outcome (for the catchers and fairings) and turns it into Rocket's.
fn conclude<'r, T, G>(
    request: &Request<'_>,
    result: Result<(T, Verified), Rejection>,
    guard: impl FnOnce(T, Verified) -> G,
) -> data::Outcome<'r, G, WebhookRejection> {
    match result {
        Ok((value, verified)) => {
            outcome::record(request, Concluded::Verified(verified));
            Outcome::Success(guard(value, verified))
        }
        Err(rejection) => {
            outcome::record_refusal(request, &rejection);
            let rejection = WebhookRejection::from(rejection);
            Outcome::Error((rejection.status(), rejection))
        }
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for VerifiedBody {
    type Error = WebhookRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        conclude(request, verify(request, data).await, Self)
    }
}

#[rocket::async_trait]
impl<'r, T> FromData<'r> for VerifiedJson<T>
where
    T: DeserializeOwned + Send,
{
    type Error = WebhookRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let parsed = async {
            let (body, verified) = verify(request, data).await?;
            Ok((json::parse(&body)?, verified))
        };
        conclude(request, parsed.await, Self)
    }
}

/// Aborts launch when no [`Verifier`] is managed (once the ignite fairings, such as
/// [`stage`](crate::stage)'s, have run).
impl Sentinel for VerifiedBody {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        unconfigured(rocket, "VerifiedBody")
    }
}

/// Aborts launch when no [`Verifier`] is managed, as [`VerifiedBody`] does.
impl<T> Sentinel for VerifiedJson<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        unconfigured(rocket, "VerifiedJson")
    }
}

/// Whether `rocket` manages no verifier for the `guard`; logs how to fix it (Rocket's own report
/// names only the guard's type and the route's location).
pub(crate) fn unconfigured(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    if rocket.state::<Verifier>().is_some() {
        return false;
    }
    log::error!(
        "`{guard}` needs a managed `qiscus_webhook::Verifier`: \
         `.attach(qiscus_webhook_rocket::stage(verifier))` or `.manage(verifier)`"
    );
    true
}

qiscus_webhook::__impl_verified_deref!(VerifiedBody => [u8], VerifiedJson);
