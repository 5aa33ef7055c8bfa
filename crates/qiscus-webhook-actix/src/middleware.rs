//! [`VerifyQiscus`]: verification as middleware, for handlers that keep their own extractors.

use std::fmt;
use std::future::{Ready, ready};
use std::rc::Rc;

use crate::WebhookConfig;
use actix_web::HttpMessage;
use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

/// Middleware that verifies every request before the wrapped service sees it: for `wrap` on a
/// `Resource` or a `Scope` (so that other paths are not verified).
///
/// A verified request reaches the handler with its payload put back (`set_payload`) from the
/// exact verified bytes, and the [`Verified`](qiscus_webhook::Verified) result in its
/// extensions (extract it with `web::ReqData<Verified>`); a refused one gets the same response
/// as the extractors: a [`WebhookError`](crate::WebhookError), or the configured
/// [error handler](WebhookConfig::error_handler)'s error.
///
/// The handler reads the body again with its own extractor: actix-web's `web::Bytes` is bound
/// by `PayloadConfig` (256 KiB by default), so raise that limit to the verifier's if the
/// verifier allows more.
///
/// ```
/// use actix_web::{App, web};
/// use qiscus_webhook_actix::{Token, Verified, Verifier, VerifyQiscus};
///
/// async fn webhook(verified: web::ReqData<Verified>, body: web::Bytes) -> String {
///     format!("{} bytes, signed with token #{}", body.len(), verified.token_index())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app = App::new().service(
///     web::resource("/webhook")
///         .wrap(VerifyQiscus::new(verifier))
///         .route(web::post().to(webhook)),
/// );
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VerifyQiscus {
    /// `None`: looked up per request in `app_data`.
    config: Option<WebhookConfig>,
}

impl VerifyQiscus {
    /// Verifies with `config`: a [`Verifier`](qiscus_webhook::Verifier), or a
    /// [`WebhookConfig`] with an error handler. Configured here, it cannot be left
    /// unconfigured.
    #[must_use]
    pub fn new(config: impl Into<WebhookConfig>) -> Self {
        Self {
            config: Some(config.into()),
        }
    }

    /// Verifies with the configuration found per request in `app_data`, as the extractors do
    /// (see [`WebhookConfig`]); with none, refuses with `500 webhook_not_configured`.
    ///
    /// ```
    /// use actix_web::{App, web};
    /// use qiscus_webhook_actix::{Token, Verifier, VerifyQiscus, WebhookConfig};
    ///
    /// async fn webhook(body: web::Bytes) -> String {
    ///     format!("{} verified bytes", body.len())
    /// }
    ///
    /// let verifier = Verifier::new(Token::new("signature token")?);
    /// let app = App::new().app_data(WebhookConfig::new(verifier)).service(
    ///     web::scope("/qiscus")
    ///         .wrap(VerifyQiscus::from_app_data())
    ///         .route("/webhook", web::post().to(webhook)),
    /// );
    /// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
    /// ```
    #[must_use]
    pub fn from_app_data() -> Self {
        Self { config: None }
    }
}

impl<S, B> Transform<S, ServiceRequest> for VerifyQiscus
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = VerifyQiscusMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(VerifyQiscusMiddleware {
            service: Rc::new(service),
            config: self.config.clone(),
        }))
    }
}

/// The service [`VerifyQiscus`] wraps around a resource's or a scope's service (an
/// implementation detail: name [`VerifyQiscus`] instead).
pub struct VerifyQiscusMiddleware<S> {
    service: Rc<S>,
    config: Option<WebhookConfig>,
}

impl<S, B> Service<ServiceRequest> for VerifyQiscusMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let config = match &self.config {
            Some(config) => Ok(config.clone()),
            None => WebhookConfig::require(request.request()),
        };
        Box::pin(async move {
            let config = match config {
                Ok(config) => config,
                Err(error) => return Ok(request.error_response(error).map_into_right_body()),
            };
            let payload = request.take_payload();
            match crate::verify(config.verifier(), request.headers(), payload).await {
                Ok((bytes, verified)) => {
                    request.set_payload(Payload::from(bytes.clone()));
                    request.extensions_mut().insert(verified);
                    #[cfg(feature = "replay")]
                    if let Some(guard) = config.replay_guard() {
                        return crate::guarded::call(
                            guard, &config, &verified, &bytes, request, &*service,
                        )
                        .await;
                    }
                    let response = service.call(request).await?;
                    Ok(response.map_into_left_body())
                }
                Err(rejection) => {
                    let error = config.reject(rejection, request.request());
                    Ok(request.error_response(error).map_into_right_body())
                }
            }
        })
    }
}

impl<S> fmt::Debug for VerifyQiscusMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyQiscusMiddleware")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
