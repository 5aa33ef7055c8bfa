//! `verify`: verdicts (exit 0 or 1, printed on stdout) and usage errors (exit 2).

use crate::support::{
    OLD_TOKEN, TOKEN, assert_no_leak, assert_one_error_line, qiscus_webhook, sign, stdout,
};

const BODY: &[u8] = br#"{"payload":{},"type":"post_comment_mobile"}"#;

fn verify(signature: &str, tokens: &[&str], body: &[u8]) -> std::process::Output {
    let mut command = qiscus_webhook();
    command.args(["verify", "--signature", signature]);
    for token in tokens {
        command.args(["--token", token]);
    }
    command.write_stdin(body).output().expect("runs")
}

#[test]
fn a_valid_signature_names_token_0() {
    let output = verify(&sign(TOKEN, BODY), &[TOKEN], BODY);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "valid (token 0)\n");
    assert!(output.stderr.is_empty());
}

#[test]
fn a_signature_by_the_second_token_names_token_1() {
    let output = verify(&sign(OLD_TOKEN, BODY), &[TOKEN, OLD_TOKEN], BODY);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "valid (token 1)\n");
}

#[test]
fn reads_the_body_from_a_file() {
    let file = crate::support::TempFile::new(BODY);
    qiscus_webhook()
        .args(["verify", "--token", TOKEN, "-s", &sign(TOKEN, BODY)])
        .arg(file.path())
        .assert()
        .success()
        .stdout("valid (token 0)\n");
}

#[test]
fn a_mismatch_exits_1_with_its_code() {
    let output = verify(&sign(OLD_TOKEN, BODY), &[TOKEN], BODY);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "signature_mismatch\n");
    assert_one_error_line(&output);
    // Neither the token nor the signature it would have wanted.
    assert_no_leak(&output, &[TOKEN, &sign(TOKEN, BODY)]);
}

#[test]
fn a_changed_body_is_a_mismatch() {
    let output = verify(&sign(TOKEN, BODY), &[TOKEN], b"{\"payload\":{}}");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "signature_mismatch\n");
}

#[test]
fn a_sha256_prefix_is_malformed() {
    let output = verify(&format!(" sha256={}", sign(TOKEN, BODY)), &[TOKEN], BODY);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "malformed_signature\n");
    assert_one_error_line(&output);
}

#[test]
fn a_short_or_non_hex_signature_is_malformed() {
    let good = sign(TOKEN, BODY);
    let inner_space = format!("{} {}", &good[..32], &good[33..]);
    let non_hex = format!("{}g", &good[1..]);
    for bad in [&good[1..], &non_hex, "", &inner_space, &format!("{good}0")] {
        let output = verify(bad, &[TOKEN], BODY);
        assert_eq!(output.status.code(), Some(1), "{bad:?}");
        assert_eq!(stdout(&output), "malformed_signature\n", "{bad:?}");
    }
}

#[test]
fn uppercase_hex_and_surrounding_whitespace_are_accepted() {
    let upper = sign(TOKEN, BODY).to_ascii_uppercase();
    for signature in [upper.clone(), format!(" \t{upper}\t ")] {
        let output = verify(&signature, &[TOKEN], BODY);
        assert_eq!(stdout(&output), "valid (token 0)\n", "{signature:?}");
    }
}

#[test]
fn the_body_limit_is_the_core_default_unless_given() {
    let big = vec![b'x'; qiscus_webhook::DEFAULT_BODY_LIMIT + 1];
    let output = verify(&sign(TOKEN, &big), &[TOKEN], &big);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "body_too_large\n");

    let at_limit = &big[1..];
    let output = verify(&sign(TOKEN, at_limit), &[TOKEN], at_limit);
    assert_eq!(stdout(&output), "valid (token 0)\n");
}

#[test]
fn body_limit_option() {
    let signature = sign(TOKEN, BODY);
    let limit = BODY.len().to_string();
    let over = (BODY.len() - 1).to_string();
    qiscus_webhook()
        .args(["verify", "--token", TOKEN, "-s", &signature])
        .args(["--body-limit", &limit])
        .write_stdin(BODY)
        .assert()
        .success()
        .stdout("valid (token 0)\n");
    qiscus_webhook()
        .args(["verify", "--token", TOKEN, "-s", &signature])
        .args(["--body-limit", &over])
        .write_stdin(BODY)
        .assert()
        .code(1)
        .stdout("body_too_large\n");
}

#[test]
fn a_missing_token_exits_2() {
    let output = qiscus_webhook()
        .args(["verify", "-s", &sign(TOKEN, BODY)])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output);
    assert!(crate::support::stderr(&output).contains("QISCUS_WEBHOOK_TOKEN"));
}

#[test]
fn more_than_four_tokens_exit_2() {
    let output = verify(
        &sign(TOKEN, BODY),
        &["t1-secret", "t2-secret", "t3-secret", "t4-secret", TOKEN],
        BODY,
    );
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output);
    assert_no_leak(&output, &["-secret", TOKEN]);
}

#[test]
fn a_missing_signature_option_is_a_usage_error() {
    qiscus_webhook()
        .args(["verify", "--token", TOKEN])
        .write_stdin(BODY)
        .assert()
        .code(2);
}

fn verify_logged(rust_log: &str, signature: &str, body: &[u8]) -> std::process::Output {
    qiscus_webhook()
        .env("RUST_LOG", rust_log)
        .args(["verify", "--token", TOKEN, "--signature", signature])
        .write_stdin(body)
        .output()
        .expect("runs")
}

#[test]
fn with_rust_log_the_cores_event_is_printed_to_stderr() {
    // A forgery: the core's WARN event, then the usual explanation; stdout unchanged.
    let output = verify_logged("info", &sign(OLD_TOKEN, BODY), BODY);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "signature_mismatch\n");
    let stderr = crate::support::stderr(&output);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for field in [
        "WARN",
        "qiscus_webhook",
        "outcome=\"signature_mismatch\"",
        "status=401",
        &format!("body_bytes={}", BODY.len()),
        "elapsed_us=",
    ] {
        assert!(lines[0].contains(field), "{field}: {stderr}");
    }
    assert!(
        lines[1].starts_with("error: the signature does not match"),
        "{stderr}"
    );
    assert_no_leak(
        &output,
        &[TOKEN, &sign(TOKEN, BODY), &sign(OLD_TOKEN, BODY)],
    );

    // Verified: DEBUG, so only with a filter that lets it through.
    let output = verify_logged("info", &sign(TOKEN, BODY), BODY);
    assert_eq!(stdout(&output), "valid (token 0)\n");
    assert!(output.stderr.is_empty());
    let output = verify_logged("qiscus_webhook=debug", &sign(TOKEN, BODY), BODY);
    assert_eq!(stdout(&output), "valid (token 0)\n");
    let stderr = crate::support::stderr(&output);
    assert!(
        stderr.lines().count() == 1
            && stderr.contains("DEBUG")
            && stderr.contains("outcome=\"verified\"")
            && stderr.contains("token_index=0"),
        "{stderr}"
    );
    assert_no_leak(&output, &[TOKEN, &sign(TOKEN, BODY)]);
}

#[test]
fn an_empty_rust_log_prints_nothing_more_and_a_bad_one_exits_2() {
    let output = verify_logged("", &sign(OLD_TOKEN, BODY), BODY);
    assert_eq!(output.status.code(), Some(1));
    assert_one_error_line(&output);

    let output = verify_logged("qiscus_webhook=loud", &sign(TOKEN, BODY), BODY);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output);
    assert!(crate::support::stderr(&output).contains("RUST_LOG"));
}
