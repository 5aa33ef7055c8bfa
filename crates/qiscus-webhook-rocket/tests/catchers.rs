//! The catchers answer webhook refusals with their JSON error and leave every other error to
//! Rocket's defaults; `stage` sets everything up, or refuses to.

use qiscus_webhook_rocket::{VerifiedBody, VerifiedJson, WebhookRejection};
use qiscus_webhook_testkit::SignedRequest;
use qiscus_webhook_testkit::conformance::{self, TOKEN};
use rocket::config::LogLevel;
use rocket::error::ErrorKind;
use rocket::http::{Accept, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::serde::json::{Json, Value};
use rocket::{Build, Config, Rocket, catch, catchers, get, post, routes};

fn quiet() -> Rocket<Build> {
    rocket::custom(Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    })
}

/// Fails with the status of its path.
#[get("/status/<code>")]
fn status(code: u16) -> Status {
    Status::new(code)
}

/// Rocket's own JSON data guard, failing on a body that is not JSON (400 or 422).
#[post("/json", data = "<value>")]
fn json(value: Json<Value>) -> String {
    value.to_string()
}

/// A verified webhook whose handler then fails on its own.
#[post("/webhook", data = "<body>")]
fn verified_then_500(body: VerifiedBody) -> Status {
    let _ = body;
    Status::InternalServerError
}

/// A handler that takes the guard's `Result` and answers another error of its own.
#[post("/events", data = "<event>")]
fn own_401(event: Result<VerifiedJson<Value>, WebhookRejection>) -> Status {
    match event {
        Ok(_) => Status::Ok,
        Err(_) => Status::Unauthorized,
    }
}

async fn answer(response: LocalResponse<'_>) -> (Status, Option<String>, String) {
    let status = response.status();
    let content_type = response.headers().get_one("content-type").map(String::from);
    (
        status,
        content_type,
        response.into_string().await.unwrap_or_default(),
    )
}

#[rocket::async_test]
async fn other_errors_get_rockets_default_answers() {
    // Without the webhook routes: their guards would refuse to launch without a verifier.
    let plain = Client::untracked(quiet().mount("/", routes![status, json]))
        .await
        .expect("valid rocket");
    let staged = Client::untracked(
        quiet()
            .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
            .mount("/", routes![status, json, verified_then_500, own_401]),
    )
    .await
    .expect("valid rocket");

    let signed = SignedRequest::new(TOKEN, "not json");
    let mut compared = 0;
    for accept in [Accept::HTML, Accept::JSON] {
        for code in [400, 401, 413, 500] {
            let path = format!("/status/{code}");
            let expected = answer(plain.get(&path).header(accept.clone()).dispatch().await).await;
            let actual = answer(staged.get(&path).header(accept.clone()).dispatch().await).await;
            assert_eq!(expected.0.code, code);
            assert_eq!(actual, expected, "{path} {accept}");
            compared += 1;
        }
        let expected = answer(
            plain
                .post("/json")
                .header(accept.clone())
                .body("{")
                .dispatch()
                .await,
        )
        .await;
        let actual = answer(
            staged
                .post("/json")
                .header(accept.clone())
                .body("{")
                .dispatch()
                .await,
        )
        .await;
        assert!(expected.0.code >= 400);
        assert_eq!(actual, expected, "/json {accept}");

        // Both: the webhook was verified (or not), then the handler chose the status.
        for path in ["/webhook", "/events"] {
            let request = |client| {
                let mut request = Client::post(client, path)
                    .header(accept.clone())
                    .body(signed.body());
                for (name, value) in signed.headers() {
                    request = request.header(Header::new(*name, value.clone()));
                }
                request.dispatch()
            };
            let actual = answer(request(&staged).await).await;
            let expected = answer(
                plain
                    .get(format!("/status/{}", actual.0.code))
                    .header(accept.clone())
                    .dispatch()
                    .await,
            )
            .await;
            assert!(matches!(actual.0.code, 401 | 500), "{path}: {actual:?}");
            assert_eq!(actual, expected, "{path} {accept}");
        }
        compared += 3;
    }
    assert_eq!(compared, 14);
}

#[post("/qiscus", data = "<body>")]
fn qiscus(body: VerifiedBody) -> String {
    format!("{} bytes", body.len())
}

#[catch(401)]
fn please_log_in() -> &'static str {
    "please log in"
}

#[rocket::async_test]
async fn catchers_under_the_webhook_base_leave_the_apps_own_catchers_alone() {
    let client = Client::untracked(
        quiet()
            .manage(conformance::verifier())
            .mount("/hooks", routes![qiscus])
            .mount("/", routes![status])
            .register("/", catchers![please_log_in])
            .register("/hooks", qiscus_webhook_rocket::catchers()),
    )
    .await
    .expect("no catcher collision");

    let unsigned = answer(client.post("/hooks/qiscus").body("{}").dispatch().await).await;
    assert_eq!(
        unsigned,
        (
            Status::Unauthorized,
            Some("application/json".into()),
            r#"{"error":"missing_signature"}"#.into()
        )
    );
    let elsewhere = answer(client.get("/status/401").dispatch().await).await;
    assert_eq!(elsewhere.0, Status::Unauthorized);
    assert_eq!(elsewhere.2, "please log in");
}

#[rocket::async_test]
async fn stage_refuses_to_launch_with_a_verifier_already_managed() {
    let ignited = quiet()
        .manage(conformance::verifier())
        .attach(qiscus_webhook_rocket::stage(conformance::verifier()))
        .ignite()
        .await;
    let error = ignited.expect_err("launch fails");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(failed) if failed.iter().any(|f| f.name == "Qiscus webhook")),
        "{error}"
    );
}
