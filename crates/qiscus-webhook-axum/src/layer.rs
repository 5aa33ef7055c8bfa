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
}

impl VerifyQiscusLayer {
    /// A layer verifying with `verifier`.
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for VerifyQiscusLayer {
    type Service = VerifyQiscus<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyQiscus::new(inner, self.verifier.clone())
    }
}

/// Middleware that verifies a Qiscus webhook request, then calls the inner service with the
/// verified body and [`Verified`](qiscus_webhook::Verified) in the request extensions. See
/// [`VerifyQiscusLayer`].
#[derive(Debug, Clone)]
pub struct VerifyQiscus<S> {
    inner: S,
    verifier: Verifier,
}

impl<S> VerifyQiscus<S> {
    /// Wraps `inner`, verifying with `verifier`.
    #[must_use]
    pub fn new(inner: S, verifier: Verifier) -> Self {
        Self { inner, verifier }
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
        // Call the instance that `poll_ready` readied; keep a fresh clone for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match crate::verify(&verifier, &parts.headers, body).await {
                Ok((bytes, verified)) => {
                    parts.extensions.insert(verified);
                    let request = Request::from_parts(parts, Body::from(bytes));
                    Ok(inner.call(request).await?.into_response())
                }
                Err(error) => Ok(WebhookRejection::from(error).into_response()),
            }
        })
    }
}
