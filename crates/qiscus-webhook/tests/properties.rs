//! Property tests of the signature grammar, the header rule and the verifier.

use proptest::collection::vec;
use proptest::prelude::*;
use qiscus_webhook::{
    Error, MAX_TOKENS, Signature, SignatureError, Token, Verifier, signature_from_header_values,
};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(1_000)
}

fn token() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 1..80)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..600)
}

/// Splits `body` at the given points (taken modulo its length), in order.
fn chunks<'a>(body: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (body.len() + 1)).collect();
    cuts.push(0);
    cuts.push(body.len());
    cuts.sort_unstable();
    cuts.windows(2).map(|w| &body[w[0]..w[1]]).collect()
}

/// Optional whitespace as the grammar allows it around the digits.
fn ows() -> impl Strategy<Value = String> {
    vec(prop_oneof![Just(' '), Just('\t')], 0..4).prop_map(|c| c.into_iter().collect())
}

/// 64 hex digits of `bytes`, each letter in a random case.
fn mixed_case_hex(bytes: &[u8; 32], upper: &[bool]) -> String {
    hex::encode(bytes)
        .chars()
        .zip(upper.iter().cycle())
        .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sign_then_verify_round_trips(token in token(), body in body()) {
        let verifier = Verifier::new(Token::new(&token).unwrap());
        let signature = verifier.sign(&body);
        prop_assert_eq!(verifier.verify(&body, &signature).map(|v| v.token_index()), Ok(0));
        let reparsed: Signature = signature.to_string().parse().unwrap();
        prop_assert_eq!(reparsed, signature);
    }

    #[test]
    fn any_single_bit_flip_of_body_fails(token in token(), body in vec(any::<u8>(), 1..600), bit in any::<usize>()) {
        let verifier = Verifier::new(Token::new(&token).unwrap());
        let signature = verifier.sign(&body);
        let mut tampered = body.clone();
        let bit = bit % (body.len() * 8);
        tampered[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(verifier.verify(&tampered, &signature), Err(Error::SignatureMismatch));
    }

    #[test]
    fn any_single_bit_flip_of_signature_fails(token in token(), body in body(), bit in 0usize..256) {
        let verifier = Verifier::new(Token::new(&token).unwrap());
        let mut bytes = *verifier.sign(&body).as_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let flipped = Signature::from_bytes(bytes);
        prop_assert_eq!(verifier.verify(&body, &flipped), Err(Error::SignatureMismatch));
    }

    #[test]
    fn streaming_with_any_chunking_equals_one_shot(
        token in token(),
        body in body(),
        points in vec(any::<usize>(), 0..12),
        forged in any::<bool>(),
    ) {
        let verifier = Verifier::new(Token::new(&token).unwrap());
        let signature = if forged { Signature::from_bytes([7; 32]) } else { verifier.sign(&body) };
        let mut streaming = verifier.begin();
        for chunk in chunks(&body, &points) {
            streaming.update(chunk).unwrap();
        }
        prop_assert_eq!(streaming.bytes_seen(), body.len());
        prop_assert_eq!(streaming.finish(&signature), verifier.verify(&body, &signature));
    }

    #[test]
    fn parser_accepts_every_valid_form(
        bytes in any::<[u8; 32]>(),
        upper in vec(any::<bool>(), 64),
        before in ows(),
        after in ows(),
    ) {
        let value = format!("{before}{}{after}", mixed_case_hex(&bytes, &upper));
        prop_assert_eq!(Signature::parse(&value), Ok(Signature::from_bytes(bytes)));
        prop_assert_eq!(signature_from_header_values([value.as_bytes()]), Ok(Signature::from_bytes(bytes)));
        prop_assert_eq!(Signature::parse(&value).unwrap().to_string(), hex::encode(bytes));
    }

    #[test]
    fn parser_rejects_wrong_lengths(digits in "[0-9a-fA-F]{0,130}", before in ows(), after in ows()) {
        prop_assume!(digits.len() != 64);
        let value = format!("{before}{digits}{after}");
        let expected = if digits.is_empty() { SignatureError::Empty } else { SignatureError::WrongLength };
        prop_assert_eq!(Signature::parse(&value), Err(expected));
    }

    #[test]
    fn parser_rejects_prefixes_and_inner_whitespace(
        bytes in any::<[u8; 32]>(),
        prefix in prop_oneof![Just("sha256="), Just("SHA256="), Just("0x"), Just("v1,"), Just("=")],
        at in 1usize..63, // interior: a trailing or leading blank is allowed whitespace
        inner in prop_oneof![Just(' '), Just('\t')],
    ) {
        let hex = hex::encode(bytes);
        prop_assert_eq!(Signature::parse(format!("{prefix}{hex}")), Err(SignatureError::WrongLength));
        // An inner space or tab added: 65 characters.
        let mut spaced = hex.clone();
        spaced.insert(at, inner);
        prop_assert_eq!(Signature::parse(&spaced), Err(SignatureError::WrongLength));
        // An inner space or tab in place of a digit: 64 characters, one not hex.
        let mut replaced = hex.into_bytes();
        replaced[at] = inner as u8;
        prop_assert_eq!(Signature::parse(&replaced), Err(SignatureError::NotHex));
    }

    #[test]
    fn parser_rejects_any_non_hex_ascii_digit(bytes in any::<[u8; 32]>(), at in 0usize..64, c in 0x21u8..0x7f) {
        prop_assume!(!c.is_ascii_hexdigit());
        let mut value = hex::encode(bytes).into_bytes();
        value[at] = c;
        prop_assert_eq!(Signature::parse(&value), Err(SignatureError::NotHex));
    }

    #[test]
    fn parser_rejects_any_non_ascii_byte(bytes in any::<[u8; 32]>(), at in 0usize..=64, c in 0x80u8..=0xff) {
        let mut value = hex::encode(bytes).into_bytes();
        value.insert(at, c);
        prop_assert_eq!(Signature::parse(&value), Err(SignatureError::NotAscii));
    }

    #[test]
    fn parser_and_header_rule_never_panic(values in vec(vec(any::<u8>(), 0..90), 0..4)) {
        let parsed = signature_from_header_values(values.iter().map(Vec::as_slice));
        match values.as_slice() {
            [] => prop_assert_eq!(parsed, Err(Error::MissingSignature)),
            [one] => prop_assert_eq!(parsed, Signature::parse(one).map_err(Error::from)),
            _ => prop_assert_eq!(parsed, Err(Error::DuplicateSignature)),
        }
    }

    #[test]
    fn rotation_reports_the_matching_token_and_rejects_others(
        count in 1usize..=MAX_TOKENS,
        signer in 0usize..MAX_TOKENS,
        seed in token(),
        body in body(),
    ) {
        // Distinct tokens by construction: each starts with its own index.
        let token_bytes = |i: usize| [&[i as u8][..], &seed].concat();
        let mut verifier = Verifier::new(Token::new(token_bytes(0)).unwrap());
        for i in 1..count {
            verifier = verifier.also_accept(Token::new(token_bytes(i)).unwrap()).unwrap();
        }
        let signed_by = |i: usize| Verifier::new(Token::new(token_bytes(i)).unwrap()).sign(&body);
        let outcome = verifier.verify(&body, &signed_by(signer)).map(|v| v.token_index());
        if signer < count {
            prop_assert_eq!(outcome, Ok(signer));
        } else {
            prop_assert_eq!(outcome, Err(Error::SignatureMismatch));
        }
        prop_assert_eq!(
            verifier.verify(&body, &signed_by(MAX_TOKENS)),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn limit_is_inclusive_under_any_chunking(
        token in token(),
        limit in 0usize..2_000,
        points in vec(any::<usize>(), 0..8),
        fill in any::<u8>(),
    ) {
        let verifier = Verifier::new(Token::new(&token).unwrap()).with_body_limit(limit);
        let at_limit = vec![fill; limit];
        let mut streaming = verifier.begin();
        for chunk in chunks(&at_limit, &points) {
            streaming.update(chunk).unwrap();
        }
        prop_assert!(streaming.finish(&verifier.sign(&at_limit)).is_ok());

        let over = vec![fill; limit + 1];
        let signature = verifier.sign(&over);
        let mut streaming = verifier.begin();
        let mut first_error = None;
        for chunk in chunks(&over, &points) {
            if let Err(error) = streaming.update(chunk) {
                first_error.get_or_insert(error);
            }
        }
        prop_assert_eq!(first_error, Some(Error::BodyTooLarge));
        prop_assert_eq!(streaming.finish(&signature), Err(Error::BodyTooLarge));
        prop_assert_eq!(verifier.verify(&over, &signature), Err(Error::BodyTooLarge));
    }
}

#[test]
fn limit_of_the_full_default_size_is_inclusive() {
    let verifier = Verifier::new(Token::new("token").unwrap());
    let at_limit = vec![b'x'; qiscus_webhook::DEFAULT_BODY_LIMIT];
    assert!(
        verifier
            .verify(&at_limit, &verifier.sign(&at_limit))
            .is_ok()
    );
    let over = vec![b'x'; qiscus_webhook::DEFAULT_BODY_LIMIT + 1];
    assert_eq!(
        verifier.verify(&over, &verifier.sign(&over)),
        Err(Error::BodyTooLarge)
    );
}
