//! [`WebhookRejection`]: a refused webhook request, as an axum response.

use std::fmt;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use qiscus_webhook::Error;

/// Why [`VerifiedBody`](crate::VerifiedBody), [`VerifiedJson`](crate::VerifiedJson) or
/// [`VerifyQiscus`](crate::VerifyQiscus) refused a request.
///
/// As a response: the [`Error`]'s status (401, 413, 400 or 500), `content-type:
/// application/json` and the body `{"error":"<code>"}`, identical in every framework adapter.
/// It never contains a token, the expected signature or the request's bytes.
///
/// To answer differently, match on [`error`](WebhookRejection::error) in your own rejection
/// type and extract with axum-extra's `WithRejection`:
///
/// ```
/// use axum::{Router, http::StatusCode, response::{IntoResponse, Response}, routing::post};
/// use axum_extra::extract::WithRejection;
/// use qiscus_webhook_axum::{Error, VerifiedBody, WebhookRejection};
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
/// let app: Router<qiscus_webhook_axum::Verifier> = Router::new().route("/webhook", post(webhook));
/// ```
#[derive(Debug)]
pub struct WebhookRejection {
    error: Error,
    source: Option<serde_json::Error>,
}

impl WebhookRejection {
    /// The core's error: what went wrong, with its status and code.
    #[must_use]
    pub fn error(&self) -> Error {
        self.error
    }

    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        // The core's statuses (400, 401, 413, 500) are all valid.
        StatusCode::from_u16(self.error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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

impl From<Error> for WebhookRejection {
    fn from(error: Error) -> Self {
        Self {
            error,
            source: None,
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(source) => Some(source),
            None => std::error::Error::source(&self.error),
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.error.response_body()));
        *response.status_mut() = self.status();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
