//! Where the configuration comes from, what the handler learns about the match, and where the
//! middleware applies.

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, test, web};
use qiscus_webhook_actix::{
    Token, Verified, VerifiedBody, Verifier, VerifyQiscus, WebhookConfig, WebhookError,
};
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};

fn request(path: &str, signed: &SignedRequest) -> test::TestRequest {
    let mut builder = test::TestRequest::post().uri(path);
    for (name, value) in signed.headers() {
        builder = builder.insert_header((*name, value.as_str()));
    }
    builder.set_payload(signed.body().to_vec())
}

fn other_verifier() -> Verifier {
    Verifier::new(Token::new(OTHER_TOKEN).expect("not empty"))
}

/// Answers which token matched; takes another extractor first (any order works in actix-web:
/// only one extractor reads the payload).
async fn token_index(request: HttpRequest, VerifiedBody(_, verified): VerifiedBody) -> String {
    assert!(request.headers().contains_key("qiscus-sdk-signature"));
    format!(
        "token #{} primary={}",
        verified.token_index(),
        verified.is_primary()
    )
}

macro_rules! send {
    ($app:expr, $path:expr, $signed:expr) => {{
        let response = test::call_service($app, request($path, $signed).to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
    }};
}

#[actix_web::test]
async fn the_extractor_says_which_token_matched() {
    let app = test::init_service(
        App::new()
            .app_data(WebhookConfig::new(conformance::verifier()))
            .route("/webhook", web::post().to(token_index)),
    )
    .await;
    let current = SignedRequest::new(TOKEN, "{}");
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{}");
    assert_eq!(
        send!(&app, "/webhook", &current),
        (StatusCode::OK, "token #0 primary=true".into())
    );
    assert_eq!(
        send!(&app, "/webhook", &previous),
        (StatusCode::OK, "token #1 primary=false".into())
    );
}

#[actix_web::test]
async fn the_middleware_puts_the_match_in_the_extensions_and_the_body_back() {
    async fn handler(verified: web::ReqData<Verified>, body: web::Bytes) -> String {
        format!(
            "token #{} over {:?}",
            verified.token_index(),
            String::from_utf8_lossy(&body)
        )
    }
    async fn open() -> &'static str {
        "not verified"
    }
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/webhook")
                    .wrap(VerifyQiscus::new(conformance::verifier()))
                    .route(web::post().to(handler)),
            )
            .route("/open", web::post().to(open)),
    )
    .await;
    let previous = SignedRequest::new(PREVIOUS_TOKEN, "{\"a\":1}");
    assert_eq!(
        send!(&app, "/webhook", &previous),
        (StatusCode::OK, r#"token #1 over "{\"a\":1}""#.into())
    );

    // Wrapped on the resource only: other paths are neither verified nor refused.
    let unsigned = previous.without_signature();
    assert_eq!(
        send!(&app, "/open", &unsigned),
        (StatusCode::OK, "not verified".into())
    );
    assert_eq!(
        send!(&app, "/elsewhere", &unsigned).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send!(&app, "/webhook", &unsigned),
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"missing_signature"}"#.into()
        )
    );
}

#[actix_web::test]
async fn a_config_comes_before_a_bare_verifier() {
    let app = test::init_service(
        App::new()
            .app_data(other_verifier())
            .app_data(WebhookConfig::new(conformance::verifier()))
            .route("/webhook", web::post().to(token_index)),
    )
    .await;
    let by_config = SignedRequest::new(TOKEN, "{}");
    let by_verifier = SignedRequest::new(OTHER_TOKEN, "{}");
    assert_eq!(send!(&app, "/webhook", &by_config).0, StatusCode::OK);
    assert_eq!(
        send!(&app, "/webhook", &by_verifier).0,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn a_resource_config_overrides_the_app_one() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(WebhookConfig::new(other_verifier())))
            .service(
                web::resource("/webhook")
                    .app_data(web::Data::new(WebhookConfig::new(conformance::verifier())))
                    .route(web::post().to(token_index)),
            )
            .route("/other", web::post().to(token_index)),
    )
    .await;
    let signed = SignedRequest::new(TOKEN, "{}");
    assert_eq!(send!(&app, "/webhook", &signed).0, StatusCode::OK);
    assert_eq!(send!(&app, "/other", &signed).0, StatusCode::UNAUTHORIZED);
    let other = SignedRequest::new(OTHER_TOKEN, "{}");
    assert_eq!(send!(&app, "/other", &other).0, StatusCode::OK);
}

#[actix_web::test]
async fn the_middleware_from_app_data_finds_a_scope_config() {
    async fn handler(body: web::Bytes) -> String {
        format!("{} bytes", body.len())
    }
    let app = test::init_service(
        App::new().service(
            web::scope("/qiscus")
                .app_data(WebhookConfig::new(conformance::verifier()))
                .wrap(VerifyQiscus::from_app_data())
                .route("/webhook", web::post().to(handler)),
        ),
    )
    .await;
    let signed = SignedRequest::new(TOKEN, "{}");
    assert_eq!(
        send!(&app, "/qiscus/webhook", &signed),
        (StatusCode::OK, "2 bytes".into())
    );
    assert_eq!(
        send!(&app, "/qiscus/webhook", &signed.clone().tampered()).0,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn the_middleware_given_a_verifier_ignores_app_data() {
    async fn handler(body: web::Bytes) -> String {
        format!("{} bytes", body.len())
    }
    let app = test::init_service(
        App::new()
            .app_data(WebhookConfig::new(other_verifier()))
            .service(
                web::resource("/webhook")
                    .wrap(VerifyQiscus::new(conformance::verifier()))
                    .route(web::post().to(handler)),
            ),
    )
    .await;
    let signed = SignedRequest::new(TOKEN, "{}");
    assert_eq!(send!(&app, "/webhook", &signed).0, StatusCode::OK);
    let other = SignedRequest::new(OTHER_TOKEN, "{}");
    assert_eq!(send!(&app, "/webhook", &other).0, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn without_a_configuration_the_answer_is_500_and_no_handler_runs() {
    async fn never(_: VerifiedBody) -> HttpResponse {
        unreachable!("the extractor refuses")
    }
    let app = test::init_service(App::new().route("/webhook", web::post().to(never))).await;
    let signed = SignedRequest::new(TOKEN, "{}");
    assert_eq!(
        send!(&app, "/webhook", &signed),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":"webhook_not_configured"}"#.into()
        )
    );
}

#[actix_web::test]
async fn debug_shows_no_token() {
    let config = WebhookConfig::new(conformance::verifier())
        .error_handler(|refused: WebhookError, _: &HttpRequest| refused.into());
    let shown = format!("{config:?} {:?}", VerifyQiscus::new(config.clone()));
    for token in [TOKEN, PREVIOUS_TOKEN] {
        assert!(!shown.contains(token), "{shown}");
    }
    assert!(shown.contains("error_handler: Some"), "{shown}");
    assert_eq!(config.verifier().token_count(), 2);
}
