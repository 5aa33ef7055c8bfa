//! `sign`: the signature of a body, from a file or standard input.

use crate::support::{
    RFC4231_DATA, RFC4231_KEY, RFC4231_MAC, TOKEN, TempFile, assert_one_error_line, qiscus_webhook,
    sign, stdout,
};

#[test]
fn signs_a_file() {
    let file = TempFile::new(RFC4231_DATA);
    qiscus_webhook()
        .args(["sign", "--token", RFC4231_KEY])
        .arg(file.path())
        .assert()
        .success()
        .stdout(format!("{RFC4231_MAC}\n"))
        .stderr("");
}

#[test]
fn signs_standard_input_by_default() {
    qiscus_webhook()
        .args(["sign", "--token", RFC4231_KEY])
        .write_stdin(RFC4231_DATA)
        .assert()
        .success()
        .stdout(format!("{RFC4231_MAC}\n"));
}

#[test]
fn signs_standard_input_for_a_dash() {
    qiscus_webhook()
        .args(["sign", "--token", RFC4231_KEY, "-"])
        .write_stdin(RFC4231_DATA)
        .assert()
        .success()
        .stdout(format!("{RFC4231_MAC}\n"));
}

#[test]
fn signs_the_bytes_exactly_as_given() {
    // No trimming, no newline handling, no JSON re-serialisation, non-UTF-8 bytes as they are.
    let body: &[u8] = b"{\"b\":1, \"a\":\"\\u003c\"}\r\n\xff";
    let output = qiscus_webhook()
        .args(["sign", "--token", TOKEN])
        .write_stdin(body)
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(stdout(&output), format!("{}\n", sign(TOKEN, body)));
}

#[test]
fn signs_an_empty_body() {
    let output = qiscus_webhook()
        .args(["sign", "--token", TOKEN])
        .write_stdin("")
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(stdout(&output), format!("{}\n", sign(TOKEN, b"")));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let output = qiscus_webhook()
        .args(["sign", "--token", TOKEN, "/nonexistent/body.json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output);
    assert!(crate::support::stderr(&output).contains("/nonexistent/body.json"));
}
