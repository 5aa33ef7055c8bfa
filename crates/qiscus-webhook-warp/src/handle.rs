//! [`VerifierHandle`]: where the filters find the verifier, request by request.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use qiscus_webhook::Verifier;

/// A settable, shared slot for the [`Verifier`] that [`verified_body`](crate::verified_body)
/// and [`verified_json`](crate::verified_json) use: empty, or set when the filter is built, or
/// later, and replaceable while the server runs. Every clone is the same slot.
///
/// Most apps never name this type: the filters take a [`Verifier`] directly (it converts into
/// a handle that is set from the start). Build one yourself when the verifier is not known
/// when the routes are built (e.g. the token is fetched from a secret store after the server
/// started) or must change without a restart (token rotation): every filter built from a
/// clone of the handle sees [`set`](VerifierHandle::set) from its next request on.
///
/// Until a verifier is set, every request to those filters is refused with
/// `500 webhook_not_configured` ([`Error::NotConfigured`](crate::Error::NotConfigured)),
/// before any of its body is read.
///
/// ```
/// use qiscus_webhook_warp::{Token, VerifiedBody, Verifier, VerifierHandle, verified_body};
/// use warp::Filter;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let handle = VerifierHandle::unset();
/// let webhook = warp::post()
///     .and(verified_body(handle.clone()))
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
/// handle.set(Verifier::new(Token::new("token")?));
/// assert_eq!(request().reply(&webhook).await.status(), 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct VerifierHandle {
    // A `Verifier` clone is already cheap and shares its keys: what the handle adds is the
    // slot, empty or replaced for every clone at once.
    slot: Arc<RwLock<Option<Verifier>>>,
}

impl VerifierHandle {
    /// A handle set to `verifier` (what the filters build from a [`Verifier`]).
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            slot: Arc::new(RwLock::new(Some(verifier))),
        }
    }

    /// A handle without a verifier yet: requests are refused with
    /// `500 webhook_not_configured` until [`set`](VerifierHandle::set) is called. Same as
    /// [`VerifierHandle::default`].
    #[must_use]
    pub fn unset() -> Self {
        Self::default()
    }

    /// Sets the verifier, or replaces it, for this handle and all its clones: requests that
    /// start verifying from now on use it (a request already verifying finishes with the
    /// verifier it started with).
    ///
    /// ```
    /// use qiscus_webhook_warp::{Token, Verifier, VerifierHandle};
    ///
    /// let handle = VerifierHandle::new(Verifier::new(Token::new("old-token")?));
    /// let seen_by_the_filters = handle.clone();
    ///
    /// // Rotation: accept the new token first, and the old one until Qiscus uses the new one.
    /// let rotating = Verifier::new(Token::new("new-token")?).also_accept(Token::new("old-token")?)?;
    /// handle.set(rotating);
    /// assert_eq!(seen_by_the_filters.verifier().map(|v| v.token_count()), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set(&self, verifier: Verifier) {
        // The lock guards a plain `Option`: a panic elsewhere cannot leave it half-written,
        // so a poisoned lock is used as is.
        *self.slot.write().unwrap_or_else(PoisonError::into_inner) = Some(verifier);
    }

    /// The current verifier, if one is set (a cheap clone: a verifier shares its state). A
    /// request takes it once, when it starts verifying.
    #[must_use]
    pub fn verifier(&self) -> Option<Verifier> {
        self.slot
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether a verifier is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.slot
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl From<Verifier> for VerifierHandle {
    fn from(verifier: Verifier) -> Self {
        Self::new(verifier)
    }
}

/// Shows the verifier's own `Debug` (its tokens redacted), or that none is set.
impl fmt::Debug for VerifierHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierHandle")
            .field("verifier", &self.verifier())
            .finish()
    }
}
