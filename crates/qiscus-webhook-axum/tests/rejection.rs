//! The rejection: what it says, what it never says, and how users answer their own way.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::post};
use axum_extra::extract::WithRejection;
use qiscus_webhook_axum::{Error, VerifiedBody, VerifiedJson, WebhookRejection};
use qiscus_webhook_testkit::conformance::{self, Expect, TOKEN, Transfer};
use qiscus_webhook_testkit::{SignedRequest, leak};
use tower::ServiceExt;

fn request(signed: &SignedRequest) -> Request<Body> {
    let mut builder = Request::post("/webhook");
    for (name, value) in signed.headers() {
        builder = builder.header(*name, value);
    }
    builder
        .body(Body::from(signed.body().to_vec()))
        .expect("valid request")
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("readable");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Every refusal of the table, extracted directly: its error is the expected one, and neither
/// its `Display`, its `Debug`, its error chain nor its response mentions a token, the
/// expected signature or the signature that was sent.
#[tokio::test]
async fn rejections_never_show_tokens_or_signatures() {
    let verifier = conformance::verifier();
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
        let mut builder = Request::post(case.path());
        for (name, value) in &case.headers {
            builder = builder.header(name.as_slice(), value.as_slice());
        }
        if let Some(len) = case.content_length() {
            builder = builder.header("content-length", len);
        }
        let request = builder
            .body(Body::from(case.body.clone()))
            .expect("valid request");
        let rejection = match case.route {
            conformance::Route::Raw => VerifiedBody::from_request(request, &verifier).await.err(),
            conformance::Route::Typed => {
                VerifiedJson::<qiscus_webhook::events::Event>::from_request(request, &verifier)
                    .await
                    .err()
            }
        };
        let rejection = rejection.unwrap_or_else(|| panic!("{}: accepted", case.name));
        assert_eq!(rejection.error().code(), code, "{}", case.name);
        assert_eq!(rejection.status().as_u16(), status, "{}", case.name);

        let mut shown = leak::error_text(&rejection);
        shown.push_str(&body_text(rejection.into_response()).await);
        leak::assert_reveals_nothing(&case, &shown);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} rejections checked");
}

#[tokio::test]
async fn the_response_is_the_status_and_json_body_of_the_error() {
    let response = WebhookRejection::from(Error::BodyTooLarge).into_response();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(body_text(response).await, r#"{"error":"body_too_large"}"#);
}

#[tokio::test]
async fn retry_after_and_connection_close_are_sent_when_the_core_sets_them() {
    use axum::http::header::{CONNECTION, RETRY_AFTER};
    use qiscus_webhook::Rejection;
    use std::time::Duration;

    let busy =
        Rejection::from(Error::DeliveryInProgress).with_retry_after(Duration::from_millis(2_100));
    let response = WebhookRejection::from(busy).into_response();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(response.headers()[RETRY_AFTER], "3");
    assert!(response.headers().get(CONNECTION).is_none());

    let closing = Rejection::from(Error::BodyTooLarge).closing();
    let response = WebhookRejection::from(closing).into_response();
    assert_eq!(response.headers()[CONNECTION], "close");
    assert!(response.headers().get(RETRY_AFTER).is_none());
}

#[derive(Debug, serde::Deserialize)]
struct Order {
    order_id: u64,
}

#[tokio::test]
async fn invalid_payload_keeps_the_json_position_as_its_source() {
    let verifier = conformance::verifier();
    let signed = SignedRequest::new(TOKEN, r#"{"order_id":"not a number"}"#);
    let rejection = VerifiedJson::<Order>::from_request(request(&signed), &verifier)
        .await
        .expect_err("not an Order");
    assert_eq!(rejection.error(), Error::InvalidPayload);
    // serde's position and kind, never serde's message (which would quote the body).
    let source = std::error::Error::source(&rejection).expect("the JSON position");
    let position = source
        .downcast_ref::<qiscus_webhook::json::PayloadError>()
        .expect("a PayloadError");
    assert_eq!((position.line(), position.column()), (1, 26));
    assert!(!source.to_string().contains("not a number"), "{source}");
    assert_eq!(
        body_text(rejection.into_response()).await,
        r#"{"error":"invalid_payload"}"#
    );

    let ok = SignedRequest::new(TOKEN, r#"{"order_id":7}"#);
    let VerifiedJson(order, verified) =
        VerifiedJson::<Order>::from_request(request(&ok), &verifier)
            .await
            .expect("a valid Order");
    assert_eq!((order.order_id, verified.token_index()), (7, 0));
}

/// A user's own rejection type, through axum-extra's `WithRejection`.
struct PlainText(WebhookRejection);

impl From<WebhookRejection> for PlainText {
    fn from(rejection: WebhookRejection) -> Self {
        Self(rejection)
    }
}

impl IntoResponse for PlainText {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let text = match self.0.error() {
            error if error.is_unauthorized() => "go away".to_owned(),
            error => error.to_string(),
        };
        (status, text).into_response()
    }
}

#[tokio::test]
async fn with_rejection_lets_users_answer_their_way() {
    async fn webhook(
        WithRejection(VerifiedBody(body, _), _): WithRejection<VerifiedBody, PlainText>,
    ) -> String {
        format!("{} bytes", body.len())
    }
    let app: Router = Router::new()
        .route("/webhook", post(webhook))
        .with_state(conformance::verifier());
    let signed = SignedRequest::new(TOKEN, "{}");

    let response = app
        .clone()
        .oneshot(request(&signed))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "2 bytes");

    let response = app
        .clone()
        .oneshot(request(&signed.clone().tampered()))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(response).await, "go away");

    let large = SignedRequest::new(TOKEN, vec![b' '; conformance::BODY_LIMIT + 1]);
    let response = app.oneshot(request(&large)).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_text(response).await, Error::BodyTooLarge.to_string());
}
