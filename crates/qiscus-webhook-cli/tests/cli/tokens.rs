//! Where tokens come from, and that they never come out.

use crate::support::{
    OLD_TOKEN, TOKEN, TempFile, assert_no_leak, assert_one_error_line, qiscus_webhook, sign, stdout,
};

const BODY: &[u8] = br#"{"type":"post_comment_rest"}"#;

fn signed_with(configure: impl FnOnce(&mut assert_cmd::Command)) -> String {
    let mut command = qiscus_webhook();
    command.arg("sign");
    configure(&mut command);
    let output = command.write_stdin(BODY).output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    stdout(&output)
}

#[test]
fn token_from_a_file_with_its_line_ending_trimmed() {
    let expected = format!("{}\n", sign(TOKEN, BODY));
    for contents in [
        TOKEN.to_owned(),
        format!("{TOKEN}\n"),
        format!("{TOKEN}\r\n"),
    ] {
        let file = TempFile::new(contents.as_bytes());
        let signature = signed_with(|command| {
            command.arg("--token-file").arg(file.path());
        });
        assert_eq!(signature, expected, "{contents:?}");
    }
}

#[test]
fn token_file_keeps_other_whitespace() {
    let file = TempFile::new(format!(" {TOKEN}\n").as_bytes());
    let signature = signed_with(|command| {
        command.arg("--token-file").arg(file.path());
    });
    assert_eq!(signature, format!("{}\n", sign(&format!(" {TOKEN}"), BODY)));
}

#[test]
fn token_from_the_environment() {
    let signature = signed_with(|command| {
        command.env("QISCUS_WEBHOOK_TOKEN", TOKEN);
    });
    assert_eq!(signature, format!("{}\n", sign(TOKEN, BODY)));
}

#[test]
fn the_token_option_wins_over_the_environment() {
    let signature = signed_with(|command| {
        command
            .args(["--token", TOKEN])
            .env("QISCUS_WEBHOOK_TOKEN", OLD_TOKEN);
    });
    assert_eq!(signature, format!("{}\n", sign(TOKEN, BODY)));
}

#[test]
fn the_token_file_wins_over_the_environment() {
    let file = TempFile::new(TOKEN.as_bytes());
    let signature = signed_with(|command| {
        command
            .arg("--token-file")
            .arg(file.path())
            .env("QISCUS_WEBHOOK_TOKEN", OLD_TOKEN);
    });
    assert_eq!(signature, format!("{}\n", sign(TOKEN, BODY)));
}

#[test]
fn verify_takes_several_token_files_in_order() {
    let current = TempFile::new(format!("{TOKEN}\n").as_bytes());
    let old = TempFile::new(format!("{OLD_TOKEN}\n").as_bytes());
    qiscus_webhook()
        .args(["verify", "-s", &sign(OLD_TOKEN, BODY)])
        .arg("--token-file")
        .arg(current.path())
        .arg("--token-file")
        .arg(old.path())
        .write_stdin(BODY)
        .assert()
        .success()
        .stdout("valid (token 1)\n");
}

#[test]
fn verify_takes_the_previous_token_from_the_environment() {
    qiscus_webhook()
        .args(["verify", "-s", &sign(OLD_TOKEN, BODY)])
        .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
        .env("QISCUS_WEBHOOK_PREVIOUS_TOKEN", OLD_TOKEN)
        .write_stdin(BODY)
        .assert()
        .success()
        .stdout("valid (token 1)\n");
}

#[test]
fn sign_ignores_the_previous_token() {
    let signature = signed_with(|command| {
        command
            .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
            .env("QISCUS_WEBHOOK_PREVIOUS_TOKEN", OLD_TOKEN);
    });
    assert_eq!(signature, format!("{}\n", sign(TOKEN, BODY)));
}

#[test]
fn missing_or_empty_tokens_exit_2_with_one_line() {
    let empty_file = TempFile::new(b"\r\n");
    let cases: [(&[&str], Option<&str>); 4] = [
        (&["sign"], None),
        (&["sign"], Some("")),
        (&["sign", "--token", ""], None),
        (&["send", "http://127.0.0.1:9/webhook"], None),
    ];
    for (args, env) in cases {
        let mut command = qiscus_webhook();
        command.args(args);
        if let Some(value) = env {
            command.env("QISCUS_WEBHOOK_TOKEN", value);
        }
        let output = command.write_stdin(BODY).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_one_error_line(&output);
    }
    let output = qiscus_webhook()
        .arg("sign")
        .arg("--token-file")
        .arg(empty_file.path())
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output);
    assert!(crate::support::stderr(&output).contains("is empty"));
}

#[test]
fn the_token_never_appears_in_any_failing_run() {
    let token_file = TempFile::new(format!("{TOKEN}\n").as_bytes());
    let good = sign(TOKEN, BODY);
    let runs: Vec<(Vec<String>, bool)> = vec![
        // (arguments, token also in the environment)
        (
            args(&["verify", "-s", &sign(OLD_TOKEN, BODY), "--token", TOKEN]),
            false,
        ),
        (
            args(&["verify", "-s", "sha256=00", "--token", TOKEN]),
            false,
        ),
        (
            args(&["verify", "-s", &good, "--body-limit", "1", "--token", TOKEN]),
            false,
        ),
        (args(&["verify", "-s", &sign(OLD_TOKEN, BODY)]), true),
        (
            args(&["sign", "--token", TOKEN, "/nonexistent/body.json"]),
            true,
        ),
        (
            args(&["sign", "--token", TOKEN, "--token", OLD_TOKEN]),
            false,
        ),
        (
            vec![
                "sign".into(),
                "--token".into(),
                TOKEN.into(),
                "--token-file".into(),
                token_file.path().display().to_string(),
            ],
            false,
        ),
        (args(&["verify", "--token", TOKEN]), true),
        (args(&["sign", "--token", TOKEN, "--bogus"]), false),
        (
            args(&["send", "--token", TOKEN, "http://127.0.0.1:1/webhook"]),
            true,
        ),
        (args(&["send", "--token", TOKEN, "not a url"]), false),
        (args(&["sign", "--token-file", "/nonexistent/token"]), true),
    ];
    for (arguments, in_env) in runs {
        let mut command = qiscus_webhook();
        command.args(&arguments);
        if in_env {
            command.env("QISCUS_WEBHOOK_TOKEN", TOKEN);
        }
        let output = command.write_stdin(BODY).output().expect("runs");
        assert!(!output.status.success(), "{arguments:?} should fail");
        assert_no_leak(&output, &[TOKEN, OLD_TOKEN]);
    }
}

#[test]
fn help_never_shows_the_token_from_the_environment() {
    for subcommand in [None, Some("sign"), Some("verify"), Some("send")] {
        let mut command = qiscus_webhook();
        command.args(subcommand).arg("--help");
        let output = command
            .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
            .env("QISCUS_WEBHOOK_PREVIOUS_TOKEN", OLD_TOKEN)
            .output()
            .expect("runs");
        assert!(output.status.success());
        assert!(
            stdout(&output).contains("QISCUS_WEBHOOK_TOKEN"),
            "{subcommand:?}"
        );
        assert_no_leak(&output, &[TOKEN, OLD_TOKEN]);
    }
}

fn args(arguments: &[&str]) -> Vec<String> {
    arguments
        .iter()
        .map(|&argument| argument.to_owned())
        .collect()
}
