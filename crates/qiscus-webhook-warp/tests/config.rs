//! Where the verifier comes from, what the handler learns about the match, and how the filters
//! compose with others.

use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_warp::{
    Token, VerifiedBody, VerifiedJson, Verifier, WebhookConfig, recover, verified_body,
    verified_json,
};
use warp::http::StatusCode;
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
    let _ = servable(verified_json::<serde_json::Value>(WebhookConfig::unset()));
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
async fn a_config_is_set_late_and_replaced_while_running() {
    let config = WebhookConfig::unset();
    assert!(!config.is_set());
    let routes = verified_body(config.clone())
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

    config.set(conformance::verifier());
    assert!(config.is_set());
    assert_eq!(send(&routes, "/", &current).await.0, StatusCode::OK);
    assert_eq!(send(&routes, "/", &other).await.0, StatusCode::UNAUTHORIZED);

    // Rotation without a restart: the filter built earlier sees the new verifier.
    config.set(Verifier::new(Token::new(OTHER_TOKEN).expect("not empty")));
    assert_eq!(send(&routes, "/", &other).await.0, StatusCode::OK);
    assert_eq!(
        send(&routes, "/", &current).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn a_config_never_shows_its_tokens() {
    let config = WebhookConfig::from(conformance::verifier());
    let shown = format!("{config:?} {:?}", WebhookConfig::unset());
    assert!(
        shown.contains("redacted") && shown.contains("None"),
        "{shown}"
    );
    for token in [TOKEN, PREVIOUS_TOKEN] {
        assert!(!shown.contains(token), "{shown}");
    }
}
