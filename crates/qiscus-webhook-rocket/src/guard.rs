//! The data guards: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed after
//! verification).

use std::ops::{Deref, DerefMut};

use qiscus_webhook::{Error, Verified, Verifier};
use rocket::Request;
use rocket::data::{self, Data, FromData};
use rocket::outcome::Outcome;
use serde::de::DeserializeOwned;

use crate::{WebhookRejection, body, limit, outcome};

/// The request body, byte for byte, after its `QISCUS-SDK-SIGNATURE` matched; with which
/// token matched ([`Verified`]).
///
/// A data guard (`data = "<body>"`). The verifier is the application's managed
/// [`Verifier`] (`.manage(verifier)`, or [`stage`](crate::stage)); without one, requests are
/// refused with `500 webhook_not_configured`. The body limit is Rocket's
/// [`LIMIT_NAME`](crate::LIMIT_NAME) limit if the application sets one, else the verifier's
/// own; it is enforced on the bytes counted while the body streams in, with `Content-Length`
/// as an early reject.
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
/// Verification is [`VerifiedBody`]'s, then the verified bytes are parsed with
/// `serde_json::from_slice`: a forged body is refused with 401 even when it is not JSON, and
/// a verified body that does not parse as `T` with `400 invalid_payload` (serde's error is the
/// rejection's [`source`](std::error::Error::source), for logs). The `Content-Type` is not
/// checked: the signature already proves the sender.
///
/// ```
/// use rocket::{post, routes, serde::json::{Json, Value, json}};
/// use qiscus_webhook::events::Event;
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

/// The verifier from managed state, with the limit in force, applied to the request.
async fn verify(request: &Request<'_>, data: Data<'_>) -> Result<(Vec<u8>, Verified), Error> {
    let verifier = request
        .rocket()
        .state::<Verifier>()
        .ok_or(Error::NotConfigured)?;
    let verifier = limit::for_request(verifier, request);
    body::verify(&verifier, request, data).await
}

/// Records the refusal and fails the guard with its status.
fn refuse<'r, T>(
    request: &Request<'_>,
    rejection: WebhookRejection,
) -> data::Outcome<'r, T, WebhookRejection> {
    outcome::record(request, Err(rejection.error()));
    Outcome::Error((rejection.status(), rejection))
}

#[rocket::async_trait]
impl<'r> FromData<'r> for VerifiedBody {
    type Error = WebhookRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        match verify(request, data).await {
            Ok((body, verified)) => {
                outcome::record(request, Ok(verified));
                Outcome::Success(Self(body, verified))
            }
            Err(error) => refuse(request, error.into()),
        }
    }
}

#[rocket::async_trait]
impl<'r, T> FromData<'r> for VerifiedJson<T>
where
    T: DeserializeOwned + Send,
{
    type Error = WebhookRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let (body, verified) = match verify(request, data).await {
            Ok(verified) => verified,
            Err(error) => return refuse(request, error.into()),
        };
        match serde_json::from_slice(&body) {
            Ok(value) => {
                outcome::record(request, Ok(verified));
                Outcome::Success(Self(value, verified))
            }
            Err(error) => refuse(request, WebhookRejection::invalid_payload(error)),
        }
    }
}

impl Deref for VerifiedBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<T> Deref for VerifiedJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for VerifiedJson<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
