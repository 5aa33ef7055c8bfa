//! [`WebhookConfig`]: where the extractors find the verifier.

use axum::extract::FromRef;
use qiscus_webhook::Verifier;

/// Where [`VerifiedBody`](crate::VerifiedBody) and [`VerifiedJson`](crate::VerifiedJson) find
/// the [`Verifier`]: taken from the router state with [`FromRef`], falling back to a request
/// extension.
///
/// The extractors work in a router whose state `S` gives a `WebhookConfig`
/// (`WebhookConfig: FromRef<S>`). The lookup, per request:
///
/// 1. the state's `WebhookConfig`, when it holds a verifier;
/// 2. else a [`Verifier`] in the request extensions (added with
///    `.layer(Extension(verifier))`);
/// 3. else the request is refused with `500 webhook_not_configured`: a programming error.
///
/// Which states work out of the box:
///
/// | router state | how |
/// |---|---|
/// | a `Verifier`: `.with_state(verifier)` | provided `FromRef<Verifier>` |
/// | a `WebhookConfig` | axum's `FromRef<T> for T` |
/// | none (`()`) | provided `FromRef<()>`: the extension is used |
/// | your own `AppState` | a `webhook: WebhookConfig` field with `#[derive(FromRef)]`, or one `impl FromRef<AppState> for WebhookConfig` |
///
/// ```
/// use axum::{Router, extract::FromRef, routing::post};
/// use qiscus_webhook_axum::{VerifiedBody, Verifier, Token, WebhookConfig};
///
/// #[derive(Clone)]
/// struct AppState {
///     webhook: WebhookConfig,
///     greeting: &'static str,
/// }
///
/// // What `#[derive(FromRef)]` (axum's `macros` feature) writes for the field.
/// impl FromRef<AppState> for WebhookConfig {
///     fn from_ref(state: &AppState) -> Self {
///         state.webhook.clone()
///     }
/// }
///
/// async fn webhook(VerifiedBody(body, _): VerifiedBody) -> String {
///     format!("{} bytes", body.len())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app: Router = Router::new()
///     .route("/webhook", post(webhook))
///     .with_state(AppState { webhook: verifier.into(), greeting: "hello" });
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WebhookConfig {
    verifier: Option<Verifier>,
}

impl WebhookConfig {
    /// A configuration with `verifier`.
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier: Some(verifier),
        }
    }

    /// A configuration without a verifier: the extractors look for a [`Verifier`] in the
    /// request extensions. Same as [`WebhookConfig::default`].
    #[must_use]
    pub fn from_extensions() -> Self {
        Self::default()
    }

    /// The verifier, if this configuration has one.
    #[must_use]
    pub fn verifier(&self) -> Option<&Verifier> {
        self.verifier.as_ref()
    }

    /// This configuration's verifier, else the one in `extensions`.
    pub(crate) fn resolve(self, extensions: &http::Extensions) -> Option<Verifier> {
        self.verifier
            .or_else(|| extensions.get::<Verifier>().cloned())
    }
}

impl From<Verifier> for WebhookConfig {
    fn from(verifier: Verifier) -> Self {
        Self::new(verifier)
    }
}

/// A router with a [`Verifier`] as its state: `.with_state(verifier)`.
impl FromRef<Verifier> for WebhookConfig {
    fn from_ref(verifier: &Verifier) -> Self {
        Self::new(verifier.clone())
    }
}

/// A router without state: the verifier comes from a request extension.
impl FromRef<()> for WebhookConfig {
    fn from_ref((): &()) -> Self {
        Self::from_extensions()
    }
}
