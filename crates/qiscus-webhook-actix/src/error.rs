//! [`WebhookError`]: a refused webhook request, as an actix-web [`ResponseError`].

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use qiscus_webhook::Rejection;

qiscus_webhook::__define_rejection! {
    /// Why [`VerifiedBody`](crate::VerifiedBody), [`VerifiedJson`](crate::VerifiedJson) or
    /// [`VerifyQiscus`](crate::VerifyQiscus) refused a request: the core's
    /// [`Rejection`](qiscus_webhook::Rejection), as an actix-web error.
    ///
    /// As a response ([`ResponseError`]): the [`Error`](crate::Error)'s status (401, 413, 400 or
    /// 500; with the replay guard, 409 and 503 with `Retry-After`), `content-type:
    /// application/json` and the body `{"error":"<code>"}`, identical in every framework
    /// adapter. It never contains a token, the expected signature or the
    /// request's bytes; the cause (a payload error, the JSON position) is its
    /// [`source`](std::error::Error::source), for logs.
    ///
    /// The extractors fail with an [`actix_web::Error`] (so that an
    /// [error handler](crate::WebhookConfig::error_handler) can answer another way); without one,
    /// that error holds a `WebhookError`, found with
    /// [`as_error`](actix_web::Error::as_error), and [`error`](WebhookError::error) says what went
    /// wrong:
    ///
    /// ```
    /// use actix_web::{App, HttpResponse, ResponseError, web};
    /// use qiscus_webhook_actix::{Error, Token, VerifiedBody, Verifier, WebhookConfig, WebhookError};
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
    ///     .app_data(WebhookConfig::new(verifier))
    ///     .route("/webhook", web::post().to(webhook));
    ///
    /// let refused = WebhookError::from(Error::SignatureMismatch);
    /// assert_eq!(refused.status_code(), 401);
    /// assert_eq!(refused.to_string(), Error::SignatureMismatch.to_string());
    /// # Ok::<(), qiscus_webhook_actix::qiscus_webhook::TokenError>(())
    /// ```
    pub struct WebhookError;
}

impl ResponseError for WebhookError {
    /// The [`Error`](crate::Error)'s status: 401, 413, 400 or 500.
    fn status_code(&self) -> StatusCode {
        // The core's statuses are all valid HTTP statuses.
        StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// `{"error":"<code>"}` with `content-type: application/json`, and `Retry-After` when the
    /// core's rejection sets it (the replay guard's 409 and 503).
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static(Rejection::CONTENT_TYPE),
        ));
        if let Some(seconds) = self.0.retry_after_secs() {
            response.insert_header((RETRY_AFTER, HeaderValue::from(seconds)));
        }
        response.body(self.0.response_body())
    }
}
