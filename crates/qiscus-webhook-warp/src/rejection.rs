//! [`WebhookRejection`]: a refused webhook request, as a warp rejection and reply.

use std::fmt;

use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use qiscus_webhook::Error;
use warp::reject::Reject;
use warp::reply::{Reply, Response};

/// Why [`verified_body`](crate::verified_body) or [`verified_json`](crate::verified_json)
/// refused a request: a custom warp rejection carrying the core's [`Error`].
///
/// [`recover`](crate::recover) turns it into the response of the table in the crate docs. To
/// answer your own way, find it in your own `recover` function, match on
/// [`error`](WebhookRejection::error), and fall back to [`error_reply`] (or the rejection's
/// own [`Reply`] impl):
///
/// ```
/// use qiscus_webhook_warp::{Error, WebhookRejection, error_reply};
/// use warp::http::StatusCode;
/// use warp::{Rejection, Reply};
///
/// /// 404 for any signature problem (reveals less to probes), the crate's reply otherwise.
/// async fn my_recover(rejection: Rejection) -> Result<warp::reply::Response, Rejection> {
///     let Some(webhook) = rejection.find::<WebhookRejection>() else {
///         return Err(rejection); // not ours: the next recover, or warp's default
///     };
///     Ok(match webhook.error() {
///         error if error.is_unauthorized() => StatusCode::NOT_FOUND.into_response(),
///         Error::BodyTooLarge => {
///             warp::reply::with_status("too large", StatusCode::PAYLOAD_TOO_LARGE).into_response()
///         }
///         error => error_reply(error),
///     })
/// }
/// ```
///
/// Neither its `Display` nor its `Debug` (which warp logs, and puts in the body of a custom
/// rejection nobody recovered) contains a token, the expected signature or the request's bytes.
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
        status(self.error)
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

impl Reject for WebhookRejection {}

/// The error and, for `InvalidPayload`, where serde stopped: never serde's message, which may
/// quote the body.
impl fmt::Debug for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("WebhookRejection");
        debug.field("error", &self.error);
        if let Some(source) = &self.source {
            debug.field(
                "source",
                &format_args!(
                    "serde_json {:?} error at line {} column {}",
                    source.classify(),
                    source.line(),
                    source.column()
                ),
            );
        }
        debug.finish()
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

/// The same response as [`error_reply`].
impl Reply for WebhookRejection {
    fn into_response(self) -> Response {
        error_reply(self.error)
    }
}

/// The response for a refused webhook request: the [`Error`]'s status (401, 413, 400 or 500),
/// `content-type: application/json` and the body `{"error":"<code>"}`, identical in every
/// framework adapter. For your own `recover` function (see [`WebhookRejection`]).
///
/// ```
/// use qiscus_webhook_warp::{Error, error_reply};
///
/// let response = error_reply(Error::SignatureMismatch);
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[must_use]
pub fn error_reply(error: Error) -> Response {
    let mut response = http::Response::new(error.response_body()).into_response();
    *response.status_mut() = status(error);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn status(error: Error) -> StatusCode {
    // The core's statuses (400, 401, 413, 500) are all valid.
    StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
