//! `send` against a one-shot receiver on 127.0.0.1.

use crate::support::{
    Receiver, TOKEN, TempFile, assert_one_error_line, qiscus_webhook, sign, stderr, stdout,
};

const BODY: &[u8] =
    br#"{"payload":{"message":{"text":"a \u0026 b"}},"type":"post_comment_mobile"}"#;
const ANSWER: &str = r#"{"ok":true}"#;

fn send(receiver: &Receiver, flags: &[&str], body: &[u8]) -> std::process::Output {
    qiscus_webhook()
        .args(["send", "--token", TOKEN, &receiver.url])
        .args(flags)
        .write_stdin(body)
        .output()
        .expect("runs")
}

#[test]
fn sends_the_exact_body_signed() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = send(&receiver, &[], BODY);
    let request = receiver.recorded();

    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), format!("HTTP/1.1 200 OK\n{ANSWER}\n"));
    assert!(output.stderr.is_empty());

    assert_eq!(request.request_line, "POST /webhook HTTP/1.1");
    assert_eq!(request.body, BODY);
    let expected = sign(TOKEN, BODY);
    assert_eq!(request.header("qiscus-sdk-signature"), [expected.as_str()]);
    assert_eq!(request.header("content-type"), ["application/json"]);
    assert_eq!(request.header("content-length"), [BODY.len().to_string()]);
    assert!(request.header("transfer-encoding").is_empty());
}

#[test]
fn sends_a_file() {
    let file = TempFile::new(BODY);
    let receiver = Receiver::start("200 OK", ANSWER);
    qiscus_webhook()
        .args(["send", "--token", TOKEN, &receiver.url])
        .arg(file.path())
        .assert()
        .success();
    let request = receiver.recorded();
    assert_eq!(request.body, BODY);
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, BODY)]);
}

#[test]
fn tamper_changes_exactly_the_last_bit_after_signing() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = send(&receiver, &["--tamper"], BODY);
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0));

    // Signed over the original body...
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, BODY)]);
    // ...but one byte differs: the last one, in its lowest bit.
    assert_eq!(request.body.len(), BODY.len());
    let differing: Vec<usize> = (0..BODY.len())
        .filter(|&i| request.body[i] != BODY[i])
        .collect();
    assert_eq!(differing, [BODY.len() - 1]);
    assert_eq!(request.body[BODY.len() - 1], BODY[BODY.len() - 1] ^ 1);
}

#[test]
fn tamper_appends_a_space_to_an_empty_body() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = send(&receiver, &["--tamper"], b"");
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(request.body, b" ");
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, b"")]);
}

#[test]
fn no_signature_omits_the_header_and_needs_no_token() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(request.header("qiscus-sdk-signature").is_empty());
    assert_eq!(request.body, BODY);
}

#[test]
fn chunked_sends_without_content_length() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = send(&receiver, &["--chunked"], BODY);
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(request.header("transfer-encoding"), ["chunked"]);
    assert!(request.header("content-length").is_empty());
    assert_eq!(request.body, BODY);
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, BODY)]);
}

#[test]
fn a_non_2xx_status_exits_1_and_is_printed() {
    let receiver = Receiver::start("401 Unauthorized", r#"{"error":"signature_mismatch"}"#);
    let output = send(&receiver, &["--tamper"], BODY);
    receiver.recorded();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "HTTP/1.1 401 Unauthorized\n{\"error\":\"signature_mismatch\"}\n"
    );
}

#[test]
fn a_refused_connection_exits_2() {
    // A port that was just free: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/webhook");
    let output = qiscus_webhook()
        .args(["send", "--token", TOKEN, &url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output);
}

#[test]
fn tamper_and_no_signature_conflict() {
    qiscus_webhook()
        .args(["send", "--tamper", "--no-signature", "http://127.0.0.1:9/"])
        .write_stdin(BODY)
        .assert()
        .code(2);
}

#[test]
fn header_fields_are_added_after_the_others_in_order() {
    let receiver = Receiver::start("200 OK", ANSWER);
    let output = send(
        &receiver,
        &[
            "--header",
            "X-Trace: one two ",
            "-H",
            "QISCUS-SDK-SIGNATURE:not-hex",
            "--header",
            "x-trace:2",
        ],
        BODY,
    );
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // The computed signature first, then the duplicate as given.
    assert_eq!(
        request.header("qiscus-sdk-signature"),
        [sign(TOKEN, BODY).as_str(), "not-hex"]
    );
    assert_eq!(request.header("x-trace"), ["one two", "2"]);
    let names: Vec<&str> = request
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        &names[names.len() - 3..],
        ["X-Trace", "QISCUS-SDK-SIGNATURE", "x-trace"]
    );
}

