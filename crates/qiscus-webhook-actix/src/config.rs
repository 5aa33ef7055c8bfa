//! [`WebhookConfig`]: the verifier and an optional error handler, found in `app_data`.

use std::fmt;
use std::sync::Arc;

use actix_web::{HttpRequest, web};
use qiscus_webhook::{Error, Verifier};

use crate::WebhookError;

/// Turns a refusal into the error actix-web answers with.
type ErrorHandler = Arc<dyn Fn(WebhookError, &HttpRequest) -> actix_web::Error + Send + Sync>;

/// The configuration of [`VerifiedBody`](crate::VerifiedBody),
/// [`VerifiedJson`](crate::VerifiedJson) and
/// [`VerifyQiscus::from_app_data`](crate::VerifyQiscus::from_app_data): the [`Verifier`], and
/// optionally an [error handler](WebhookConfig::error_handler), as actix-web's own
/// `JsonConfig`.
///
/// Register it with `app_data` on the `App`, a `Scope` or a `Resource`, as
/// `.app_data(WebhookConfig::new(verifier))` or `.app_data(web::Data::new(...))`: per request,
/// the nearest `WebhookConfig` is used, else the nearest `web::Data<WebhookConfig>`, exactly as
/// actix-web looks up its own `JsonConfig`. With none, requests are refused with
/// `500 webhook_not_configured`: a programming error.
///
/// ```
/// use actix_web::{App, HttpResponse, error, web};
/// use qiscus_webhook_actix::{Token, VerifiedBody, Verifier, WebhookConfig};
///
/// async fn webhook(VerifiedBody(body, _): VerifiedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let config = WebhookConfig::new(verifier)
///     // Answer every signature problem with a bare 404 (reveals less to probes).
///     .error_handler(|refused, _request| {
///         if refused.error().is_unauthorized() {
///             error::InternalError::from_response(refused, HttpResponse::NotFound().finish())
///                 .into()
///         } else {
///             refused.into()
///         }
///     });
/// let app = App::new()
///     .app_data(config)
///     .route("/webhook", web::post().to(webhook));
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Clone)]
pub struct WebhookConfig {
    verifier: Verifier,
    error_handler: Option<ErrorHandler>,
    #[cfg(feature = "replay")]
    guard: Option<qiscus_webhook_replay::ReplayGuard>,
}

impl WebhookConfig {
    /// A configuration verifying with `verifier`, answering refusals with [`WebhookError`]'s
    /// own response.
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            error_handler: None,
            #[cfg(feature = "replay")]
            guard: None,
        }
    }

    /// Guards verified requests with `guard` (feature `replay`): [`VerifyQiscus`] with this
    /// configuration runs the handler only for a new delivery and commits or releases it on
    /// the handler's status; [`GuardedBody`] hands the handler the delivery's claim. See the
    /// crate's "Replay guard" section.
    ///
    /// [`VerifyQiscus`]: crate::VerifyQiscus
    /// [`GuardedBody`]: crate::GuardedBody
    #[cfg(feature = "replay")]
    #[must_use]
    pub fn replay(mut self, guard: qiscus_webhook_replay::ReplayGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// The replay guard, if [`replay`](Self::replay) gave one (feature `replay`).
    #[cfg(feature = "replay")]
    #[must_use]
    pub fn replay_guard(&self) -> Option<&qiscus_webhook_replay::ReplayGuard> {
        self.guard.as_ref()
    }

    /// Answers refusals with the error `handler` returns instead: it gets the
    /// [`WebhookError`] (see [`WebhookError::error`]) and the request, as `JsonConfig`'s
    /// error handler does. Not called for `webhook_not_configured`, which has no
    /// configuration to call it from.
    #[must_use]
    pub fn error_handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(WebhookError, &HttpRequest) -> actix_web::Error + Send + Sync + 'static,
    {
        self.error_handler = Some(Arc::new(handler));
        self
    }

    /// The verifier.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The configuration in the request's `app_data` (a `WebhookConfig`, else a
    /// `web::Data<WebhookConfig>`), else the `webhook_not_configured` error.
    pub(crate) fn require(request: &HttpRequest) -> Result<Self, actix_web::Error> {
        request
            .app_data::<Self>()
            .or_else(|| {
                request
                    .app_data::<web::Data<Self>>()
                    .map(web::Data::get_ref)
            })
            .cloned()
            .ok_or_else(|| {
                WebhookError::from(qiscus_webhook::drive::refuse(Error::NotConfigured)).into()
            })
    }

    /// The error to answer `refused` with: the handler's, else `refused` itself.
    pub(crate) fn reject(
        &self,
        refused: impl Into<WebhookError>,
        request: &HttpRequest,
    ) -> actix_web::Error {
        let refused = refused.into();
        match &self.error_handler {
            Some(handler) => handler(refused, request),
            None => refused.into(),
        }
    }
}

impl From<Verifier> for WebhookConfig {
    fn from(verifier: Verifier) -> Self {
        Self::new(verifier)
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error_handler = self
            .error_handler
            .as_ref()
            .map(|_| "Fn(WebhookError, &HttpRequest)");
        let mut debug = f.debug_struct("WebhookConfig");
        debug
            .field("verifier", &self.verifier)
            .field("error_handler", &error_handler);
        #[cfg(feature = "replay")]
        debug.field("replay", &self.guard);
        debug.finish()
    }
}
