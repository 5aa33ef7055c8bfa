//! Property tests of the signature grammar, the header rule, `Content-Length` and the verifier.

use proptest::collection::vec;
use proptest::prelude::*;
use qiscus_webhook::header::{content_length_from_header, signature_from_header_values};
use qiscus_webhook::{
    ConstantTimeEq, Error, MAX_TOKENS, Signature, SignatureError, Token, Verifier,
};

/// A signature's bytes: `Signature` has no `==` (only a constant-time `ct_eq`), its bytes do.
fn bytes_of(signature: Signature) -> [u8; 32] {
    *signature.as_bytes()
}

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

/// RFC 9110's `Content-Length = 1*DIGIT`, with optional whitespace (`OWS = *( SP / HTAB )`)
/// around, within `u64`: a state machine accumulating in `u128`, apart from the crate's parser.
fn content_length_model(value: &[u8]) -> Option<u64> {
    #[derive(Clone, Copy)]
    enum State {
        Before,
        Digits,
        After,
    }
    let mut state = State::Before;
    let mut length: u128 = 0;
    for &byte in value {
        state = match (state, byte) {
            (State::Before, b' ' | b'\t') => State::Before,
            (State::Before | State::Digits, b'0'..=b'9') => {
                // At most u64::MAX before, so no u128 overflow; digits only ever grow it.
                length = length * 10 + u128::from(byte - b'0');
                if length > u128::from(u64::MAX) {
                    return None;
                }
                State::Digits
            }
            (State::Digits | State::After, b' ' | b'\t') => State::After,
            _ => return None,
        };
    }
    match state {
        State::Before => None,
        State::Digits | State::After => u64::try_from(length).ok(),
    }
}

/// Whitespace that is not OWS: `trim_ascii` and `str::trim` strip some of it, the RFC none.
const NOT_OWS: [&[u8]; 8] = [
    b"\r",
    b"\n",
    b"\x0b",
    b"\x0c",
    b"\r\n",
    "\u{a0}".as_bytes(),
    "\u{2003}".as_bytes(),
    "\u{3000}".as_bytes(),
];

/// Optional whitespace of `Content-Length`, longer than [`ows`] (any run is allowed).
fn length_ows() -> impl Strategy<Value = Vec<u8>> {
    vec(prop_oneof![Just(b' '), Just(b'\t')], 0..6)
}

/// A number near an edge: small, near `u64::MAX` (either side), or far above it.
fn edge_number() -> impl Strategy<Value = u128> {
    let max = u128::from(u64::MAX);
    prop_oneof![
        0u128..1_000,
        any::<u64>().prop_map(u128::from),
        (0u128..1_000).prop_map(move |below| max - below),
        (1u128..1_000).prop_map(move |above| max + above),
        (max + 1..=u128::MAX),
    ]
}