#[test]
fn header_refuses_what_send_writes_itself_and_bad_syntax() {
    for (header, why) in [
        ("Content-Length: 5", "written by send itself"),
        ("transfer-encoding:chunked", "--chunked"),
        ("Host:example.com", "written by send itself"),
        ("no colon", "NAME:VALUE"),
        ("Bad Name:x", "header name"),
        (":x", "empty"),
    ] {
        let output = qiscus_webhook()
            .args([
                "send",
                "--token",
                TOKEN,
                "--header",
                header,
                "http://127.0.0.1:9/",
            ])
            .write_stdin(BODY)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{header:?}");
        let stderr = stderr(&output);
        assert!(stderr.contains(why), "{header:?}: {stderr}");
    }
}

#[test]
fn signature_is_sent_verbatim_without_a_token() {
    for value in [" sha256=abc ", "ABCDEF", "é", ""] {
        let receiver = Receiver::start("401 Unauthorized", r#"{"error":"malformed_signature"}"#);
        let output = qiscus_webhook()
            .args(["send", &receiver.url, "--signature", value])
            .write_stdin(BODY)
            .output()
            .expect("runs");
        let request = receiver.recorded();
        assert_eq!(output.status.code(), Some(1), "{value:?}: {output:?}");
        // The receiver trims what it records; the CLI sent the value as given.
        assert_eq!(
            request.header("qiscus-sdk-signature"),
            [value.trim()],
            "{value:?}"
        );
        assert_eq!(request.body, BODY);
    }
}

#[test]
fn signature_with_a_line_break_is_refused() {
    let output = qiscus_webhook()
        .args([
            "send",
            "--signature",
            "ab\r\nX-Evil: 1",
            "http://127.0.0.1:9/",
        ])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output);
    assert!(stderr(&output).contains("--signature cannot contain CR, LF or NUL"));
}

#[test]
fn signature_conflicts_with_no_signature_tamper_and_tokens() {
    for flags in [
        &["--signature", "abc", "--no-signature"][..],
        &["--signature", "abc", "--tamper"],
        &["--signature", "abc", "--token", TOKEN],
        &["--signature", "abc", "--token-file", "token.txt"],
    ] {
        let output = qiscus_webhook()
            .arg("send")
            .args(flags)
            .arg("http://127.0.0.1:9/")
            .write_stdin(BODY)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert!(
            stderr(&output).contains("cannot be used with"),
            "{flags:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_url_without_a_scheme_says_to_add_one() {
    let output = qiscus_webhook()
        .args(["send", "--token", TOKEN, "127.0.0.1:3000/webhook"])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains("has no scheme: add http:// or https://"),
        "{stderr}"
    );
    assert!(stderr.contains("http://127.0.0.1:3000/webhook"), "{stderr}");
}

#[test]
fn other_schemes_and_credentials_are_refused_clearly() {
    for (url, expected) in [
        ("ftp://127.0.0.1/", "http:// or https:// URLs only"),
        ("http://user:s3cret@127.0.0.1/", "--header"),
        ("http://", "not a valid URL"),
    ] {
        let output = qiscus_webhook()
            .args(["send", "--no-signature", url])
            .write_stdin(BODY)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{url}");
        assert_one_error_line(&output);
        let stderr = stderr(&output);
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{url}: {stderr}");
    }
}

#[test]
fn a_zero_timeout_is_refused_in_words() {
    let output = qiscus_webhook()
        .args([
            "send",
            "--no-signature",
            "--timeout",
            "0",
            "http://127.0.0.1:9/",
        ])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("the timeout must be at least 1 second"),
        "{stderr}"
    );
    assert!(!stderr.contains("is not in 1.."), "{stderr}");
}

#[test]
fn a_refused_connection_names_the_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let output = qiscus_webhook()
        .args([
            "send",
            "--no-signature",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{stderr}"
    );
}
