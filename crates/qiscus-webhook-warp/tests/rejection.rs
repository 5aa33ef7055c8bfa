//! The rejection: what it says, what it never says, and how it leaves room for the user's own
//! `recover` and for warp's defaults.

use qiscus_webhook::events::Event;
use qiscus_webhook::json::{PayloadError, PayloadErrorKind};
use qiscus_webhook_testkit::conformance::{self, Expect, OTHER_TOKEN, Route, TOKEN, Transfer};
use qiscus_webhook_testkit::{SignedRequest, leak, sign};
use qiscus_webhook_warp::{
    Error, VerifiedBody, WebhookRejection, error_reply, recover, verified_body, verified_json,
};
use warp::http::StatusCode;
use warp::http::header::CONTENT_TYPE;
use warp::test::RequestBuilder;
use warp::{Filter, Rejection, Reply};

fn request(path: &str, signed: &SignedRequest) -> RequestBuilder {
    let mut request = warp::test::request().method("POST").path(path);
    for (name, value) in signed.headers() {
        request = request.header(*name, value.as_str());
    }
    request.body(signed.body())
}

fn body_text(response: &warp::http::Response<bytes::Bytes>) -> String {
    String::from_utf8(response.body().to_vec()).expect("UTF-8")
}

/// Everything a rejection can show: `Display`, `Debug`, the error chain, the rejection's
/// own `Debug` (what warp logs and answers when nobody recovers it), and the response.
async fn everything_shown(rejection: Rejection) -> String {
    let mut shown = format!("{rejection:?}");
    let webhook = rejection
        .find::<WebhookRejection>()
        .expect("a webhook rejection");
    shown.push(' ');
    shown.push_str(&leak::error_text(webhook));
    let response = error_reply(webhook.error());
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("readable")
        .to_bytes();
    shown.push_str(&String::from_utf8_lossy(&body));
    shown
}

/// Every refusal of the table that `warp::test` can send, extracted directly: its error is
/// the expected one, and nothing it shows mentions a token, the expected signature or the
/// signature that was sent.
#[tokio::test]
async fn rejections_never_show_tokens_or_signatures() {
    let raw = verified_body(conformance::verifier());
    let typed = verified_json::<Event>(conformance::verifier());
    let mut checked = 0;
    for case in conformance::cases() {
        let Expect::Rejected { status, code } = case.expect else {
            continue;
        };
        let repeated = case
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(b"qiscus-sdk-signature"))
            .count()
            > 1;
        if repeated
            || !matches!(
                case.transfer,
                Transfer::ContentLength | Transfer::DeclaredLength(_)
            )
        {
            continue; // `warp::test` cannot send them: tests/conformance.rs and tests/socket.rs do
        }
        let mut request = warp::test::request().method("POST").path(case.path());
        for (name, value) in &case.headers {
            request = request.header(name.as_slice(), value.as_slice());
        }
        request = request.body(&case.body);
        if let Some(len) = case.content_length() {
            request = request.header("content-length", len.to_string());
        }
        let rejection = match case.route {
            Route::Raw => request.filter(&raw).await.err(),
            Route::Typed => request.filter(&typed).await.err(),
        };
        let rejection = rejection.unwrap_or_else(|| panic!("{}: accepted", case.name));
        let webhook = rejection.find::<WebhookRejection>().expect("ours");
        assert_eq!(webhook.error().code(), code, "{}", case.name);
        assert_eq!(webhook.status().as_u16(), status, "{}", case.name);

        let shown = everything_shown(rejection).await.to_ascii_lowercase();
        leak::assert_reveals_nothing(&case, &shown);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} rejections checked");
}

#[tokio::test]
async fn the_reply_is_the_status_and_json_body_of_the_error() {
    for error in [
        Error::MissingSignature,
        Error::SignatureMismatch,
        Error::BodyTooLarge,
        Error::BodyUnreadable,
        Error::InvalidPayload,
        Error::NotConfigured,
        Error::BodyTimeout,
        Error::StaleEvent,
        Error::DeliveryInProgress,
        Error::ReplayStoreUnavailable,
    ] {
        for response in [
            error_reply(error),
            WebhookRejection::from(error).into_response(),
        ] {
            assert_eq!(response.status().as_u16(), error.status_code(), "{error:?}");
            assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .expect("readable")
                .to_bytes();
            assert_eq!(body, error.response_body(), "{error:?}");
        }
    }
}

#[tokio::test]
async fn recover_maps_not_configured_like_every_other_error() {
    let rejection = warp::reject::custom(WebhookRejection::from(Error::NotConfigured));
    let response = recover(rejection).await.expect("ours");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
}

#[derive(Debug, serde::Deserialize)]
struct Order {
    order_id: u64,
}

