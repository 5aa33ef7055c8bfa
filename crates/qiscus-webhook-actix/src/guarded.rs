//! The replay guard (feature `replay`): [`GuardedBody`] and [`GuardedJson`], the extractors
//! that hand the handler a claim, [`DuplicateDelivery`], their answer to a duplicate, and the
//! middleware's guarded call.

use std::fmt;

use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use qiscus_webhook::{Error, Verified};
use qiscus_webhook_replay::{DUPLICATE_BODY, NotRun, ReplayGuard, Ticket};
use serde::de::DeserializeOwned;

use crate::{WebhookConfig, WebhookError};

/// [`VerifiedBody`](crate::VerifiedBody), then the replay guard's admission: the exact
/// verified bytes, which token matched, and the delivery's claim ([`Ticket`]), for the
/// handler to [`commit`](Ticket::commit) once it has succeeded (or
/// [`finish`](Ticket::finish) with its status). A claim dropped unfinished is released: a
/// retry of the same bytes runs again.
///
/// The guard is the [`WebhookConfig`]'s ([`replay`](WebhookConfig::replay)); a configuration
/// without one is refused with `500 webhook_not_configured`, before the body is read. The
/// handler does not run for a duplicate (answered 200 `{"status":"duplicate"}`: a
/// [`DuplicateDelivery`] error), a stale event (401), a delivery in progress (409) or an
/// unavailable store (503): the last three are [`WebhookError`]s with `Retry-After` where the
/// guard sets it, and go through the configuration's error handler.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use qiscus_webhook_actix::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_actix::{GuardedBody, Token, Verifier, WebhookConfig};
///
/// async fn webhook(GuardedBody(body, _, ticket): GuardedBody) -> HttpResponse {
///     // ... handle the event; then remember it, so that a redelivery is a duplicate.
///     let _ = ticket.commit().await;
///     HttpResponse::Ok().body(format!("{} bytes", body.len()))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let app = App::new()
///     .app_data(WebhookConfig::new(verifier).replay(guard))
///     .route("/webhook", web::post().to(webhook));
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct GuardedBody(pub Bytes, pub Verified, pub Ticket);

impl FromRequest for GuardedBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        extract(request, payload, async |guard, verified, bytes| {
            let ticket = guard.admit(&verified, &bytes).await?;
            Ok(Self(bytes, verified, ticket))
        })
    }
}

/// [`GuardedBody`], then the body parsed as `T` ([`ReplayGuard::admit_json`]): the guard
/// answers first (a duplicate is a duplicate whatever it holds), and a verified body that
/// does not parse is refused 400 `invalid_payload` (through the configuration's error
/// handler) with its claim released. Finished as [`GuardedBody`]'s ticket is.
///
/// ```
/// use actix_web::{App, web};
/// use qiscus_webhook_actix::events::Event;
/// use qiscus_webhook_actix::replay::{MemoryStore, ReplayGuard};
/// use qiscus_webhook_actix::{GuardedJson, Token, Verifier, WebhookConfig};
///
/// async fn events(GuardedJson(event, _, ticket): GuardedJson<Event>) -> String {
///     // ... handle the event; then remember it, so that a redelivery is a duplicate.
///     let _ = ticket.commit().await;
///     event.event_type().to_owned()
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let guard = ReplayGuard::new(MemoryStore::default());
/// let app = App::new()
///     .app_data(WebhookConfig::new(verifier).replay(guard))
///     .route("/events", web::post().to(events));
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct GuardedJson<T>(pub T, pub Verified, pub Ticket);

impl<T: DeserializeOwned + 'static> FromRequest for GuardedJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        extract(request, payload, async |guard, verified, bytes| {
            let (value, ticket) = guard.admit_json(&verified, &bytes).await?;
            Ok(Self(value, verified, ticket))
        })
    }
}

/// What both guarded extractors do: the configuration and its guard (a configuration without
/// one is `webhook_not_configured`, before the body is read), verification, then `admit`
/// (the guard's question, and the extractor's value), each refusal through the
/// configuration's error handler.
fn extract<T: 'static>(
    request: &HttpRequest,
    payload: &mut Payload,
    admit: impl AsyncFnOnce(ReplayGuard, Verified, Bytes) -> Result<T, NotRun> + 'static,
) -> LocalBoxFuture<'static, Result<T, actix_web::Error>> {
    let (request, payload) = (request.clone(), payload.take());
    Box::pin(async move {
        let config = WebhookConfig::require(&request)?;
        let Some(guard) = config.replay_guard().cloned() else {
            let unguarded = qiscus_webhook::drive::refuse(Error::NotConfigured);
            return Err(WebhookError::from(unguarded).into());
        };
        let (bytes, verified) =
            match crate::verify(config.verifier(), request.headers(), payload).await {
                Ok(verified) => verified,
                Err(rejection) => return Err(config.reject(rejection, &request)),
            };
        admit(guard, verified, bytes)
            .await
            .map_err(|not_run| refuse(not_run, &config, &request))
    })
}

/// A duplicate delivery, as an actix-web error whose response is the duplicate's answer:
/// 200 `{"status":"duplicate"}` (`application/json`). How [`GuardedBody`] and [`GuardedJson`]
/// answer without the handler; find it with [`as_error`](actix_web::Error::as_error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateDelivery;

impl fmt::Display for DuplicateDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&NotRun::Duplicate, f)
    }
}

impl std::error::Error for DuplicateDelivery {}

impl ResponseError for DuplicateDelivery {
    fn status_code(&self) -> StatusCode {
        StatusCode::OK
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, HeaderValue::from_static(NotRun::CONTENT_TYPE)))
            .body(DUPLICATE_BODY)
    }
}

/// The error to answer `not_run` with: the duplicate's, or the refusal through the
/// configuration's error handler.
fn refuse(not_run: NotRun, config: &WebhookConfig, request: &HttpRequest) -> actix_web::Error {
    match not_run {
        NotRun::Duplicate => DuplicateDelivery.into(),
        NotRun::Rejected(rejection) => config.reject(rejection, request),
    }
}

/// The middleware's guarded call: the service runs only if `guard` admits the request, and
/// its status (an error's too) commits (2xx) or releases the claim. The request is held
/// until then (not split: actix-web's routing needs it unshared).
pub(crate) async fn call<S, B>(
    guard: &ReplayGuard,
    config: &WebhookConfig,
    verified: &Verified,
    bytes: &[u8],
    request: ServiceRequest,
    service: &S,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let ticket = match guard.admit(verified, bytes).await {
        Ok(ticket) => ticket,
        Err(not_run) => {
            let error = refuse(not_run, config, request.request());
            return Ok(request.error_response(error).map_into_right_body());
        }
    };
    let response = service.call(request).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    // The answer stands whatever the store says now: the claim then lapses with its lease.
    let _ = ticket.finish(status.as_u16()).await;
    Ok(response?.map_into_left_body())
}
