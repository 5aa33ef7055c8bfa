//! `sample`: realistic events in Qiscus' own byte form, ready to pipe into `sign` and `send`.

use serde_json::Value;

use crate::support::{TOKEN, qiscus_webhook, sign, stdout};

fn sample(args: &[&str]) -> Vec<u8> {
    let output = qiscus_webhook()
        .arg("sample")
        .args(args)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    output.stdout
}

/// What Go's encoder would print for `value`: compact, keys sorted, `<>&` escaped.
fn go_form(value: &Value) -> String {
    serde_json::to_string(value)
        .expect("a parsed value serialises")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[test]
fn sample_piped_into_sign_verifies() {
    let body = sample(&[]);
    let event: Value = serde_json::from_slice(&body).expect("sample is JSON");
    assert_eq!(event["type"], "post_comment_mobile");

    let signed = qiscus_webhook()
        .args(["sign", "--token", TOKEN])
        .write_stdin(body.clone())
        .output()
        .expect("runs");
    let signature = stdout(&signed);
    assert_eq!(signature, format!("{}\n", sign(TOKEN, &body)));

    qiscus_webhook()
        .args([
            "verify",
            "--token",
            TOKEN,
            "--signature",
            signature.trim_end(),
        ])
        .write_stdin(body)
        .assert()
        .success()
        .stdout("valid (token 0)\n");
}

#[test]
fn rest_type() {
    let event: Value =
        serde_json::from_slice(&sample(&["--type", "post_comment_rest"])).expect("sample is JSON");
    assert_eq!(event["type"], "post_comment_rest");
}

#[test]
fn unknown_type_is_a_usage_error() {
    qiscus_webhook()
        .args(["sample", "--type", "room_created"])
        .assert()
        .code(2);
}

#[test]
fn compact_sorted_and_escaped_like_go_without_a_trailing_newline() {
    for event_type in ["post_comment_mobile", "post_comment_rest"] {
        let body = sample(&["--type", event_type, "--text", "if a < b && b > c"]);
        let text = String::from_utf8(body).expect("sample is UTF-8");
        let event: Value = serde_json::from_str(&text).expect("sample is JSON");
        // serde_json's default map is sorted: equal bytes mean sorted keys, no spaces,
        // Go escaping, and no trailing newline when piped.
        assert_eq!(text, go_form(&event));
        assert!(text.contains(r"if a \u003c b \u0026\u0026 b \u003e c"));
        assert_eq!(event["payload"]["message"]["text"], "if a < b && b > c");
    }
}

#[test]
fn has_the_shape_of_the_real_payloads() {
    let event: Value = serde_json::from_slice(&sample(&[])).expect("sample is JSON");
    let payload = &event["payload"];

    assert!(payload["from"]["id"].is_u64());
    assert!(payload["from"]["email"].is_string());
    assert!(payload["from"]["name"].is_string());

    let message = &payload["message"];
    assert!(message["id"].is_u64());
    assert!(message["comment_before_id"].is_u64());
    assert!(message["unique_temp_id"].is_string());
    assert!(message["created_at"].is_string());
    assert!(message["timestamp"].is_string());
    assert!(message["unix_timestamp"].is_u64());
    let nanos = message["unix_nano_timestamp"]
        .as_u64()
        .expect("unix_nano_timestamp is an integer");
    assert!(nanos > 1 << 53, "exceeds an f64's integers, as in the wild");
    assert_eq!(message["type"], "text");

    let room = &payload["room"];
    assert!(room["id"].is_u64());
    assert!(room["name"].is_string());
    let options: Value = serde_json::from_str(room["options"].as_str().expect("a string"))
        .expect("room.options is JSON inside a string");
    assert!(options.is_object());
    let participants = room["participants"].as_array().expect("participants");
    assert!(participants.len() >= 2);
    assert!(participants.iter().all(|p| p["email"].is_string()));
}

#[test]
fn deterministic() {
    assert_eq!(sample(&["--text", "same"]), sample(&["--text", "same"]));
}
