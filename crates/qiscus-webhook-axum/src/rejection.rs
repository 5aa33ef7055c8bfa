//! [`WebhookRejection`]: a refused webhook request, as an axum response.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use qiscus_webhook::Rejection;

qiscus_webhook::__define_rejection! {
    /// Why [`VerifiedBody`](crate::VerifiedBody), [`VerifiedJson`](crate::VerifiedJson) or
    /// [`VerifyQiscus`](crate::VerifyQiscus) refused a request: the core's
    /// [`Rejection`](qiscus_webhook::Rejection), as an axum response.
    ///
    /// As a response: the [`Error`](crate::Error)'s status (401, 413, 400, 408, 409, 500 or
    /// 503), `content-type: application/json` and the body `{"error":"<code>"}`, with
    /// `Connection: close` and `Retry-After` when the core's rejection says so, identical in every
    /// framework adapter (the table is the core's [`Error`](crate::Error)). It never contains a
    /// token, the expected signature or the request's bytes; the cause (a body error, the JSON
    /// position) is its [`source`](std::error::Error::source), for logs.
    ///
    /// To answer differently, match on [`error`](WebhookRejection::error) in your own rejection
    /// type and extract with axum-extra's `WithRejection`:
    ///
    /// ```
    /// use axum::{Router, http::StatusCode, response::{IntoResponse, Response}, routing::post};
    /// use axum_extra::extract::WithRejection;
    /// use qiscus_webhook_axum::{Error, VerifiedBody, Verifier, WebhookRejection};
    ///
    /// /// Plain-text errors, and 404 for any signature problem (reveals less to probes).
    /// struct MyRejection(WebhookRejection);
    ///
    /// impl From<WebhookRejection> for MyRejection {
    ///     fn from(rejection: WebhookRejection) -> Self {
    ///         Self(rejection)
    ///     }
    /// }
    ///
    /// impl IntoResponse for MyRejection {
    ///     fn into_response(self) -> Response {
    ///         match self.0.error() {
    ///             error if error.is_unauthorized() => StatusCode::NOT_FOUND.into_response(),
    ///             Error::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response(),
    ///             _ => self.0.into_response(),
    ///         }
    ///     }
    /// }
    ///
    /// async fn webhook(
    ///     WithRejection(VerifiedBody(body, _), _): WithRejection<VerifiedBody, MyRejection>,
    /// ) -> String {
    ///     format!("{} verified bytes", body.len())
    /// }
    ///
    /// let app: Router<Verifier> = Router::new().route("/webhook", post(webhook));
    /// ```
    pub struct WebhookRejection;
}

impl WebhookRejection {
    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        // The core's statuses are all valid HTTP statuses.
        StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.0.response_body()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(Rejection::CONTENT_TYPE),
        );
        if self.0.closes_connection() {
            // Refused before the body's end: hyper closes instead of draining the rest.
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(seconds) = self.0.retry_after_secs() {
            // The replay guard's 409 and 503: when the sender may try again.
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
