//! The conformance table in process through a tower `Service` of `http` requests (axum's
//! `Router`, `warp::service`), for the examples whose app is one: the requests are the
//! testkit's `Case::http_request`.

use std::fmt::Debug;

use http::{Request, Response};
use qiscus_webhook_testkit::conformance::Reply;
use tower::{Service, ServiceExt};

/// The answer of (a clone of) `service` to `request`: its status, `content-type` and whole
/// body.
pub async fn reply<S, B, R>(service: &S, request: Request<B>) -> Reply
where
    S: Service<Request<B>, Response = Response<R>> + Clone,
    S::Error: Debug,
    R: http_body::Body,
    R::Error: Debug,
{
    let response = service.clone().oneshot(request).await.expect("infallible");
    Reply::from_http(response)
        .await
        .expect("the response body is readable")
}
