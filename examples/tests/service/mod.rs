//! The conformance table in process through a tower `Service` of `http` requests (axum's
//! `Router`, `warp::service`), for the examples whose app is one.

use std::fmt::Debug;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Builder;
use http::{HeaderName, HeaderValue, Request, Response};
use http_body_util::BodyExt;
use qiscus_webhook_testkit::conformance::{Case, Reply};
use tower::{Service, ServiceExt};

/// The case's request without its body: `POST` to its path, its header fields as they are, in
/// order (repeated ones too), and its `Content-Length` if it has one (the declared one, for a
/// lying `Content-Length`; none for a streamed body).
pub fn request_head(case: &Case) -> Builder {
    let mut builder = Request::post(case.path());
    for (name, value) in &case.headers {
        let name = HeaderName::from_bytes(name).expect("the table's header names are valid");
        let value = HeaderValue::from_bytes(value).expect("the table's header values are valid");
        builder = builder.header(name, value);
    }
    if let Some(len) = case.content_length() {
        builder = builder.header(CONTENT_LENGTH, len);
    }
    builder
}

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
    let (parts, body) = response.into_parts();
    let content_type = parts.headers.get(CONTENT_TYPE);
    Reply {
        status: parts.status.as_u16(),
        content_type: content_type
            .and_then(|value| value.to_str().ok())
            .map(String::from),
        body: body
            .collect()
            .await
            .expect("the response body is readable")
            .to_bytes()
            .to_vec(),
    }
}
