//! `Verifier::from_env_with`: each variable's rules, and errors that name the variable only.

use std::ffi::OsString;

use qiscus_webhook::{DEFAULT_BODY_LIMIT, EnvError, Verifier};

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
