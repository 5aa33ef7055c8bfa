//! The plain reference the core is checked against: docs/DESIGN.md's rules (and RFC 9110's
//! `Content-Length`) written the obvious way, sharing no code with `qiscus-webhook`.

use hmac::{Hmac, KeyInit, Mac};
use qiscus_webhook::SignatureError;
use sha2::Sha256;

/// The signature grammar, by the book: optional spaces and tabs around exactly 64 hex
/// digits. The error is the first rule broken, in the order the core documents: non-ASCII
/// byte, empty, wrong length, not hex.
///
/// # Errors
///
/// The rule the value breaks.
pub fn parse_signature(value: &[u8]) -> Result<[u8; 32], SignatureError> {
    if value.iter().any(|byte| !byte.is_ascii()) {
        return Err(SignatureError::NotAscii);
    }
    let mut digits = value;
    while let [b' ' | b'\t', rest @ ..] = digits {
        digits = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = digits {
        digits = rest;
    }
    if digits.is_empty() {
        return Err(SignatureError::Empty);
    }
    if digits.len() != 64 {
        return Err(SignatureError::WrongLength);
    }
    let nibble = |digit: u8| match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    };
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let (Some(high), Some(low)) = (nibble(pair[0]), nibble(pair[1])) else {
            return Err(SignatureError::NotHex);
        };
        *byte = high << 4 | low;
    }
    Ok(bytes)
}

/// A `Content-Length` field value by RFC 9110's grammar: `OWS 1*DIGIT OWS` (OWS is spaces and
/// tabs, nothing else; a digit is `0` to `9`, no sign), as a `u64`; anything else, a number
/// above `u64::MAX` included, is `None`.
///
/// Written by hand, digit by digit, so that no leniency of a library parser (a `+` that
/// `u64::from_str` takes, the line feeds and form feeds that `trim_ascii` strips, the Unicode
/// spaces of `str::trim`) can creep into the oracle.
#[must_use]
pub fn content_length(value: &[u8]) -> Option<u64> {
    let mut digits = value;
    while let [b' ' | b'\t', rest @ ..] = digits {
        digits = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = digits {
        digits = rest;
    }
    if digits.is_empty() {
        return None;
    }
    let mut length: u64 = 0;
    for byte in digits {
        let digit = match byte {
            b'0'..=b'9' => u64::from(byte - b'0'),
            _ => return None,
        };
        length = length.checked_mul(10)?.checked_add(digit)?;
    }
    Some(length)
}

fn mac(token: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(token)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

/// HMAC-SHA256 of `body` under `token`.
#[must_use]
pub fn sign(token: &[u8], body: &[u8]) -> [u8; 32] {
    mac(token, body).finalize().into_bytes().into()
}

/// The index of the first token under which `tag` is the body's HMAC-SHA256, checked with
/// the `hmac` crate's own `verify_slice`, token by token.
#[must_use]
pub fn matching_token<T: AsRef<[u8]>>(tokens: &[T], body: &[u8], tag: &[u8]) -> Option<usize> {
    tokens
        .iter()
        .position(|token| mac(token.as_ref(), body).verify_slice(tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        let tag = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let header = format!(" \t{}\t", hex::encode_upper(tag));
        assert_eq!(parse_signature(header.as_bytes()), Ok(tag));
        let tokens: [&[u8]; 3] = [b"other", b"Jefe", b"Jefe"];
        assert_eq!(
            matching_token(&tokens, b"what do ya want for nothing?", &tag),
            Some(1)
        );
    }

    #[test]
    fn content_length_is_ows_digits_ows() {
        let cases: [(&[u8], Option<u64>); 22] = [
            (b"5", Some(5)),
            (b"05", Some(5)),
            (b"000", Some(0)),
            (b" 5 ", Some(5)),
            (b"\t5\t", Some(5)),
            (b" \t 5\t ", Some(5)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"0018446744073709551615", Some(u64::MAX)),
            (b"18446744073709551616", None),
            (b"99999999999999999999999", None),
            (b"+5", None),
            (b"-5", None),
            (b"+111119111111", None),
            (b"5, 5", None),
            (b"5 5", None),
            (b"", None),
            (b" \t ", None),
            (b"\r5", None),
            (b"5\n", None),
            (b"\x0b5\x0c", None),
            ("\u{a0}5".as_bytes(), None),
            ("\u{665}".as_bytes(), None),
        ];
        for (value, expected) in cases {
            assert_eq!(content_length(value), expected, "{value:?}");
        }
    }

    #[test]
    fn grammar_errors_in_order() {
        assert_eq!(
            parse_signature("é".as_bytes()),
            Err(SignatureError::NotAscii)
        );
        assert_eq!(parse_signature(b" \t "), Err(SignatureError::Empty));
        assert_eq!(parse_signature(b"abc"), Err(SignatureError::WrongLength));
        assert_eq!(parse_signature(&[b'g'; 64]), Err(SignatureError::NotHex));
    }
}
