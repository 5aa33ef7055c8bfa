//! The rejection: what it says, what it never says, and how users answer their own way.

use qiscus_webhook::events::Event;
use qiscus_webhook_rocket::{Error, VerifiedBody, VerifiedJson, WebhookRejection};
use qiscus_webhook_testkit::conformance::{self, Case, Expect, PREVIOUS_TOKEN, TOKEN, Transfer};
use qiscus_webhook_testkit::{SignedRequest, leak};
use rocket::config::LogLevel;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::{Build, Config, Rocket, get, post, routes};

fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
}

/// Answers the code and everything the rejection shows, as `code|shown`.
#[post("/webhook", data = "<body>")]
fn raw_shown(body: Result<VerifiedBody, WebhookRejection>) -> String {
    match body {
        Ok(_) => "accepted".into(),
        Err(rejection) => format!(
            "{}|{}",
            rejection.error().code(),
            leak::error_text(&rejection)
        ),
    }
}

#[post("/events", data = "<event>")]
fn typed_shown(event: Result<VerifiedJson<Event>, WebhookRejection>) -> String {
    match event {
        Ok(_) => "accepted".into(),
        Err(rejection) => format!(
            "{}|{}",
            rejection.error().code(),
            leak::error_text(&rejection)
        ),
    }
}

async fn text(response: LocalResponse<'_>) -> String {
    response.into_string().await.unwrap_or_default()
}

/// Every refusal of the table that the local client can send: its error is the expected one,
/// and neither its `Display`, its `Debug`, its error chain nor the catchers' response
/// mentions a token, the expected signature or the signature that was sent.
#[rocket::async_test]
async fn rejections_never_show_tokens_or_signatures() {
    let inspect = Client::untracked(
        quiet()
            .manage(conformance::verifier())
            .mount("/", routes![raw_shown, typed_shown]),
    )
    .await
    .expect("valid rocket");
    let answer = Client::untracked(
        quiet()
            .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
            .mount("/", routes![raw_shown_guard, typed_shown_guard]),
    )
    .await
    .expect("valid rocket");

    let mut checked = 0;
    for case in conformance::cases() {
        let Expect::Rejected { status, code } = case.expect else {
            continue;
        };
        if !matches!(
            case.transfer,
            Transfer::ContentLength | Transfer::DeclaredLength(_)
        ) {
            continue; // streamed bodies are covered by tests/socket.rs
        }
        let Ok(headers) = case
            .headers
            .iter()
            .map(|(name, value)| {
                Ok(Header::new(
                    String::from_utf8(name.clone())?,
                    String::from_utf8(value.clone())?,
                ))
            })
            .collect::<Result<Vec<_>, std::string::FromUtf8Error>>()
        else {
            continue; // not expressible in process: tests/socket.rs
        };
        let request = |client| request(client, &case, &headers);

        let inspected = text(request(&inspect).dispatch().await).await;
        let (seen_code, mut shown) = inspected
            .split_once('|')
            .map(|(code, shown)| (code.to_owned(), shown.to_owned()))
            .unwrap_or_else(|| panic!("{}: {inspected}", case.name));
        assert_eq!(seen_code, code, "{}", case.name);

        let response = request(&answer).dispatch().await;
        assert_eq!(response.status().code, status, "{}", case.name);
        shown.push_str(&text(response).await);

        leak::assert_reveals_nothing(&case, &shown);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} rejections checked");
}

