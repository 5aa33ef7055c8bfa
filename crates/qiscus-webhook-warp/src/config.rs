//! [`WebhookConfig`]: where the filters find the verifier, request by request.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use qiscus_webhook::Verifier;

/// A shared handle to the [`Verifier`] that [`verified_body`](crate::verified_body) and
/// [`verified_json`](crate::verified_json) use: set when the filter is built, or later, and
/// replaceable while the server runs.
///
/// Most apps never name this type: the filters take a [`Verifier`] directly (it converts into
/// a configuration that is set from the start). Build one yourself when the verifier is not
/// known when the routes are built (e.g. the token is fetched from a secret store after the
/// server started) or must change without a restart (token rotation): every filter built
/// from a clone of the configuration sees [`set`](WebhookConfig::set) from its next request
/// on.
///
/// Until a verifier is set, every request to those filters is refused with
/// `500 webhook_not_configured` ([`Error::NotConfigured`](crate::Error::NotConfigured)),
/// before any of its body is read.
///
/// ```
/// use qiscus_webhook_warp::{Token, VerifiedBody, Verifier, WebhookConfig, verified_body};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = WebhookConfig::unset();
/// let webhook = warp::post()
///     .and(verified_body(config.clone()))
///     .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
///     .recover(qiscus_webhook_warp::recover);
///
/// let body = br#"{"type":"post_comment_mobile"}"#;
/// let request = || {
///     warp::test::request()
///         .method("POST")
///         .header("qiscus-sdk-signature", qiscus_webhook_testkit::sign("token", body))
///         .body(body)
/// };
/// assert_eq!(request().reply(&webhook).await.status(), 500); // not configured yet
///
/// config.set(Verifier::new(Token::new("token")?));
/// assert_eq!(request().reply(&webhook).await.status(), 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct WebhookConfig {
    verifier: Arc<RwLock<Option<Verifier>>>,
}

impl WebhookConfig {
    /// A configuration set to `verifier` (what the filters build from a [`Verifier`]).
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier: Arc::new(RwLock::new(Some(verifier))),
        }
    }

    /// A configuration without a verifier yet: requests are refused with
    /// `500 webhook_not_configured` until [`set`](WebhookConfig::set) is called. Same as
    /// [`WebhookConfig::default`].
    #[must_use]
    pub fn unset() -> Self {
        Self::default()
    }

    /// Sets the verifier, or replaces it, for this configuration and all its clones: requests
    /// that start verifying from now on use it (a request already verifying finishes with the
    /// verifier it started with).
    ///
    /// ```
    /// use qiscus_webhook_warp::{Token, Verifier, WebhookConfig};
    ///
    /// let config = WebhookConfig::new(Verifier::new(Token::new("old-token")?));
    /// let seen_by_the_filters = config.clone();
    ///
    /// // Rotation: accept the new token first, and the old one until Qiscus uses the new one.
    /// let rotating = Verifier::new(Token::new("new-token")?).also_accept(Token::new("old-token")?)?;
    /// config.set(rotating);
    /// assert_eq!(seen_by_the_filters.verifier().map(|v| v.token_count()), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set(&self, verifier: Verifier) {
        // The lock guards a plain `Option`: a panic elsewhere cannot leave it half-written,
        // so a poisoned lock is used as is.
        *self
            .verifier
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(verifier);
    }

    /// The current verifier, if one is set (a cheap clone: a verifier shares its state).
    #[must_use]
    pub fn verifier(&self) -> Option<Verifier> {
        self.verifier
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether a verifier is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.verifier
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl From<Verifier> for WebhookConfig {
    fn from(verifier: Verifier) -> Self {
        Self::new(verifier)
    }
}

/// Shows the verifier's own `Debug` (its tokens redacted), or that none is set.
impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("verifier", &self.verifier())
            .finish()
    }
}
