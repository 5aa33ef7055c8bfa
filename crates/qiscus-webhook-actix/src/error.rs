//! [`WebhookError`]: a refused webhook request, as an actix-web [`ResponseError`].

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use qiscus_webhook::Error;

/// Why [`VerifiedBody`](crate::VerifiedBody), [`VerifiedJson`](crate::VerifiedJson) or
/// [`VerifyQiscus`](crate::VerifyQiscus) refused a request.
///
/// As a response ([`ResponseError`]): the [`Error`]'s status (401, 413, 400 or 500),
/// `content-type: application/json` and the body `{"error":"<code>"}`, identical in every
/// framework adapter. It never contains a token, the expected signature or the request's bytes.
///
/// The extractors fail with an [`actix_web::Error`] (so that an
/// [error handler](crate::WebhookConfig::error_handler) can answer another way); without one,
/// that error holds a `WebhookError`, found with
/// [`as_error`](actix_web::Error::as_error), and [`error`](WebhookError::error) says what went
/// wrong:
///
/// ```
/// use actix_web::{App, HttpResponse, ResponseError, web};
/// use qiscus_webhook_actix::{Error, Token, VerifiedBody, Verifier, WebhookError};
///
/// /// Takes the extraction's result, to log refusals before answering.
/// async fn webhook(body: Result<VerifiedBody, actix_web::Error>) -> actix_web::Result<HttpResponse> {
///     let VerifiedBody(body, _) = body.inspect_err(|error| {
///         if let Some(refused) = error.as_error::<WebhookError>() {
///             if refused.error() == Error::BodyTooLarge {
///                 eprintln!("a webhook over the limit");
///             }
///         }
///     })?;
///     Ok(HttpResponse::Ok().body(format!("{} bytes", body.len())))
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app = App::new()
///     .app_data(verifier)
///     .route("/webhook", web::post().to(webhook));
///
/// let refused = WebhookError::from(Error::SignatureMismatch);
/// assert_eq!(refused.status_code(), 401);
/// assert_eq!(refused.to_string(), Error::SignatureMismatch.to_string());
/// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug)]
pub struct WebhookError {
    error: Error,
    source: Option<serde_json::Error>,
}

impl WebhookError {
    /// The core's error: what went wrong, with its status and code.
    #[must_use]
    pub fn error(&self) -> Error {
        self.error
    }

    /// `InvalidPayload`, keeping serde's error as the [`source`](std::error::Error::source)
    /// (for logs; it never reaches the response).
    pub(crate) fn invalid_payload(source: serde_json::Error) -> Self {
        Self {
            error: Error::InvalidPayload,
            source: Some(source),
        }
    }
}

impl From<Error> for WebhookError {
    fn from(error: Error) -> Self {
        Self {
            error,
            source: None,
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(source) => Some(source),
            None => std::error::Error::source(&self.error),
        }
    }
}

impl ResponseError for WebhookError {
    /// The [`Error`]'s status: 401, 413, 400 or 500.
    fn status_code(&self) -> StatusCode {
        // The core's statuses (400, 401, 413, 500) are all valid.
        StatusCode::from_u16(self.error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// `{"error":"<code>"}` with `content-type: application/json`.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
            .body(self.error.response_body())
    }
}
