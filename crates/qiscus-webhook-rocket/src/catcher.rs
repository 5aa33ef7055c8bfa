//! [`catchers`]: the webhook's JSON errors for the statuses its data guards fail with, and
//! Rocket's defaults for everything else.

use qiscus_webhook::Error;
use rocket::Request;
use rocket::catcher::{self, Catcher, Handler};
use rocket::http::Status;

use crate::outcome::{self, Concluded};
use crate::rejection;

/// Error catchers for every status of the core's table ([`Error::STATUSES`]) that answer a
/// refused webhook request with its JSON error, and any other request exactly as Rocket's
/// default catcher does.
///
/// Rocket 0.5 does not hand a failing guard's error to catchers, so
/// [`VerifiedBody`](crate::VerifiedBody) and [`VerifiedJson`](crate::VerifiedJson) keep it in
/// request-local state ([`verification`](crate::verification)); these catchers answer with it when it is the
/// reason for the status (with `Retry-After` for the replay guard's 409 and 503; and a
/// duplicate delivery, which fails the replay guards with 409, as 200
/// `{"status":"duplicate"}`). Otherwise (a 400 from another route, a handler's 500, ...) they
/// answer with Rocket's built-in error page, so the rest of the application is unchanged.
///
/// [`stage`](crate::stage) registers them at `/`. Register them yourself to choose the base,
/// e.g. when the application has its own catchers for these statuses at `/` (Rocket refuses
/// two catchers for one status and base):
///
/// ```
/// use rocket::{catch, catchers, post, routes};
/// use qiscus_webhook_rocket::{Token, VerifiedBody, Verifier};
///
/// #[post("/qiscus", data = "<body>")]
/// fn qiscus(body: VerifiedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// #[catch(401)]
/// fn unauthorized() -> &'static str {
///     "please log in"
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let rocket = rocket::build()
///     .manage(verifier)
///     .mount("/hooks", routes![qiscus])
///     .register("/", catchers![unauthorized])
///     .register("/hooks", qiscus_webhook_rocket::catchers());
/// # Ok::<(), qiscus_webhook_rocket::qiscus_webhook::TokenError>(())
/// ```
#[must_use]
pub fn catchers() -> Vec<Catcher> {
    let fallback = WebhookCatcher {
        fallback: Catcher::default().handler,
    };
    Error::STATUSES
        .into_iter()
        .map(|code| {
            let mut catcher = Catcher::new(code, fallback.clone());
            catcher.name = Some("qiscus-webhook".into());
            catcher
        })
        .collect()
}

/// The webhook's JSON error when the request's webhook guard failed with this status, else
/// Rocket's default catcher.
#[derive(Clone)]
struct WebhookCatcher {
    fallback: Box<dyn Handler>,
}

#[rocket::async_trait]
impl Handler for WebhookCatcher {
    async fn handle<'r>(&self, status: Status, request: &'r Request<'_>) -> catcher::Result<'r> {
        match outcome::concluded(request) {
            Some(Concluded::Refused(error, retry_after)) if answers(error, status) => {
                Ok(rejection::response(&outcome::refusal(error, retry_after)))
            }
            #[cfg(feature = "replay")]
            Some(Concluded::Duplicate(_)) if status == crate::guarded::DUPLICATE_FAILURE => {
                Ok(crate::guarded::duplicate_response())
            }
            _ => self.fallback.handle(status, request).await,
        }
    }
}

/// Whether the guard's `error` is why the request ended with `status` (a handler that took
/// `Result<Guard, _>` may have answered some other error of its own).
fn answers(error: Error, status: Status) -> bool {
    error.status_code() == status.code
}
