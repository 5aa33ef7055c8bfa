//! `Verifier::from_env_with`: each variable's rules, and errors that name the variable only.

use std::ffi::OsString;

use qiscus_webhook::env::{TOKEN_VERBATIM_VAR, token_verbatim_from_env_with};
use std::time::Duration;

use qiscus_webhook::{DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, EnvError, Token, Verifier};

fn from(vars: &[(&str, &str)]) -> Result<Verifier, EnvError> {
    Verifier::from_env_with(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| OsString::from(value))
    })
}

#[test]
fn token_alone_gives_the_defaults() {
    let verifier = from(&[("QISCUS_WEBHOOK_TOKEN", "t")]).unwrap();
    assert_eq!(verifier.token_count(), 1);
    assert_eq!(verifier.body_limit(), DEFAULT_BODY_LIMIT);
}

#[test]
fn previous_token_is_accepted_second() {
    let verifier = from(&[
        ("QISCUS_WEBHOOK_TOKEN", "new"),
        ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", "old"),
    ])
    .unwrap();
    let old = from(&[("QISCUS_WEBHOOK_TOKEN", "old")]).unwrap();
    let verified = verifier.verify(b"body", &old.sign(b"body")).unwrap();
    assert_eq!(verified.token_index(), 1);
}

#[test]
fn unset_or_empty_token_is_missing() {
    assert_eq!(from(&[]).unwrap_err(), EnvError::MissingToken);
    assert_eq!(
        from(&[("QISCUS_WEBHOOK_TOKEN", "")]).unwrap_err(),
        EnvError::MissingToken
    );
    let message = EnvError::MissingToken.to_string();
    assert!(message.contains("QISCUS_WEBHOOK_TOKEN"), "{message}");
}

#[test]
fn empty_optional_variables_read_as_unset() {
    let verifier = from(&[
        ("QISCUS_WEBHOOK_TOKEN", "t"),
        ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", ""),
        ("QISCUS_WEBHOOK_BODY_LIMIT", ""),
    ])
    .unwrap();
    assert_eq!(verifier.token_count(), 1);
    assert_eq!(verifier.body_limit(), DEFAULT_BODY_LIMIT);
}

#[test]
fn body_limit_is_a_whole_number_of_bytes() {
    let limit = |value| {
        from(&[
            ("QISCUS_WEBHOOK_TOKEN", "t"),
            ("QISCUS_WEBHOOK_BODY_LIMIT", value),
        ])
    };
    assert_eq!(limit("4096").unwrap().body_limit(), 4096);
    assert_eq!(limit(" 0 ").unwrap().body_limit(), 0);
    for bad in ["1MiB", "-1", "1.5", "0x10", "99999999999999999999999"] {
        let error = limit(bad).unwrap_err();
        assert_eq!(error, EnvError::InvalidBodyLimit, "{bad}");
        assert!(!error.to_string().contains(bad));
        assert_eq!(error.variable(), "QISCUS_WEBHOOK_BODY_LIMIT");
    }
}

#[test]
fn body_timeout_is_a_whole_number_of_seconds_at_least_one() {
    let timeout = |value| {
        from(&[
            ("QISCUS_WEBHOOK_TOKEN", "t"),
            ("QISCUS_WEBHOOK_BODY_TIMEOUT", value),
        ])
    };
    assert_eq!(
        from(&[("QISCUS_WEBHOOK_TOKEN", "t")])
            .unwrap()
            .body_timeout(),
        DEFAULT_BODY_TIMEOUT
    );
    assert_eq!(timeout("").unwrap().body_timeout(), DEFAULT_BODY_TIMEOUT);
    assert_eq!(
        timeout(" 2 ").unwrap().body_timeout(),
        Duration::from_secs(2)
    );
    assert_eq!(
        timeout("600").unwrap().body_timeout(),
        Duration::from_secs(600)
    );
    for bad in ["0", "1.5", "30s", "-1", "99999999999999999999999"] {
        let error = timeout(bad).unwrap_err();
        assert_eq!(error, EnvError::InvalidBodyTimeout, "{bad}");
        assert_eq!(error.variable(), "QISCUS_WEBHOOK_BODY_TIMEOUT");
        let line = error.to_string();
        assert!(
            line.starts_with("QISCUS_WEBHOOK_BODY_TIMEOUT ") && !line.contains('\n'),
            "{line}"
        );
    }
}

