//! Checking that a refusal reveals nothing: no token, no expected signature, and not the
//! signature the client sent, in any `Display`, `Debug`, error chain or response an adapter shows.

use std::error::Error as StdError;

use crate::conformance::{Case, OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use crate::sign;

/// Everything an error shows: its `Display` and `Debug`, then each source's, down the chain.
///
/// ```
/// let error = qiscus_webhook::Error::SignatureMismatch;
/// let text = qiscus_webhook_testkit::leak::error_text(&error);
/// assert!(text.contains("does not match") && text.contains("SignatureMismatch"));
/// ```
#[must_use]
pub fn error_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(error) = source {
        text.push_str(&format!(" {error} {error:?}"));
        source = error.source();
    }
    text
}

/// The secrets a refusal of `case` must never show, lowercase: the conformance tokens, the
/// body's expected signature under each configured token, and every header value the case
/// sent that is long enough to be a signature.
#[must_use]
pub fn secrets(case: &Case) -> Vec<String> {
    [TOKEN, PREVIOUS_TOKEN, OTHER_TOKEN]
        .into_iter()
        .map(str::to_ascii_lowercase)
        .chain([TOKEN, PREVIOUS_TOKEN].map(|token| sign(token, &case.body)))
        .chain(
            case.headers
                .iter()
                .filter(|(_, value)| value.len() >= 32)
                .map(|(_, value)| String::from_utf8_lossy(value).trim().to_ascii_lowercase()),
        )
        .collect()
}

/// Panics, naming the case, if `shown` (everything an adapter showed while refusing `case`)
/// contains any of its [`secrets`], in any letter case.
///
/// ```
/// use qiscus_webhook_testkit::{conformance, leak};
///
/// let case = conformance::case("webhook/wrong_token");
/// leak::assert_reveals_nothing(&case, r#"401 {"error":"signature_mismatch"}"#);
/// ```
pub fn assert_reveals_nothing(case: &Case, shown: &str) {
    let shown_lower = shown.to_ascii_lowercase();
    for secret in secrets(case) {
        assert!(
            !shown_lower.contains(&secret),
            "{}: a refusal shows a secret: {shown}",
            case.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;

    #[test]
    fn a_leaked_token_or_signature_is_caught() {
        let case = conformance::case("webhook/valid_lowercase_hex");
        let sent = sign(TOKEN, &case.body);
        for leak in [
            TOKEN.to_ascii_uppercase(),
            sent.to_ascii_uppercase(),
            PREVIOUS_TOKEN.into(),
        ] {
            let caught = std::panic::catch_unwind(|| assert_reveals_nothing(&case, &leak));
            assert!(caught.is_err(), "{leak} was not caught");
        }
        assert_reveals_nothing(&case, r#"{"error":"signature_mismatch"}"#);
    }

    #[test]
    fn error_text_follows_the_chain() {
        let malformed =
            qiscus_webhook::Error::MalformedSignature(qiscus_webhook::SignatureError::WrongLength);
        let text = error_text(&malformed);
        assert!(
            text.contains("malformed") && text.contains("WrongLength"),
            "{text}"
        );
    }
}
