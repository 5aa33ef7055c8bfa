//! No `Debug` or `Display` of a token, verifier, verification or error ever shows the token or
//! the expected signature.

use qiscus_webhook::{Error, Signature, Token, Verifier};

const TOKEN: &str = "super-secret-token-1234";
const PREVIOUS: &str = "older-secret-token-5678";
const BODY: &[u8] = br#"{"type":"post_comment_mobile"}"#;

fn verifier() -> Verifier {
    Verifier::new(Token::new(TOKEN).unwrap())
        .also_accept(Token::new(PREVIOUS).unwrap())
        .unwrap()
}

fn assert_clean(what: &str, text: &str) {
    let expected = [
        Verifier::new(Token::new(TOKEN).unwrap())
            .sign(BODY)
            .to_string(),
        Verifier::new(Token::new(PREVIOUS).unwrap())
            .sign(BODY)
            .to_string(),
    ];
    for secret in [TOKEN, PREVIOUS, &expected[0], &expected[1]] {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
        assert!(
            !text
                .to_ascii_uppercase()
                .contains(&secret.to_ascii_uppercase())
        );
    }
    // Nor any hex run long enough to be a partial tag.
    let longest_hex_run = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_hex_run < 16, "{what} prints a hex run: {text}");
}

#[test]
fn tokens_are_redacted() {
    let token = Token::new(TOKEN).unwrap();
    assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    assert_clean("Token Debug", &format!("{token:#?}"));
}

#[test]
fn refused_configuration_tokens_are_not_shown() {
    let file = format!("{TOKEN}\n\n");
    let refused = [
        Token::from_config(format!("{TOKEN}\n")),
        Token::from_config(format!(" {TOKEN}")),
        Token::from_config(Token::file_content(file.as_bytes())),
    ];
    for refused in refused {
        let error = refused.unwrap_err();
        assert_clean("TokenError", &format!("{error} {error:?}"));
    }
}

#[test]
fn verifiers_and_verifications_are_redacted() {
    let verifier = verifier();
    assert_clean("Verifier Debug", &format!("{verifier:?} {verifier:#?}"));

    // Even when it holds the expected signature, a verification shows only its counters.
    let mut verification = verifier.begin(verifier.sign(BODY)).keep_body(Vec::new());
    verification.update(BODY).unwrap();
    assert_clean(
        "Verification Debug",
        &format!("{verification:?} {verification:#?}"),
    );

    let forged = Signature::from_bytes([0xab; 32]).to_string();
    let mut request = verifier
        .begin_request([forged.as_bytes()], None, None)
        .unwrap();
    request.update(BODY).unwrap();
    let debug = format!("{request:?}");
    assert_clean("request Verification Debug", &debug);
    assert!(
        !debug.contains(&forged),
        "the received signature is not shown either"
    );
}

#[test]
fn errors_are_redacted_whatever_the_outcome() {
    let verifier = verifier();
    let forged = Signature::from_bytes([0x11; 32]);
    let mismatch = verifier.verify(BODY, &forged).unwrap_err();
    let too_large = verifier
        .clone()
        .with_body_limit(3)
        .verify(BODY, &forged)
        .unwrap_err();
    let malformed =
        qiscus_webhook::header::signature_from_header_values([&b"sha256=abc"[..]]).unwrap_err();
    let all = [
        Error::MissingSignature,
        Error::DuplicateSignature,
        malformed,
        mismatch,
        too_large,
        Error::BodyUnreadable,
        Error::InvalidPayload,
        Error::NotConfigured,
    ];
    for error in all {
        assert_clean(
            "Error",
            &format!("{error} {error:?} {}", error.response_body()),
        );
    }
}
