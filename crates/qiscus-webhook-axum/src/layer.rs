//! [`VerifyQiscusLayer`] and [`VerifyQiscus`]: verification as middleware, for handlers that
//! keep their own extractors.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::Request;
use http_body::Body as HttpBody;
use qiscus_webhook::Verifier;
#[cfg(feature = "replay")]
use qiscus_webhook_replay::ReplayGuard;
use tower_layer::Layer;
use tower_service::Service;

use crate::WebhookRejection;

/// Applies [`VerifyQiscus`]: verifies every request before the inner service sees it.
///
/// For `Router::route_layer` (so that unmatched paths still answer 404, not 401). A verified
/// request reaches the handler with its body rebuilt from the exact verified bytes and the
/// [`Verified`](qiscus_webhook::Verified) result in its extensions (`Extension<Verified>`); a
/// refused one gets the same [`WebhookRejection`] response as the extractors. The verifier is
/// given here, so this layer cannot be left unconfigured.
///
/// ```
/// use axum::{Extension, Router, body::Bytes, routing::post};
/// use qiscus_webhook_axum::{Token, Verified, Verifier, VerifyQiscusLayer};
///
/// async fn webhook(Extension(verified): Extension<Verified>, body: Bytes) -> String {
///     format!("{} bytes, signed with token #{}", body.len(), verified.token_index())
/// }
///
/// let verifier = Verifier::new(Token::new("signature token")?);
/// let app: Router = Router::new()
///     .route("/webhook", post(webhook))
///     .route_layer(VerifyQiscusLayer::new(verifier));
/// # Ok::<(), qiscus_webhook_axum::qiscus_webhook::TokenError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VerifyQiscusLayer {
    verifier: Verifier,
    #[cfg(feature = "replay")]
    guard: Option<ReplayGuard>,
}

impl VerifyQiscusLayer {
    /// A layer verifying with `verifier`.
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            #[cfg(feature = "replay")]
            guard: None,
        }
    }

    /// Guards every verified request with `guard` (feature `replay`): a duplicate is answered
    /// 200 `{"status":"duplicate"}` and a stale event, a delivery in progress or an
    /// unavailable store refused (401, 409, 503 with `Retry-After`), without the inner
    /// service; otherwise the inner service runs, and its status commits the delivery (2xx)
    /// or releases it (anything else, or the request's future dropped), so that a retry runs
    /// again. See the crate's "Replay guard" section.
    #[cfg(feature = "replay")]
    #[must_use]
    pub fn with_replay(mut self, guard: ReplayGuard) -> Self {
        self.guard = Some(guard);
        self
    }
}

impl<S> Layer<S> for VerifyQiscusLayer {
    type Service = VerifyQiscus<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyQiscus {
            inner,
            verifier: self.verifier.clone(),
            #[cfg(feature = "replay")]
            guard: self.guard.clone(),
        }
    }
}

/// Middleware that verifies a Qiscus webhook request, then calls the inner service with the
/// verified body and [`Verified`](qiscus_webhook::Verified) in the request extensions. See
/// [`VerifyQiscusLayer`].
#[derive(Debug, Clone)]
pub struct VerifyQiscus<S> {
    inner: S,
    verifier: Verifier,
    #[cfg(feature = "replay")]
    guard: Option<ReplayGuard>,
}

impl<S> VerifyQiscus<S> {
    /// Wraps `inner`, verifying with `verifier`.
    #[must_use]
    pub fn new(inner: S, verifier: Verifier) -> Self {
        Self {
            inner,
            verifier,
            #[cfg(feature = "replay")]
            guard: None,
        }
    }

    /// Guards every verified request with `guard`, as
    /// [`VerifyQiscusLayer::with_replay`] (feature `replay`).
    #[cfg(feature = "replay")]
    #[must_use]
    pub fn with_replay(mut self, guard: ReplayGuard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// A [`VerifyQiscusLayer`] verifying with `verifier`.
    #[must_use]
    pub fn layer(verifier: Verifier) -> VerifyQiscusLayer {
        VerifyQiscusLayer::new(verifier)
    }
}

impl<S, B> Service<Request<B>> for VerifyQiscus<S>
where
    S: Service<Request<Body>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    // Held across the replay guard's finish (axum's services are infallible).
    S::Error: Send,
    S::Future: Send,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<qiscus_webhook::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let verifier = self.verifier.clone();
        #[cfg(feature = "replay")]
        let guard = self.guard.clone();
        // Call the instance that `poll_ready` readied; keep a fresh clone for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match crate::verify(&verifier, &parts.headers, body).await {
                Ok((bytes, verified)) => {
                    parts.extensions.insert(verified);
                    #[cfg(feature = "replay")]
                    if let Some(guard) = guard {
                        let request = Request::from_parts(parts, Body::from(bytes.clone()));
                        let call = || async move { Ok(inner.call(request).await?.into_response()) };
                        return crate::guarded::run(&guard, &verified, &bytes, call).await;
                    }
                    let request = Request::from_parts(parts, Body::from(bytes));
                    Ok(inner.call(request).await?.into_response())
                }
                Err(error) => Ok(WebhookRejection::from(error).into_response()),
            }
        })
    }
}
