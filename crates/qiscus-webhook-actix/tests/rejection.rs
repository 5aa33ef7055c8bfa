//! The error: what it says, what it never says, and how users answer their own way.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{App, FromRequest, HttpResponse, ResponseError, error, test, web};
use qiscus_webhook::events::Event;
use qiscus_webhook_actix::{
    Error, Verified, VerifiedBody, VerifiedJson, VerifyQiscus, WebhookConfig, WebhookError,
};
use qiscus_webhook_testkit::conformance::{self, Expect, OTHER_TOKEN, Route, TOKEN, Transfer};
use qiscus_webhook_testkit::{SignedRequest, leak};
use serde::Deserialize;

fn request(path: &str, signed: &SignedRequest) -> test::TestRequest {
    let mut builder = test::TestRequest::post().uri(path);
    for (name, value) in signed.headers() {
        builder = builder.insert_header((*name, value.as_str()));
    }
    builder.set_payload(signed.body().to_vec())
}

async fn body_text(response: HttpResponse) -> String {
    let bytes = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_else(|_| panic!("an in-memory body is readable"));
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Every refusal of the table, extracted directly: its error is the expected one, and neither
/// the `actix_web::Error`'s nor the `WebhookError`'s `Display` and `Debug`, its error chain
/// nor its response mentions a token, the expected signature or the signature that was sent.
#[actix_web::test]
async fn rejections_never_show_tokens_or_signatures() {
    let mut checked = 0;
    for case in conformance::cases() {
        let Expect::Rejected { status, code } = case.expect else {
            continue;
        };
        if !matches!(
            case.transfer,
            Transfer::ContentLength | Transfer::DeclaredLength(_)
        ) {
            continue; // streamed bodies are covered by tests/conformance.rs
        }
        let mut builder = test::TestRequest::post()
            .uri(case.path())
            .app_data(WebhookConfig::new(conformance::verifier()));
        for (name, value) in &case.headers {
            let name = HeaderName::from_bytes(name).expect("a valid name");
            let value = HeaderValue::from_bytes(value).expect("a valid value");
            builder = builder.append_header((name, value));
        }
        builder = builder.set_payload(case.body.clone());
        if let Some(len) = case.content_length() {
            builder = builder.insert_header((CONTENT_LENGTH, len));
        }
        let (request, mut payload) = builder.to_http_parts();
        let refused = match case.route {
            Route::Raw => VerifiedBody::from_request(&request, &mut payload)
                .await
                .err(),
            Route::Typed => VerifiedJson::<Event>::from_request(&request, &mut payload)
                .await
                .err(),
        };
        let refused = refused.unwrap_or_else(|| panic!("{}: accepted", case.name));
        let webhook_error = refused
            .as_error::<WebhookError>()
            .unwrap_or_else(|| panic!("{}: not a WebhookError: {refused:?}", case.name));
        assert_eq!(webhook_error.error().code(), code, "{}", case.name);
        assert_eq!(
            webhook_error.status_code().as_u16(),
            status,
            "{}",
            case.name
        );

        let mut shown = format!("{refused} {refused:?} ");
        shown.push_str(&leak::error_text(webhook_error));
        shown.push_str(&body_text(refused.error_response()).await);
        leak::assert_reveals_nothing(&case, &shown);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} rejections checked");
}

#[actix_web::test]
async fn the_response_is_the_status_and_json_body_of_the_error() {
    let pairs = [
        (Error::MissingSignature, StatusCode::UNAUTHORIZED),
        (Error::BodyTooLarge, StatusCode::PAYLOAD_TOO_LARGE),
        (Error::BodyUnreadable, StatusCode::BAD_REQUEST),
        (Error::InvalidPayload, StatusCode::BAD_REQUEST),
        (Error::NotConfigured, StatusCode::INTERNAL_SERVER_ERROR),
    ];
    for (error, status) in pairs {
        let refused = WebhookError::from(error);
        assert_eq!(refused.error(), error);
        assert_eq!(refused.status_code(), status);
        let response = refused.error_response();
        assert_eq!(response.status(), status);
        assert_eq!(
            response.headers().get(CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        assert_eq!(body_text(response).await, error.response_body());
    }
}

#[derive(Debug, Deserialize)]
struct Order {
    order_id: u64,
}

#[actix_web::test]
async fn a_verified_body_that_is_not_a_t_is_invalid_payload_with_its_position_as_source() {
    let bad = SignedRequest::new(TOKEN, r#"{"order_id":"seven"}"#);
    let (http_request, mut payload) = request("/orders", &bad)
        .app_data(WebhookConfig::new(conformance::verifier()))
        .to_http_parts();
    let refused = VerifiedJson::<Order>::from_request(&http_request, &mut payload)
        .await
        .expect_err("not an Order");
    let webhook_error = refused.as_error::<WebhookError>().expect("a WebhookError");
    assert_eq!(webhook_error.error(), Error::InvalidPayload);
    // serde's position and kind, never serde's message (which would quote the body).
    let source = std::error::Error::source(webhook_error).expect("the JSON position");
    let position = source
        .downcast_ref::<qiscus_webhook::json::PayloadError>()
        .expect("a PayloadError");
    assert_eq!((position.line(), position.column()), (1, 19));
    assert!(!source.to_string().contains("seven"), "{source}");
    assert_eq!(
        body_text(refused.error_response()).await,
        r#"{"error":"invalid_payload"}"#
    );

    let ok = SignedRequest::new(TOKEN, r#"{"order_id":7}"#);
    let (http_request, mut payload) = request("/orders", &ok)
        .app_data(WebhookConfig::new(conformance::verifier()))
        .to_http_parts();
    let VerifiedJson(order, verified) =
        VerifiedJson::<Order>::from_request(&http_request, &mut payload)
            .await
            .expect("a valid Order");
    assert_eq!((order.order_id, verified.token_index()), (7, 0));
}

/// Plain text, and a bare 404 for any signature problem (reveals less to probes).
fn plain_text(refused: WebhookError, request: &actix_web::HttpRequest) -> actix_web::Error {
    let response = if refused.error().is_unauthorized() {
        HttpResponse::NotFound().body(format!("nothing at {}", request.path()))
    } else {
        HttpResponse::build(refused.status_code()).body(refused.to_string())
    };
    error::InternalError::from_response(refused, response).into()
}

async fn body_len(VerifiedBody(body, _): VerifiedBody) -> String {
    format!("{} bytes", body.len())
}

async fn typed(VerifiedJson(order, _): VerifiedJson<Order>) -> String {
    format!("order {}", order.order_id)
}

async fn behind(_: web::ReqData<Verified>, body: web::Bytes) -> String {
    format!("{} bytes", body.len())
}

/// The error handler answers every refusal, through the extractors and the middleware alike.
#[actix_web::test]
async fn the_error_handler_answers_its_own_way() {
    let config = WebhookConfig::new(conformance::verifier()).error_handler(plain_text);
    let app = test::init_service(
        App::new()
            .app_data(config.clone())
            .route("/webhook", web::post().to(body_len))
            .route("/orders", web::post().to(typed))
            .service(
                web::resource("/behind")
                    .wrap(VerifyQiscus::new(config))
                    .route(web::post().to(behind)),
            ),
    )
    .await;
    let send = async |path: &str, signed: &SignedRequest| {
        let response = test::call_service(&app, request(path, signed).to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
    };
    let good = SignedRequest::new(TOKEN, "{}");
    let large = SignedRequest::new(TOKEN, vec![b' '; conformance::BODY_LIMIT + 1]);
    let not_an_order = SignedRequest::new(TOKEN, r#"{"order_id":"seven"}"#);
    for path in ["/webhook", "/behind"] {
        assert_eq!(send(path, &good).await, (StatusCode::OK, "2 bytes".into()));
        assert_eq!(
            send(path, &good.clone().tampered()).await,
            (StatusCode::NOT_FOUND, format!("nothing at {path}"))
        );
        assert_eq!(
            send(path, &large).await,
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Error::BodyTooLarge.to_string()
            )
        );
    }
    assert_eq!(
        send("/orders", &not_an_order).await,
        (StatusCode::BAD_REQUEST, Error::InvalidPayload.to_string())
    );
}

/// Without the handler, a handler taking `Result<VerifiedBody, actix_web::Error>` finds the
/// `WebhookError` inside.
#[actix_web::test]
async fn a_handler_can_look_inside_the_error() {
    async fn webhook(body: Result<VerifiedBody, actix_web::Error>) -> String {
        match body {
            Ok(VerifiedBody(body, _)) => format!("{} bytes", body.len()),
            Err(error) => match error.as_error::<WebhookError>() {
                Some(refused) => format!("refused: {}", refused.error().code()),
                None => "another error".into(),
            },
        }
    }
    let app = test::init_service(
        App::new()
            .app_data(WebhookConfig::new(conformance::verifier()))
            .route("/webhook", web::post().to(webhook)),
    )
    .await;
    let forged = SignedRequest::new(OTHER_TOKEN, "{}");
    let response = test::call_service(&app, request("/webhook", &forged).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        test::read_body(response).await,
        "refused: signature_mismatch"
    );
}