/// A piece of a `Content-Length` value: digits, signs, separators, whitespace of both kinds,
/// non-ASCII bytes (Unicode digits among them) and numbers near `u64::MAX`.
fn length_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[0-9]{1,6}".prop_map(String::into_bytes),
        2 => edge_number().prop_map(|n| n.to_string().into_bytes()),
        1 => "0{1,25}".prop_map(String::into_bytes),
        2 => prop_oneof![Just(b" ".to_vec()), Just(b"\t".to_vec())],
        2 => prop::sample::select(&NOT_OWS[..]).prop_map(<[u8]>::to_vec),
        1 => prop_oneof![Just(b"+".to_vec()), Just(b"-".to_vec()), Just(b",".to_vec())],
        1 => (0x80u8..=0xff).prop_map(|byte| vec![byte]),
        1 => prop_oneof![Just("\u{665}"), Just("\u{ff15}"), Just("\u{b2}")]
            .prop_map(|digit| digit.as_bytes().to_vec()),
        1 => any::<u8>().prop_map(|byte| vec![byte]),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn content_length_accepts_every_ows_digits_ows_within_u64(
        before in length_ows(),
        zeros in 0usize..25,
        number in edge_number(),
        after in length_ows(),
    ) {
        let value = [&before[..], &b"0".repeat(zeros), number.to_string().as_bytes(), &after].concat();
        let expected = u64::try_from(number).ok();
        prop_assert_eq!(content_length_model(&value), expected);
        prop_assert_eq!(content_length_from_header(&value), expected);
    }

    #[test]
    fn content_length_is_exactly_the_model(pieces in vec(length_piece(), 0..6)) {
        let value = pieces.concat();
        prop_assert_eq!(content_length_from_header(&value), content_length_model(&value));
    }

    #[test]
    fn content_length_on_any_bytes_is_the_model(value in vec(any::<u8>(), 0..24)) {
        prop_assert_eq!(content_length_from_header(&value), content_length_model(&value));
    }

    #[test]
    fn content_length_refuses_a_sign_a_separator_or_whitespace_that_is_not_ows(
        number in any::<u64>(),
        before in length_ows(),
        after in length_ows(),
        odd in prop_oneof![
            Just(&b"+"[..]),
            Just(&b"-"[..]),
            Just(&b","[..]),
            prop::sample::select(&NOT_OWS[..]),
        ],
        at in 0usize..3,
    ) {
        let digits = number.to_string().into_bytes();
        let value = match at {
            // Before the digits: `+5`, `\r5`; after them: `5,`, `5\n`.
            0 => [&before[..], odd, &digits, &after].concat(),
            1 => [&before[..], &digits, odd, &after].concat(),
            // Around the whole value, outside the OWS.
            _ => [odd, &before[..], &digits, &after, odd].concat(),
        };
        prop_assert_eq!(content_length_model(&value), None);
        prop_assert_eq!(content_length_from_header(&value), None);
    }

    #[test]
    fn content_length_refuses_inner_whitespace_and_commas(
        first in any::<u32>(),
        second in any::<u32>(),
        inner in prop_oneof![Just(&b" "[..]), Just(&b"\t"[..]), Just(&b","[..]), Just(&b", "[..])],
    ) {
        let value = [first.to_string().as_bytes(), inner, second.to_string().as_bytes()].concat();
        prop_assert_eq!(content_length_model(&value), None);
        prop_assert_eq!(content_length_from_header(&value), None);
    }

    #[test]
    fn sign_then_verify_round_trips(token in token(), body in body()) {
        let verifier = Verifier::new(Token::new(&token).unwrap());
        let signature = verifier.sign(&body);
        prop_assert_eq!(verifier.verify(&body, &signature).map(|v| v.token_index()), Ok(0));
        let reparsed: Signature = signature.to_string().parse().unwrap();
        prop_assert!(bool::from(reparsed.ct_eq(&signature)));
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
        let mut streaming = verifier.begin(signature);
        for chunk in chunks(&body, &points) {
            streaming.update(chunk).unwrap();
        }
        prop_assert_eq!(streaming.bytes_seen(), body.len());
        prop_assert_eq!(streaming.finish(), verifier.verify(&body, &signature));
    }

    #[test]
    fn parser_accepts_every_valid_form(
        bytes in any::<[u8; 32]>(),
        upper in vec(any::<bool>(), 64),
        before in ows(),
        after in ows(),
    ) {
        let value = format!("{before}{}{after}", mixed_case_hex(&bytes, &upper));
        prop_assert_eq!(Signature::parse(&value).map(bytes_of), Ok(bytes));
        prop_assert_eq!(signature_from_header_values([value.as_bytes()]).map(bytes_of), Ok(bytes));
        prop_assert_eq!(Signature::parse(&value).unwrap().to_string(), hex::encode(bytes));
    }

    #[test]
    fn parser_rejects_wrong_lengths(digits in "[0-9a-fA-F]{0,130}", before in ows(), after in ows()) {
        prop_assume!(digits.len() != 64);
        let value = format!("{before}{digits}{after}");
        let expected = if digits.is_empty() { SignatureError::Empty } else { SignatureError::WrongLength };
        prop_assert_eq!(Signature::parse(&value).map(bytes_of), Err(expected));
    }

    #[test]
    fn parser_rejects_prefixes_and_inner_whitespace(
        bytes in any::<[u8; 32]>(),
        prefix in prop_oneof![Just("sha256="), Just("SHA256="), Just("0x"), Just("v1,"), Just("=")],
        at in 1usize..63, // interior: a trailing or leading blank is allowed whitespace
        inner in prop_oneof![Just(' '), Just('\t')],
    ) {
        let hex = hex::encode(bytes);
        prop_assert_eq!(Signature::parse(format!("{prefix}{hex}")).map(bytes_of), Err(SignatureError::WrongLength));
        // An inner space or tab added: 65 characters.
        let mut spaced = hex.clone();
        spaced.insert(at, inner);
        prop_assert_eq!(Signature::parse(&spaced).map(bytes_of), Err(SignatureError::WrongLength));
        // An inner space or tab in place of a digit: 64 characters, one not hex.
        let mut replaced = hex.into_bytes();
        replaced[at] = inner as u8;
        prop_assert_eq!(Signature::parse(&replaced).map(bytes_of), Err(SignatureError::NotHex));
    }

    #[test]
    fn parser_rejects_any_non_hex_ascii_digit(bytes in any::<[u8; 32]>(), at in 0usize..64, c in 0x21u8..0x7f) {
        prop_assume!(!c.is_ascii_hexdigit());
        let mut value = hex::encode(bytes).into_bytes();
        value[at] = c;
        prop_assert_eq!(Signature::parse(&value).map(bytes_of), Err(SignatureError::NotHex));
    }

    #[test]
    fn parser_rejects_any_non_ascii_byte(bytes in any::<[u8; 32]>(), at in 0usize..=64, c in 0x80u8..=0xff) {
        let mut value = hex::encode(bytes).into_bytes();
        value.insert(at, c);
        prop_assert_eq!(Signature::parse(&value).map(bytes_of), Err(SignatureError::NotAscii));
    }

    #[test]
    fn parser_and_header_rule_never_panic(values in vec(vec(any::<u8>(), 0..90), 0..4)) {
        let parsed = signature_from_header_values(values.iter().map(Vec::as_slice));
        match values.as_slice() {
            [] => prop_assert_eq!(parsed.map(bytes_of), Err(Error::MissingSignature)),
            [one] => prop_assert_eq!(parsed.map(bytes_of), Signature::parse(one).map(bytes_of).map_err(Error::from)),
            _ => prop_assert_eq!(parsed.map(bytes_of), Err(Error::DuplicateSignature)),
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
        let mut streaming = verifier.begin(verifier.sign(&at_limit));
        for chunk in chunks(&at_limit, &points) {
            streaming.update(chunk).unwrap();
        }
        prop_assert!(streaming.finish().is_ok());

        let over = vec![fill; limit + 1];
        let signature = verifier.sign(&over);
        let mut streaming = verifier.begin(signature);
        let mut first_error = None;
        for chunk in chunks(&over, &points) {
            if let Err(error) = streaming.update(chunk) {
                first_error.get_or_insert(error);
            }
        }
        prop_assert_eq!(first_error, Some(Error::BodyTooLarge));
        prop_assert_eq!(streaming.finish(), Err(Error::BodyTooLarge));
        prop_assert_eq!(verifier.verify(&over, &signature), Err(Error::BodyTooLarge));
    }
}

#[test]
fn content_length_edges() {
    let cases: [(&[u8], Option<u64>); 16] = [
        (b"0", Some(0)),
        (b"05", Some(5)),
        (b" \t5\t ", Some(5)),
        (b"18446744073709551615", Some(u64::MAX)),
        (b"18446744073709551616", None),
        (b"+5", None),
        (b"-5", None),
        (b"5, 5", None),
        (b"", None),
        (b" \t", None),
        (b"\r5", None),
        (b"5\r\n", None),
        (b"\x0c5", None),
        (b"\x0b5", None),
        ("\u{a0}5".as_bytes(), None),
        ("\u{665}".as_bytes(), None),
    ];
    for (value, expected) in cases {
        assert_eq!(content_length_model(value), expected, "model on {value:?}");
        assert_eq!(content_length_from_header(value), expected, "{value:?}");
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
