//! Targets `signature_parse` and `header_rule`.

use std::string::ToString;
use std::vec::Vec;

use qiscus_webhook::header::{content_length_from_header, signature_from_header_values};
use qiscus_webhook::{Error, Signature, Token, Verifier};

use crate::reference;

/// Target `signature_parse`. Input: the raw bytes of one `QISCUS-SDK-SIGNATURE` value.
///
/// [`Signature::parse`] never panics and agrees with the [reference](reference::parse_signature)
/// grammar, error kind included; whatever parses prints back (`Display`) as exactly 64
/// lowercase hex digits, which parse to the same bytes, and `FromStr` agrees with `parse`.
///
/// # Panics
///
/// When a property fails.
pub fn signature_parse(data: &[u8]) {
    // `Signature` has no `==` (only a constant-time `ct_eq`): compare its bytes.
    let parsed = Signature::parse(data);
    let parsed_bytes = parsed.map(|signature| *signature.as_bytes());
    assert_eq!(
        parsed_bytes,
        reference::parse_signature(data),
        "Signature::parse disagrees with the grammar on {data:?}",
    );
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(
            text.parse::<Signature>()
                .map(|signature| *signature.as_bytes()),
            parsed_bytes,
            "FromStr disagrees with parse"
        );
    }
    match parsed {
        Ok(signature) => {
            let printed = signature.to_string();
            assert_eq!(printed.len(), 64, "Display is not 64 digits: {printed:?}");
            assert!(
                printed
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "Display is not lowercase hex: {printed:?}",
            );
            assert_eq!(
                Signature::parse(&printed).map(|again| *again.as_bytes()),
                Ok(*signature.as_bytes()),
                "Display does not round-trip"
            );
            assert_eq!(format!("{signature:?}"), format!("Signature({printed})"));
        }
        Err(error) => {
            // The error names a rule; it never echoes the value (which came from the network).
            let message = error.to_string();
            assert!(
                message.starts_with("the signature "),
                "unexpected message {message:?}"
            );
        }
    }
}

/// Splits a `header_rule` input into header values: each value ends with `\n` (a final
/// value may also end with the input). So `""` is no value, `"\n"` one empty value, and
/// `"a\nb"` two. (A header value cannot hold a line feed anyway.)
#[must_use]
pub fn header_values(data: &[u8]) -> Vec<&[u8]> {
    let mut values: Vec<&[u8]> = data.split(|byte| *byte == b'\n').collect();
    if values.last().is_some_and(|last| last.is_empty()) {
        values.pop();
    }
    values
}

/// The `header_rule` input carrying these header values ([`header_values`] reads it back).
///
/// # Panics
///
/// When a value holds a `\n`.
#[must_use]
pub fn encode_header_values(values: &[&[u8]]) -> Vec<u8> {
    let mut data = Vec::new();
    for value in values {
        assert!(!value.contains(&b'\n'), "a header value holds no line feed");
        data.extend_from_slice(value);
        data.push(b'\n');
    }
    data
}

/// Target `header_rule`. Input: the values of every `QISCUS-SDK-SIGNATURE` field of a request,
/// framed by [`header_values`].
///
/// [`signature_from_header_values`] accepts exactly when there is one value and it parses
/// under the grammar (to the same bytes); otherwise it says missing (no value), duplicate (two
/// or more, even equal ones) or malformed (with the grammar's error). `begin_request` applies
/// the same rule before anything else.
///
/// Each value is also read as a `Content-Length` value: [`content_length_from_header`] agrees
/// with RFC 9110's `OWS 1*DIGIT OWS` ([`reference::content_length`]), and `begin_request`
/// refuses early exactly the lengths over the limit that it reads.
///
/// # Panics
///
/// When a property fails.
pub fn header_rule(data: &[u8]) {
    let values = header_values(data);
    let expected = match values.as_slice() {
        [] => Err(Error::MissingSignature),
        [value] => reference::parse_signature(value).map_err(Error::MalformedSignature),
        _ => Err(Error::DuplicateSignature),
    };
    let actual = signature_from_header_values(values.iter().copied());
    assert_eq!(
        actual.map(|signature| *signature.as_bytes()),
        expected,
        "the header rule is wrong on {values:?}",
    );

    let verifier = Verifier::new(Token::new("header-rule").expect("the token is not empty"));
    // A limit of 0 and a declared length of 1: only the header rule can pass this request on
    // to the length check, so an `Ok` here would be a bug and a 413 means the rule passed.
    let limited = verifier.with_body_limit(0);
    let request = limited.begin_request(values.iter().copied(), Some(b"1"), None);
    let expected_request = expected.and(Err(Error::BodyTooLarge));
    assert_eq!(
        request.map(drop),
        expected_request,
        "begin_request applies another header rule on {values:?}",
    );

    let signature = limited.sign(b"").to_string();
    for value in &values {
        let length = reference::content_length(value);
        assert_eq!(
            content_length_from_header(value),
            length,
            "content_length_from_header disagrees with RFC 9110 on {value:?}",
        );
        let request = limited.begin_request([signature.as_bytes()], Some(value), None);
        assert_eq!(
            request.err(),
            length
                .is_some_and(|length| length > 0)
                .then_some(Error::BodyTooLarge),
            "begin_request's early reject on Content-Length {value:?}",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let none: [&[u8]; 0] = [];
        assert_eq!(header_values(b""), none);
        assert_eq!(header_values(b"\n"), [b""]);
        assert_eq!(header_values(b"a"), [b"a"]);
        assert_eq!(header_values(b"a\n"), [b"a"]);
        assert_eq!(header_values(b"a\nb"), [&b"a"[..], b"b"]);
        assert_eq!(header_values(b"a\n\n"), [&b"a"[..], b""]);
        let values: [&[u8]; 3] = [b"x", b"", b" y "];
        assert_eq!(header_values(&encode_header_values(&values)), values);
    }
}
