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
fn token_from_a_file_without_its_final_line_ending() {
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

/// What a token refused for its surrounding whitespace gives: exit 2, nothing on stdout, one
/// error line naming `source` and the way to keep the value, never the token.
fn assert_whitespace_refused(configure: impl FnOnce(&mut assert_cmd::Command), source: &str) {
    let mut command = qiscus_webhook();
    command.arg("sign");
    configure(&mut command);
    let output = command.write_stdin(BODY).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{source}: {output:?}");
    assert!(output.stdout.is_empty(), "{source}: {output:?}");
    assert_one_error_line(&output);
    let stderr = crate::support::stderr(&output);
    assert!(
        stderr.contains(source) && stderr.contains("leading or trailing whitespace"),
        "{source}: {stderr}"
    );
    assert!(
        stderr.contains("VERBATIM") || stderr.contains("--verbatim-token"),
        "{stderr}"
    );
    assert_no_leak(&output, &[TOKEN]);
}

#[test]
fn token_file_refuses_other_surrounding_whitespace() {
    for contents in [
        format!(" {TOKEN}\n"),
        format!("{TOKEN} \n"),
        format!("{TOKEN}\t"),
        format!("{TOKEN}\n\n"),
        format!("{TOKEN}\r\n\r\n"),
        " \t\n".to_owned(),
    ] {
        let file = TempFile::new(contents.as_bytes());
        let path = file.path().display().to_string();
        assert_whitespace_refused(
            |command| {
                command.arg("--token-file").arg(file.path());
            },
            &format!("token file {path}"),
        );
    }
}

#[test]
fn verbatim_token_keeps_a_files_content_exactly() {
    // The file's one final line ending is still not part of its content.
    for (contents, token) in [
        (format!(" {TOKEN}\n"), format!(" {TOKEN}")),
        (format!("{TOKEN}\n\n"), format!("{TOKEN}\n")),
        (format!("{TOKEN}\r\n"), TOKEN.to_owned()),
        (" \t\n".to_owned(), " \t".to_owned()),
    ] {
        let file = TempFile::new(contents.as_bytes());
        let signature = signed_with(|command| {
            command
                .arg("--token-file")
                .arg(file.path())
                .arg("--verbatim-token");
        });
        assert_eq!(
            signature,
            format!("{}\n", sign(&token, BODY)),
            "{contents:?}"
        );
    }
}

/// A trailing LF or CRLF, a leading space, nothing but whitespace.
fn surrounded() -> [String; 4] {
    [
        format!("{TOKEN}\n"),
        format!("{TOKEN}\r\n"),
        format!(" {TOKEN}"),
        " \t\r\n".to_owned(),
    ]
}

#[test]
fn an_environment_token_with_surrounding_whitespace_is_refused() {
    for value in surrounded() {
        assert_whitespace_refused(
            |command| {
                command.env("QISCUS_WEBHOOK_TOKEN", &value);
            },
            "QISCUS_WEBHOOK_TOKEN has",
        );
    }
}

#[test]
fn verify_refuses_a_previous_token_with_surrounding_whitespace() {
    for value in surrounded() {
        let output = qiscus_webhook()
            .args(["verify", "-s", &sign(TOKEN, BODY)])
            .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
            .env("QISCUS_WEBHOOK_PREVIOUS_TOKEN", &value)
            .write_stdin(BODY)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{value:?}: {output:?}");
        assert_one_error_line(&output);
        let stderr = crate::support::stderr(&output);
        assert!(
            stderr.contains("QISCUS_WEBHOOK_PREVIOUS_TOKEN has"),
            "{stderr}"
        );
        assert_no_leak(&output, &[TOKEN]);
    }
}

#[test]
fn an_environment_token_is_kept_exactly_on_request() {
    for value in surrounded() {
        let expected = format!("{}\n", sign(&value, BODY));
        let by_variable = signed_with(|command| {
            command
                .env("QISCUS_WEBHOOK_TOKEN", &value)
                .env("QISCUS_WEBHOOK_TOKEN_VERBATIM", "1");
        });
        assert_eq!(by_variable, expected, "{value:?}");
        let by_flag = signed_with(|command| {
            command
                .arg("--verbatim-token")
                .env("QISCUS_WEBHOOK_TOKEN", &value);
        });
        assert_eq!(by_flag, expected, "{value:?}");
    }
}

#[test]
fn a_bad_verbatim_variable_is_refused_when_the_environment_is_the_source() {
    let output = qiscus_webhook()
        .arg("sign")
        .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
        .env("QISCUS_WEBHOOK_TOKEN_VERBATIM", "yes")
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    assert!(crate::support::stderr(&output).contains("QISCUS_WEBHOOK_TOKEN_VERBATIM must be"));
    // It does not matter when the token comes from the command line.
    let signature = signed_with(|command| {
        command
            .args(["--token", TOKEN])
            .env("QISCUS_WEBHOOK_TOKEN_VERBATIM", "yes");
    });
    assert_eq!(signature, format!("{}\n", sign(TOKEN, BODY)));
}

#[test]
fn a_token_option_with_surrounding_whitespace_is_refused_unless_verbatim() {
    for value in surrounded() {
        assert_whitespace_refused(
            |command| {
                command.args(["--token", &value]);
            },
            "--token has",
        );
        let signature = signed_with(|command| {
            command.args(["--token", &value, "--verbatim-token"]);
        });
        assert_eq!(signature, format!("{}\n", sign(&value, BODY)), "{value:?}");
    }
}

#[test]
fn verify_takes_verbatim_tokens_too() {
    let value = format!("{TOKEN}\n");
    qiscus_webhook()
        .args(["verify", "--verbatim-token", "-s", &sign(&value, BODY)])
        .env("QISCUS_WEBHOOK_TOKEN", &value)
        .write_stdin(BODY)
        .assert()
        .success()
        .stdout("valid (token 0)\n");
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
    let indented_file = TempFile::new(format!("  {TOKEN}\n").as_bytes());
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
        (
            vec![
                "sign".into(),
                "--token-file".into(),
                indented_file.path().display().to_string(),
            ],
            true,
        ),
        (
            args(&["verify", "-s", &good, "--token", &format!("{TOKEN}\n")]),
            false,
        ),
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
