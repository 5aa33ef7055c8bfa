//! [`WebhookRejection`]: a refused webhook request, as a Rocket response.

use std::fmt;
use std::io::Cursor;

use qiscus_webhook::Error;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

/// Why [`VerifiedBody`](crate::VerifiedBody) or [`VerifiedJson`](crate::VerifiedJson) refused
/// a request: the data guards' error type.
///
/// As a [`Responder`]: the [`Error`]'s status (401, 413, 400 or 500), `content-type:
/// application/json` and the body `{"error":"<code>"}`, identical in every framework adapter.
/// It never contains a token, the expected signature or the request's bytes.
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
    pub fn status(&self) -> Status {
        Status::new(self.error.status_code())
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

impl<'r> Responder<'r, 'static> for WebhookRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(response(self.error))
    }
}

/// The response for `error`: its status, `application/json`, `{"error":"<code>"}`.
pub(crate) fn response(error: Error) -> Response<'static> {
    let body = error.response_body();
    Response::build()
        .status(Status::new(error.status_code()))
        .header(ContentType::JSON)
        .sized_body(body.len(), Cursor::new(body))
        .finalize()
}