#[tokio::test]
async fn invalid_payload_keeps_serdes_position_as_its_source_never_the_body() {
    let filter = verified_json::<Order>(conformance::verifier());
    let signed = SignedRequest::new(TOKEN, r#"{"order_id":"private text"}"#);
    let rejection = request("/", &signed)
        .filter(&filter)
        .await
        .expect_err("not an Order");
    let webhook = rejection.find::<WebhookRejection>().expect("ours");
    assert_eq!(webhook.error(), Error::InvalidPayload);
    let source = std::error::Error::source(webhook).expect("where serde stopped");
    let payload = source
        .downcast_ref::<PayloadError>()
        .expect("the core's PayloadError");
    assert_eq!(
        (payload.kind(), payload.line(), payload.column()),
        (PayloadErrorKind::Shape, 1, 26)
    );
    let shown = format!("{rejection:?} {}", leak::error_text(webhook));
    assert!(
        shown.contains("InvalidPayload") && shown.contains("line 1"),
        "{shown}"
    );
    assert!(!shown.contains("private text"), "{shown}");

    let ok = SignedRequest::new(TOKEN, r#"{"order_id":7}"#);
    let verified = request("/", &ok).filter(&filter).await.expect("an Order");
    assert_eq!((verified.0.order_id, verified.1.token_index()), (7, 0));
}

fn webhook_route() -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("webhook")
        .and(warp::post())
        .and(verified_body(conformance::verifier()))
        .map(|VerifiedBody(body, _)| format!("{} bytes", body.len()))
}

#[tokio::test]
async fn recover_leaves_other_rejections_to_warp() {
    let routes = webhook_route().recover(recover);
    let signed = SignedRequest::new(TOKEN, "{}");

    let response = request("/webhook", &signed).reply(&routes).await;
    assert_eq!(
        (response.status(), body_text(&response)),
        (StatusCode::OK, "2 bytes".into())
    );

    let response = request("/elsewhere", &signed).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let get = warp::test::request().method("GET").path("/webhook");
    assert_eq!(
        get.reply(&routes).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// A user's own recover after the crate's: it sees only what the crate's passed on.
async fn not_found_as_text(rejection: Rejection) -> Result<impl Reply, Rejection> {
    assert!(
        rejection.find::<WebhookRejection>().is_none(),
        "already answered"
    );
    if rejection.is_not_found() {
        Ok(warp::reply::with_status(
            "no such route",
            StatusCode::NOT_FOUND,
        ))
    } else {
        Err(rejection)
    }
}

#[tokio::test]
async fn recover_chains_with_the_users_own() {
    let routes = webhook_route().recover(recover).recover(not_found_as_text);
    let signed = SignedRequest::new(TOKEN, "{}");

    let response = request("/webhook", &signed.clone().tampered())
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(&response), r#"{"error":"signature_mismatch"}"#);

    let response = request("/elsewhere", &signed).reply(&routes).await;
    assert_eq!(
        (response.status(), body_text(&response)),
        (StatusCode::NOT_FOUND, "no such route".into())
    );
}

/// A user's own recover in place of the crate's: plain text, and nothing said about
/// signatures.
async fn plain_text(rejection: Rejection) -> Result<warp::reply::Response, Rejection> {
    let Some(webhook) = rejection.find::<WebhookRejection>() else {
        return Err(rejection);
    };
    Ok(match webhook.error() {
        error if error.is_unauthorized() => {
            warp::reply::with_status("go away", webhook.status()).into_response()
        }
        Error::BodyTooLarge => {
            warp::reply::with_status(Error::BodyTooLarge.to_string(), webhook.status())
                .into_response()
        }
        error => error_reply(error),
    })
}

#[tokio::test]
async fn users_answer_their_own_way() {
    let routes = webhook_route().recover(plain_text);
    let tampered = SignedRequest::new(TOKEN, "{}").tampered();
    let response = request("/webhook", &tampered).reply(&routes).await;
    assert_eq!(
        (response.status(), body_text(&response)),
        (StatusCode::UNAUTHORIZED, "go away".into())
    );

    let large = SignedRequest::new(TOKEN, vec![b' '; conformance::BODY_LIMIT + 1]);
    let response = request("/webhook", &large).reply(&routes).await;
    assert_eq!(
        (response.status(), body_text(&response)),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Error::BodyTooLarge.to_string()
        )
    );
}

/// Without any recover, warp answers a custom rejection with a plain-text 500 showing its
/// `Debug`: the reason to recover, and proof that even then nothing secret is shown.
#[tokio::test]
async fn without_recover_warp_answers_500_and_shows_no_secret() {
    let signed = SignedRequest::new(TOKEN, "{}").with_signature(sign(OTHER_TOKEN, "{}"));
    let response = request("/webhook", &signed).reply(&webhook_route()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = body_text(&response);
    assert!(text.contains("SignatureMismatch"), "{text}");
    for secret in [
        TOKEN.to_owned(),
        OTHER_TOKEN.to_owned(),
        sign(TOKEN, "{}"),
        sign(OTHER_TOKEN, "{}"),
    ] {
        assert!(!text.contains(&secret), "{text}");
    }
}