/// The case as a local request, its headers already converted.
fn request<'c>(client: &'c Client, case: &Case, headers: &[Header<'static>]) -> LocalRequest<'c> {
    let mut request = client.post(case.path()).body(&case.body);
    for header in headers {
        request = request.header(header.clone());
    }
    if let Some(len) = case.content_length() {
        request = request.header(Header::new("content-length", len.to_string()));
    }
    request
}

#[post("/webhook", data = "<body>")]
fn raw_shown_guard(body: VerifiedBody) -> String {
    format!("{} bytes", body.len())
}

#[post("/events", data = "<event>")]
fn typed_shown_guard(event: VerifiedJson<Event>) -> String {
    event.event_type().to_owned()
}

#[get("/too-large")]
fn too_large() -> WebhookRejection {
    Error::BodyTooLarge.into()
}

#[rocket::async_test]
async fn the_responder_is_the_status_and_json_body_of_the_error() {
    let client = Client::untracked(quiet().mount("/", routes![too_large]))
        .await
        .expect("valid rocket");
    let response = client.get("/too-large").dispatch().await;
    assert_eq!(response.status(), Status::PayloadTooLarge);
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    assert_eq!(
        response.headers().get_one("content-type"),
        Some("application/json")
    );
    assert_eq!(text(response).await, r#"{"error":"body_too_large"}"#);
    assert_eq!(
        WebhookRejection::from(Error::NotConfigured).status(),
        Status::InternalServerError
    );
}

#[derive(Debug, serde::Deserialize)]
struct Order {
    order_id: u64,
}

#[post("/orders", data = "<order>")]
fn order(order: Result<VerifiedJson<Order>, WebhookRejection>) -> String {
    match order {
        Ok(VerifiedJson(order, verified)) => {
            format!(
                "order {} by token #{}",
                order.order_id,
                verified.token_index()
            )
        }
        Err(rejection) => {
            let source = std::error::Error::source(&rejection).map(ToString::to_string);
            format!("{:?}: {source:?}", rejection.error())
        }
    }
}

#[rocket::async_test]
async fn invalid_payload_keeps_where_serde_stopped_as_its_source() {
    let client = Client::untracked(
        quiet()
            .manage(conformance::verifier())
            .mount("/", routes![order]),
    )
    .await
    .expect("valid rocket");
    let post = |signed: SignedRequest| {
        let mut request = client.post("/orders").body(signed.body());
        for (name, value) in signed.headers() {
            request = request.header(Header::new(*name, value.clone()));
        }
        request.dispatch()
    };

    // Where serde stopped and why, never what it read (serde's own message quotes the body).
    let answer = text(post(SignedRequest::new(TOKEN, r#"{"order_id":"x"}"#)).await).await;
    assert_eq!(
        answer,
        r#"InvalidPayload: Some("the body is valid JSON of the wrong shape (line 1, column 15)")"#
    );
    let answer = text(post(SignedRequest::new(PREVIOUS_TOKEN, r#"{"order_id":7}"#)).await).await;
    assert_eq!(answer, "order 7 by token #1");
}

/// The handler answers its own way: plain text, and 404 for any signature problem.
#[post("/webhook", data = "<body>")]
fn plain_text(body: Result<VerifiedBody, WebhookRejection>) -> (Status, String) {
    match body {
        Ok(body) => (Status::Ok, format!("{} bytes", body.len())),
        Err(rejection) if rejection.error().is_unauthorized() => {
            (Status::NotFound, "go away".into())
        }
        Err(rejection) => (rejection.status(), rejection.to_string()),
    }
}

#[rocket::async_test]
async fn a_result_guard_lets_users_answer_their_way() {
    // With the catchers too: the handler answered, so they do not step in.
    let client = Client::untracked(
        quiet()
            .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
            .mount("/", routes![plain_text]),
    )
    .await
    .expect("valid rocket");
    let post = |signed: &SignedRequest| {
        let mut request = client.post("/webhook").body(signed.body());
        for (name, value) in signed.headers() {
            request = request.header(Header::new(*name, value.clone()));
        }
        request.dispatch()
    };
    let signed = SignedRequest::new(TOKEN, "{}");

    let response = post(&signed).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(text(response).await, "2 bytes");

    let response = post(&signed.clone().tampered()).await;
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(text(response).await, "go away");

    let large = SignedRequest::new(TOKEN, vec![b' '; conformance::BODY_LIMIT + 1]);
    let response = post(&large).await;
    assert_eq!(response.status(), Status::PayloadTooLarge);
    assert_eq!(text(response).await, Error::BodyTooLarge.to_string());
}
