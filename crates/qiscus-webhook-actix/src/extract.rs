//! The extractors: [`VerifiedBody`] (the exact bytes) and [`VerifiedJson`] (parsed after
//! verification).

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use qiscus_webhook::Verified;
use serde::de::DeserializeOwned;

use crate::WebhookConfig;

/// The request body, byte for byte, after its `QISCUS-SDK-SIGNATURE` matched; with which
/// token matched ([`Verified`]).
///
/// The verifier comes from `app_data` (see [`WebhookConfig`]); the body limit is the
/// verifier's own (actix-web's `PayloadConfig` does not apply), enforced on the bytes counted
/// while the payload streams in, with `Content-Length` as an early reject. The payload can be
/// read once: take no other body extractor (`web::Bytes`, `web::Json`, ...) in the same
/// handler.
///
/// A refusal is a [`WebhookError`](crate::WebhookError) response, or what the configured
/// [error handler](WebhookConfig::error_handler) returns.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use qiscus_webhook_actix::{Token, VerifiedBody, Verifier, WebhookConfig};
///
/// async fn webhook(VerifiedBody(body, verified): VerifiedBody) -> HttpResponse {
///     if !verified.is_primary() {
///         eprintln!("Qiscus still signs with the previous token");
///     }
///     HttpResponse::Ok().json(serde_json::json!({ "bytes": body.len() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app = App::new()
///     .app_data(WebhookConfig::new(verifier))
///     .route("/webhook", web::post().to(webhook));
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub Bytes, pub Verified);

/// A JSON body deserialised into `T`, only after its `QISCUS-SDK-SIGNATURE` matched; with
/// which token matched ([`Verified`]).
///
/// Verification is [`VerifiedBody`]'s, then the verified bytes are parsed by the core's
/// [`json::parse`](qiscus_webhook::json::parse): a forged body is refused with 401 even when it
/// is not JSON, and a verified body that does not parse as `T` with `400 invalid_payload`. The `Content-Type` is
/// not checked: the signature already proves the sender.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use qiscus_webhook_actix::events::Event;
/// use qiscus_webhook_actix::{Token, VerifiedJson, Verifier, WebhookConfig};
///
/// async fn events(VerifiedJson(event, _): VerifiedJson<Event>) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "type": event.event_type() }))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app = App::new()
///     .app_data(web::Data::new(WebhookConfig::new(verifier)))
///     .route("/events", web::post().to(events));
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJson<T>(pub T, pub Verified);

/// Verifies the request with the configuration in `app_data`; returns the configuration too,
/// for the typed extractor's own refusal.
async fn verified_body(
    request: &HttpRequest,
    payload: Payload,
) -> Result<(WebhookConfig, Bytes, Verified), actix_web::Error> {
    let config = WebhookConfig::require(request)?;
    match crate::verify(config.verifier(), request.headers(), payload).await {
        Ok((bytes, verified)) => Ok((config, bytes, verified)),
        Err(rejection) => Err(config.reject(rejection, request)),
    }
}

impl FromRequest for VerifiedBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (request, payload) = (request.clone(), payload.take());
        Box::pin(async move {
            let (_, bytes, verified) = verified_body(&request, payload).await?;
            Ok(Self(bytes, verified))
        })
    }
}

impl<T> FromRequest for VerifiedJson<T>
where
    T: DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (request, payload) = (request.clone(), payload.take());
        Box::pin(async move {
            let (config, bytes, verified) = verified_body(&request, payload).await?;
            match qiscus_webhook::json::parse(&bytes) {
                Ok(value) => Ok(Self(value, verified)),
                Err(rejection) => Err(config.reject(rejection, &request)),
            }
        })
    }
}

qiscus_webhook::__impl_verified_deref!(VerifiedBody => Bytes, VerifiedJson);
