//! [`WebhookRejection`]: a refused webhook request, as a Rocket response.

use std::io::Cursor;

use qiscus_webhook::Rejection;
use rocket::http::{Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

qiscus_webhook::__define_rejection! {
    /// Why [`VerifiedBody`](crate::VerifiedBody) or [`VerifiedJson`](crate::VerifiedJson) refused
    /// a request: the data guards' error type.
    ///
    /// As a [`Responder`]: the [`Error`](crate::Error)'s status (401, 413, 400 or 500),
    /// `content-type: application/json` and the body `{"error":"<code>"}`, identical in every
    /// framework adapter. It never contains a token, the expected signature or the request's
    /// bytes; the cause of an unreadable body or of an `invalid_payload` (the stream's error,
    /// the JSON position) is its [`source`](std::error::Error::source), for logs.
    ///
    /// Rocket 0.5 hands a failing guard's error to no catcher, so there are two ways to answer
    /// with it: register the [`catchers`](crate::catchers) (done by [`stage`](crate::stage)), or
    /// take the guard as `Result<Guard, WebhookRejection>` and return the rejection (or your own
    /// answer) from the handler:
    ///
    /// ```
    /// use rocket::{post, routes};
    /// use rocket::http::Status;
    /// use qiscus_webhook_rocket::{Token, VerifiedBody, Verifier, WebhookRejection};
    ///
    /// /// `?` answers a refusal with its JSON error: no catcher needed.
    /// #[post("/webhook", data = "<body>")]
    /// fn webhook(body: Result<VerifiedBody, WebhookRejection>) -> Result<String, WebhookRejection> {
    ///     let VerifiedBody(bytes, _) = body?;
    ///     Ok(format!("{} verified bytes", bytes.len()))
    /// }
    ///
    /// /// Plain text, and 404 for any signature problem (reveals less to probes).
    /// #[post("/quiet", data = "<body>")]
    /// fn quiet(body: Result<VerifiedBody, WebhookRejection>) -> (Status, String) {
    ///     match body {
    ///         Ok(VerifiedBody(bytes, _)) => (Status::Ok, format!("{} verified bytes", bytes.len())),
    ///         Err(rejection) if rejection.error().is_unauthorized() => (Status::NotFound, String::new()),
    ///         Err(rejection) => (rejection.status(), rejection.to_string()),
    ///     }
    /// }
    ///
    /// let verifier = Verifier::new(Token::new("signature token")?);
    /// let rocket = rocket::build().manage(verifier).mount("/", routes![webhook, quiet]);
    /// # Ok::<(), qiscus_webhook_rocket::qiscus_webhook::TokenError>(())
    /// ```
    pub struct WebhookRejection;
}

impl WebhookRejection {
    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> Status {
        Status::new(self.0.status_code())
    }
}

impl<'r> Responder<'r, 'static> for WebhookRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(response(&self.0))
    }
}

/// The response for a refusal: its status, `application/json`, `{"error":"<code>"}`.
pub(crate) fn response(rejection: &Rejection) -> Response<'static> {
    let body = rejection.response_body();
    let mut response = Response::build();
    response
        .status(Status::new(rejection.status_code()))
        .header(Header::new("content-type", Rejection::CONTENT_TYPE))
        .sized_body(body.len(), Cursor::new(body));
    if rejection.closes_connection() {
        // Refused before the body's end: hyper closes instead of draining the rest.
        response.header(Header::new("connection", "close"));
    }
    if let Some(seconds) = rejection.retry_after_secs() {
        // The replay guard's 409 and 503: when the sender may try the same delivery again.
        response.header(Header::new("retry-after", seconds.to_string()));
    }
    response.finalize()
}
