//! [`stage`]: the verifier and the catchers, in one fairing.

use qiscus_webhook::Verifier;
use rocket::fairing::AdHoc;

use crate::catchers;

/// A fairing that sets the application up for the data guards in one line: it manages
/// `verifier` and registers the [`catchers`] at `/`.
///
/// Launch fails (a failed ignite fairing) if a [`Verifier`] is already managed: the guards
/// use one verifier per application. To register the catchers under another base, call
/// `.manage(verifier)` and `.register(base, catchers())` instead.
///
/// ```
/// # #[rocket::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use rocket::{post, routes};
/// use rocket::http::{ContentType, Header};
/// use rocket::local::asynchronous::Client;
/// use qiscus_webhook_rocket::{Token, VerifiedBody, Verifier};
///
/// #[post("/webhook", data = "<body>")]
/// fn webhook(body: VerifiedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let rocket = rocket::build()
///     .attach(qiscus_webhook_rocket::stage(verifier))
///     .mount("/", routes![webhook]);
///
/// let client = Client::untracked(rocket).await?;
/// let response = client.post("/webhook").body("{}").dispatch().await;
/// assert_eq!(response.status().code, 401);
/// assert_eq!(response.content_type(), Some(ContentType::JSON));
/// assert_eq!(response.into_string().await.as_deref(), Some(r#"{"error":"missing_signature"}"#));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn stage(verifier: Verifier) -> AdHoc {
    AdHoc::try_on_ignite("Qiscus webhook", |rocket| async move {
        if rocket.state::<Verifier>().is_some() {
            // Managing a second one would panic; failing the fairing aborts launch instead.
            return Err(rocket);
        }
        Ok(rocket.manage(verifier).register("/", catchers()))
    })
}
