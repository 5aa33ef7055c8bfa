//! [`WebhookRejection`]: a refused webhook request, as a warp rejection and reply.

use qiscus_webhook::{Error, Rejection};
use warp::http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use warp::http::{HeaderValue, StatusCode};
use warp::reject::Reject;
use warp::reply::{Reply, Response};

qiscus_webhook::__define_rejection! {
    /// Why [`verified_body`](crate::verified_body) or [`verified_json`](crate::verified_json)
    /// refused a request: a custom warp rejection carrying the core's
    /// [`Rejection`](qiscus_webhook::Rejection) (its [`Error`], and the cause, for logs).
    ///
    /// [`recover`](crate::recover) turns it into the response of the table in the crate docs.
    /// To answer your own way, find it in your own `recover` function, match on
    /// [`error`](WebhookRejection::error), and fall back to the rejection's own [`Reply`] impl
    /// (`webhook.into_response()`: with the `Connection` and `Retry-After` headers the refusal
    /// calls for) or to [`error_reply`] (an [`Error`]'s status and body alone):
    ///
    /// ```
    /// use qiscus_webhook_warp::{Error, WebhookRejection};
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
    ///         _ => webhook.into_response(),
    ///     })
    /// }
    /// ```
    ///
    /// Neither its `Display` nor its `Debug` (which warp logs, and puts in the body of a custom
    /// rejection nobody recovered) contains a token, the expected signature or the request's
    /// bytes.
    pub struct WebhookRejection;
}

impl WebhookRejection {
    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        status(self.rejection())
    }
}

impl Reject for WebhookRejection {}

/// The response of the table in the crate docs, with `Retry-After` when the rejection has one
/// (the replay guard's 409 and 503); otherwise the same response as [`error_reply`].
impl Reply for WebhookRejection {
    fn into_response(self) -> Response {
        reply(self.rejection())
    }
}

/// The same response, from the rejection that `Rejection::find` lends: `webhook.into_response()`
/// in your own `recover` function.
impl Reply for &WebhookRejection {
    fn into_response(self) -> Response {
        reply(self.rejection())
    }
}

/// The response for a refused webhook request: the [`Error`]'s status (from the core's table:
/// 401, 413, 400, 500, ...), `content-type: application/json` and the body
/// `{"error":"<code>"}`, identical in every framework adapter. For your own `recover` function (see [`WebhookRejection`]).
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
    reply(&Rejection::from(error))
}

/// The core's status, content type and body, as a warp response.
pub(crate) fn reply(rejection: &Rejection) -> Response {
    let mut response = warp::http::Response::new(rejection.response_body()).into_response();
    *response.status_mut() = status(rejection);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(Rejection::CONTENT_TYPE),
    );
    if rejection.closes_connection() {
        // Refused before the body's end: hyper closes instead of draining the rest.
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(seconds) = rejection.retry_after_secs() {
        // The replay guard's 409 and 503: when the sender may try the same delivery again.
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn status(rejection: &Rejection) -> StatusCode {
    // Every status in the core's table is a valid one: the fallback is never taken.
    StatusCode::from_u16(rejection.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