#[cfg(unix)]
#[test]
fn non_unicode_values_name_the_variable_only() {
    use std::os::unix::ffi::OsStringExt;
    let error = Verifier::from_env_with(|name| match name {
        "QISCUS_WEBHOOK_TOKEN" => Some(OsString::from_vec(vec![b's', 0xff])),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(error, EnvError::NotUnicode("QISCUS_WEBHOOK_TOKEN"));
    assert_eq!(error.to_string(), "QISCUS_WEBHOOK_TOKEN is not valid UTF-8");
}

/// The four ways a token read from a file or a secret store is usually wrong.
const SURROUNDED: [&str; 4] = [
    "secret-token\n",
    "secret-token\r\n",
    " secret-token",
    " \t\r\n",
];

#[test]
fn a_token_with_surrounding_whitespace_is_refused_naming_the_variable() {
    for value in SURROUNDED {
        let error = from(&[("QISCUS_WEBHOOK_TOKEN", value)]).unwrap_err();
        assert_eq!(error, EnvError::TokenWhitespace("QISCUS_WEBHOOK_TOKEN"));
        assert_eq!(error.variable(), "QISCUS_WEBHOOK_TOKEN");

        let error = from(&[
            ("QISCUS_WEBHOOK_TOKEN", "t"),
            ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", value),
        ])
        .unwrap_err();
        assert_eq!(
            error,
            EnvError::TokenWhitespace("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
        );
        assert_eq!(error.variable(), "QISCUS_WEBHOOK_PREVIOUS_TOKEN");
    }
}

#[test]
fn the_whitespace_message_names_the_variable_the_cause_and_the_opt_in_never_the_value() {
    let message = EnvError::TokenWhitespace("QISCUS_WEBHOOK_TOKEN").to_string();
    assert_eq!(
        message,
        "QISCUS_WEBHOOK_TOKEN has leading or trailing whitespace (often a newline from the file \
         or secret store it was read from); remove it, or set QISCUS_WEBHOOK_TOKEN_VERBATIM=1 to \
         use the value exactly"
    );
    for value in SURROUNDED {
        let error = from(&[("QISCUS_WEBHOOK_TOKEN", value)]).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown}");
    }
}

#[test]
fn verbatim_keeps_the_value_exactly() {
    for opt_in in ["1", "true", "TRUE", " 1 "] {
        for value in SURROUNDED {
            let verifier = from(&[
                ("QISCUS_WEBHOOK_TOKEN", value),
                ("QISCUS_WEBHOOK_PREVIOUS_TOKEN", value),
                ("QISCUS_WEBHOOK_TOKEN_VERBATIM", opt_in),
            ])
            .unwrap();
            assert_eq!(verifier.token_count(), 2);
            // It signs with the exact bytes, whitespace included.
            let exact = Verifier::new(Token::new(value).unwrap());
            assert_eq!(
                verifier.sign(b"body").to_string(),
                exact.sign(b"body").to_string(),
                "{value:?}"
            );
        }
    }
}

#[test]
fn verbatim_off_applies_the_rule() {
    for opt_out in ["", "0", "false", "False"] {
        let error = from(&[
            ("QISCUS_WEBHOOK_TOKEN", "t\n"),
            ("QISCUS_WEBHOOK_TOKEN_VERBATIM", opt_out),
        ])
        .unwrap_err();
        assert_eq!(
            error,
            EnvError::TokenWhitespace("QISCUS_WEBHOOK_TOKEN"),
            "{opt_out:?}"
        );
    }
}

#[test]
fn verbatim_does_not_make_an_empty_token_set() {
    let error = from(&[
        ("QISCUS_WEBHOOK_TOKEN", ""),
        ("QISCUS_WEBHOOK_TOKEN_VERBATIM", "1"),
    ])
    .unwrap_err();
    assert_eq!(error, EnvError::MissingToken);
}

#[test]
fn other_verbatim_values_are_refused() {
    for bad in ["yes", "on", "2", "t"] {
        let error = from(&[
            ("QISCUS_WEBHOOK_TOKEN", "t"),
            ("QISCUS_WEBHOOK_TOKEN_VERBATIM", bad),
        ])
        .unwrap_err();
        assert_eq!(error, EnvError::InvalidVerbatim, "{bad}");
        assert_eq!(error.variable(), TOKEN_VERBATIM_VAR);
        assert!(error.to_string().starts_with(TOKEN_VERBATIM_VAR));
        assert_eq!(
            token_verbatim_from_env_with(|_| Some(bad.into())),
            Err(error)
        );
    }
}

#[test]
fn inner_whitespace_is_a_token_like_any_other() {
    let verifier = from(&[("QISCUS_WEBHOOK_TOKEN", "two words")]).unwrap();
    let exact = Verifier::new(Token::new("two words").unwrap());
    assert_eq!(
        verifier.sign(b"body").to_string(),
        exact.sign(b"body").to_string()
    );
}
