//! Where the verifier comes from, what the handler learns about the match, and how the filters
//! compose with others.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_warp::{
    Token, VerifiedBody, VerifiedJson, Verifier, VerifierHandle, recover, verified_body,
    verified_json,
};
use tokio::sync::oneshot;
use tower::ServiceExt;
use warp::http::{Request, StatusCode};
use warp::test::RequestBuilder;
use warp::{Filter, Rejection, Reply};

fn request(path: &str, signed: &SignedRequest) -> RequestBuilder {
    let mut request = warp::test::request().method("POST").path(path);
    for (name, value) in signed.headers() {
        request = request.header(*name, value.as_str());
    }
    request.body(signed.body())
}

async fn send<F>(routes: &F, path: &str, signed: &SignedRequest) -> (StatusCode, String)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
{
    let response = request(path, signed).reply(routes).await;
    let body = String::from_utf8(response.body().to_vec()).expect("UTF-8");
    (response.status(), body)
}

/// The filters' types are what `warp::serve` needs (checked at compile time), and a clone
/// verifies like the original.
#[tokio::test]
async fn the_filters_are_clone_send_sync_and_static() {
    fn servable<F: Filter + Clone + Send + Sync + 'static>(filter: F) -> (F, F) {
        (filter.clone(), filter)
    }
    let _ = servable(verified_json::<serde_json::Value>(VerifierHandle::unset()));
    let (clone, original) = servable(
        verified_body(conformance::verifier())
            .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
            .recover(recover),
    );
    let signed = SignedRequest::new(TOKEN, "{}");
    for routes in [clone, original] {
        assert_eq!(
            send(&routes, "/", &signed).await,
            (StatusCode::OK, "2 bytes".into())
        );
        assert_eq!(
            send(&routes, "/", &signed.clone().tampered()).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn the_handler_learns_which_token_matched() {
    let routes = verified_body(conformance::verifier())
        .map(|VerifiedBody(_, verified)| {
            format!(
                "token #{} primary={}",
                verified.token_index(),
                verified.is_primary()
            )
        })
        .recover(recover);
    let current = SignedRequest::new(TOKEN, "{}");
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{}");
    assert_eq!(
        send(&routes, "/", &current).await,
        (StatusCode::OK, "token #0 primary=true".into())
    );
    assert_eq!(
        send(&routes, "/", &previous).await,
        (StatusCode::OK, "token #1 primary=false".into())
    );

    let typed = verified_json::<serde_json::Value>(conformance::verifier()).map(
        |VerifiedJson(value, verified): VerifiedJson<serde_json::Value>| {
            format!("{value} by token #{}", verified.token_index())
        },
    );
    let signed = SignedRequest::new(PREVIOUS_TOKEN, r#"{"a":1}"#);
    assert_eq!(
        send(&typed, "/", &signed).await,
        (StatusCode::OK, r#"{"a":1} by token #1"#.into())
    );
}

/// Other filters before it (a path parameter, a header), extracting next to it.
#[tokio::test]
async fn it_composes_with_other_filters() {
    let routes = warp::path!("tenants" / u32 / "webhook")
        .and(warp::post())
        .and(warp::header::<String>("x-request-id"))
        .and(verified_body(conformance::verifier()))
        .map(|tenant: u32, id: String, VerifiedBody(body, _)| {
            format!("tenant {tenant}, request {id}, {} bytes", body.len())
        })
        .recover(recover);
    let signed = SignedRequest::new(TOKEN, "{}");
    let response = request("/tenants/7/webhook", &signed)
        .header("x-request-id", "r-1")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "tenant 7, request r-1, 2 bytes");

    // The path and method come first: a wrong path is warp's 404, never a 401.
    let unsigned = signed.without_signature();
    assert_eq!(
        send(&routes, "/tenants/x/webhook", &unsigned).await.0,
        StatusCode::NOT_FOUND
    );
    let response = request("/tenants/7/webhook", &unsigned)
        .header("x-request-id", "r-2")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_handle_is_set_late_and_replaced_while_running() {
    let handle = VerifierHandle::unset();
    assert!(!handle.is_set());
    let routes = verified_body(handle.clone())
        .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
        .recover(recover);
    let current = SignedRequest::new(TOKEN, "{}");
    let other = SignedRequest::new(OTHER_TOKEN, "{}");

    assert_eq!(
        send(&routes, "/", &current).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":"webhook_not_configured"}"#.into()
        )
    );

    handle.set(conformance::verifier());
    assert!(handle.is_set());
    assert_eq!(send(&routes, "/", &current).await.0, StatusCode::OK);
    assert_eq!(send(&routes, "/", &other).await.0, StatusCode::UNAUTHORIZED);

    // Rotation without a restart: the filter built earlier sees the new verifier.
    handle.set(Verifier::new(Token::new(OTHER_TOKEN).expect("not empty")));
    assert_eq!(send(&routes, "/", &other).await.0, StatusCode::OK);
    assert_eq!(
        send(&routes, "/", &current).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// `warp::service` wants a `Sync` body.
type Chunks = Pin<Box<dyn Stream<Item = Result<Frame<Bytes>, io::Error>> + Send + Sync>>;

/// `POST /` with a streamed `body`, its signature by `token` over `signed`, through
/// `warp::service`.
async fn send_streamed<F>(routes: &F, token: &str, body: Chunks, signed: &[u8]) -> (u16, String)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let request = Request::post("/")
        .header(
            "qiscus-sdk-signature",
            qiscus_webhook_testkit::sign(token, signed),
        )
        .body(StreamBody::new(body))
        .expect("a valid request");
    let response = warp::service(routes.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.expect("readable");
    let body = String::from_utf8(body.to_bytes().to_vec()).expect("UTF-8");
    (status, body)
}

/// Unset: refused before the body is polled at all.
#[tokio::test]
async fn an_unset_handle_answers_500_before_reading_the_body() {
    let routes = verified_body(VerifierHandle::unset())
        .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
        .recover(recover);
    let polled = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&polled);
    let body = stream::poll_fn(move |_| {
        seen.store(true, Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{}")))))
    })
    .take(1);
    assert_eq!(
        send_streamed(&routes, TOKEN, Box::pin(body), b"{}").await,
        (500, r#"{"error":"webhook_not_configured"}"#.into())
    );
    assert!(!polled.load(Ordering::SeqCst), "the body was read");
}

/// A `set` while a request is verifying: that request finishes with the verifier it started
/// with; the next one uses the new verifier.
#[tokio::test]
async fn a_request_already_verifying_keeps_its_verifier() {
    let handle = VerifierHandle::new(conformance::verifier());
    let routes = verified_body(handle.clone())
        .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
        .recover(recover);

    let (reading, read_started) = oneshot::channel::<()>();
    let (send_rest, rest) = oneshot::channel::<Bytes>();
    let first = stream::once(async { Ok(Frame::data(Bytes::from_static(b"{\"a\":"))) });
    let second = stream::once(async move {
        // Polled only after the first chunk was fed to the verification.
        reading.send(()).expect("the test waits");
        Ok(Frame::data(rest.await.expect("the test sends the rest")))
    });
    let body = Box::pin(first.chain(second));
    let in_flight = send_streamed(&routes, TOKEN, body, br#"{"a":1}"#);
    let rotate_mid_body = async {
        read_started.await.expect("the request started verifying");
        handle.set(Verifier::new(Token::new(OTHER_TOKEN).expect("not empty")));
        send_rest
            .send(Bytes::from_static(b"1}"))
            .expect("the request waits");
    };
    let (reply, ()) = tokio::join!(in_flight, rotate_mid_body);
    assert_eq!(reply, (200, "7 bytes".into()));

    let next = Box::pin(stream::iter([Ok(Frame::data(Bytes::from_static(
        br#"{"a":1}"#,
    )))]));
    assert_eq!(
        send_streamed(&routes, TOKEN, next, br#"{"a":1}"#).await,
        (401, r#"{"error":"signature_mismatch"}"#.into())
    );
}

#[test]
fn a_handle_never_shows_its_tokens() {
    let handle = VerifierHandle::from(conformance::verifier());
    let shown = format!("{handle:?} {:?}", VerifierHandle::unset());
    assert!(
        shown.contains("redacted") && shown.contains("None"),
        "{shown}"
    );
    for token in [TOKEN, PREVIOUS_TOKEN] {
        assert!(!shown.contains(token), "{shown}");
    }
}
