//! Where the verifier comes from, what the handler learns about the match, and where the layer
//! applies.

use axum::body::{Body, Bytes};
use axum::extract::FromRef;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::{Extension, Router, routing::post};
use qiscus_webhook_axum::{Token, Verified, VerifiedBody, Verifier, VerifyQiscusLayer};
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use tower::ServiceExt;

fn request(path: &str, signed: &SignedRequest) -> Request<Body> {
    let mut builder = Request::post(path);
    for (name, value) in signed.headers() {
        builder = builder.header(*name, value);
    }
    builder
        .body(Body::from(signed.body().to_vec()))
        .expect("valid request")
}

async fn send(app: &Router, path: &str, signed: &SignedRequest) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(request(path, signed))
        .await
        .expect("infallible");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("readable");
    (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
}

/// Answers which token matched; takes another extractor first (the verified body is last).
async fn token_index(headers: HeaderMap, VerifiedBody(_, verified): VerifiedBody) -> String {
    assert!(headers.contains_key("qiscus-sdk-signature"));
    format!(
        "token #{} primary={}",
        verified.token_index(),
        verified.is_primary()
    )
}

#[tokio::test]
async fn the_extractor_says_which_token_matched() {
    let app = Router::new()
        .route("/webhook", post(token_index))
        .with_state(conformance::verifier());
    let current = SignedRequest::new(TOKEN, "{}");
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{}");
    assert_eq!(
        send(&app, "/webhook", &current).await,
        (StatusCode::OK, "token #0 primary=true".into())
    );
    assert_eq!(
        send(&app, "/webhook", &previous).await,
        (StatusCode::OK, "token #1 primary=false".into())
    );
}

#[tokio::test]
async fn the_layer_puts_the_match_in_the_extensions() {
    async fn handler(Extension(verified): Extension<Verified>, body: Bytes) -> String {
        format!(
            "token #{} over {} bytes",
            verified.token_index(),
            body.len()
        )
    }
    let app = Router::new()
        .route("/webhook", post(handler))
        .route_layer(VerifyQiscusLayer::new(conformance::verifier()));
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{\"a\":1}");
    assert_eq!(
        send(&app, "/webhook", &previous).await,
        (StatusCode::OK, "token #1 over 7 bytes".into())
    );

    // `route_layer`: a path with no route is still 404, never 401.
    let unsigned = previous.without_signature();
    assert_eq!(
        send(&app, "/elsewhere", &unsigned).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, "/webhook", &unsigned).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_verifier_comes_from_the_apps_own_state() {
    #[derive(Clone)]
    struct AppState {
        webhook: Verifier,
    }
    impl FromRef<AppState> for Verifier {
        fn from_ref(state: &AppState) -> Self {
            state.webhook.clone()
        }
    }
    let other = Verifier::new(Token::new(OTHER_TOKEN).expect("not empty"));
    let app = Router::new()
        .route("/webhook", post(token_index))
        .with_state(AppState { webhook: other });
    let by_state = SignedRequest::new(OTHER_TOKEN, "{}");
    let not_configured = SignedRequest::new(TOKEN, "{}");
    assert_eq!(send(&app, "/webhook", &by_state).await.0, StatusCode::OK);
    assert_eq!(
        send(&app, "/webhook", &not_configured).await,
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"signature_mismatch"}"#.into()
        )
    );
}
