//! Target `differential_verify`: one-shot, streaming and request verification against the
//! reference, on accept/reject, on the matching token and on the limit.

use std::string::String;
use std::vec::Vec;

use qiscus_webhook::{Error, MAX_TOKENS, Signature, Token, Verifier};

use crate::input::{Reader, Writer, chunks};
use crate::reference;

/// Where the signature header's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureSource {
    /// These bytes, as sent.
    Given(Vec<u8>),
    /// The true signature of the body under token `token` (an index into the tokens),
    /// in hex.
    Signed {
        /// Which token signs.
        token: usize,
        /// Whether a bit of the tag is flipped before encoding (a near miss).
        flipped: bool,
    },
}

/// The `Content-Length` a request declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentLength {
    /// None (a chunked body).
    Absent,
    /// The body's true length.
    True,
    /// This value, whatever the body's length (a client can lie).
    Declared(u16),
}

/// One `differential_verify` case.
///
/// Layout of the input ([`VerifyInput::decode`]; missing bytes read as zeros):
///
/// | bytes | meaning |
/// |---|---|
/// | 1 | bits 0-1: token count - 1; bits 2-3: signature source (0, 1: given bytes; 2: signed; 3: signed, one bit flipped); bits 4-5: signing token (modulo the count); bit 6: uppercase hex; bit 7: spaces and tabs around |
/// | 1 | bits 0-1: `Content-Length` (0: absent, 1: true, 2, 3: declared) |
/// | 2 | the body limit, u16 LE (`0xffff`: `usize::MAX`) |
/// | 2 | the declared `Content-Length`, u16 LE |
/// | per token: 1 + n | length - 1, then the token's bytes (a token is never empty) |
/// | 1 + n | the given signature header value |
/// | 1 + 2k | how many split points (modulo 8), then each as u16 LE |
/// | rest | the body |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyInput {
    /// The configured tokens, in order: 1 to [`MAX_TOKENS`], each non-empty.
    pub tokens: Vec<Vec<u8>>,
    /// The signature header's value.
    pub signature: SignatureSource,
    /// Whether the signed hex is uppercase.
    pub uppercase: bool,
    /// Whether the signed hex is surrounded by spaces and tabs.
    pub padded: bool,
    /// The declared `Content-Length`.
    pub content_length: ContentLength,
    /// The body limit.
    pub limit: usize,
    /// Where the body is cut into chunks (modulo its length + 1).
    pub splits: Vec<u16>,
    /// The body.
    pub body: Vec<u8>,
}

const UNLIMITED: u16 = u16::MAX;

impl VerifyInput {
    /// Reads a case from fuzz input.
    #[must_use]
    pub fn decode(data: &[u8]) -> Self {
        let mut input = Reader::new(data);
        let flags = input.u8();
        let request = input.u8();
        let limit = match input.u16() {
            UNLIMITED => usize::MAX,
            limit => usize::from(limit),
        };
        let declared = input.u16();
        let count = usize::from(flags & 3) + 1;
        let tokens: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = usize::from(input.u8()) + 1;
                match input.bytes(len) {
                    [] => b"\0".to_vec(),
                    token => token.to_vec(),
                }
            })
            .collect();
        let given = input.short_bytes().to_vec();
        let token = usize::from(flags >> 4 & 3) % count;
        let signature = match flags >> 2 & 3 {
            0 | 1 => SignatureSource::Given(given),
            kind => SignatureSource::Signed {
                token,
                flipped: kind == 3,
            },
        };
        let splits = (0..input.u8() % 8).map(|_| input.u16()).collect();
        Self {
            tokens,
            signature,
            uppercase: flags & 0x40 != 0,
            padded: flags & 0x80 != 0,
            content_length: match request & 3 {
                0 => ContentLength::Absent,
                1 => ContentLength::True,
                _ => ContentLength::Declared(declared),
            },
            limit,
            splits,
            body: input.rest().to_vec(),
        }
    }

    /// The input [`decode`](VerifyInput::decode) reads as this case.
    ///
    /// # Panics
    ///
    /// When the case cannot be encoded: no token or more than [`MAX_TOKENS`], an empty token
    /// or one over 256 bytes, a signing token out of range, a given value over 255 bytes, more
    /// than 7 split points, or a limit over `u16::MAX - 1` other than `usize::MAX`.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let count = self.tokens.len();
        assert!(
            (1..=MAX_TOKENS).contains(&count),
            "1 to {MAX_TOKENS} tokens"
        );
        let (kind, token, given): (u8, usize, &[u8]) = match &self.signature {
            SignatureSource::Given(bytes) => (0, 0, bytes),
            SignatureSource::Signed { token, flipped } => (2 + u8::from(*flipped), *token, &[]),
        };
        assert!(token < count, "the signing token is one of the tokens");
        let flags = (count - 1) as u8
            | kind << 2
            | (token as u8) << 4
            | u8::from(self.uppercase) << 6
            | u8::from(self.padded) << 7;
        let (request, declared) = match self.content_length {
            ContentLength::Absent => (0, 0),
            ContentLength::True => (1, 0),
            ContentLength::Declared(length) => (2, length),
        };
        let limit = if self.limit == usize::MAX {
            UNLIMITED
        } else {
            u16::try_from(self.limit)
                .ok()
                .filter(|limit| *limit != UNLIMITED)
                .expect("the limit fits the framing")
        };
        let mut out = Writer::default();
        out.u8(flags).u8(request).u16(limit).u16(declared);
        for token in &self.tokens {
            let len =
                u8::try_from(token.len().wrapping_sub(1)).expect("tokens have 1 to 256 bytes");
            out.u8(len).bytes(token);
        }
        out.short_bytes(given);
        assert!(self.splits.len() < 8, "at most 7 split points");
        out.u8(self.splits.len() as u8);
        for split in &self.splits {
            out.u16(*split);
        }
        out.bytes(&self.body).finish()
    }

    /// The signature header's value.
    #[must_use]
    pub fn header_value(&self) -> Vec<u8> {
        match &self.signature {
            SignatureSource::Given(bytes) => bytes.clone(),
            SignatureSource::Signed { token, flipped } => {
                let mut tag = reference::sign(&self.tokens[*token], &self.body);
                if *flipped {
                    tag[31] ^= 1;
                }
                let digits = if self.uppercase {
                    hex::encode_upper(tag)
                } else {
                    hex::encode(tag)
                };
                let value: String = if self.padded {
                    format!(" \t{digits}\t ")
                } else {
                    digits
                };
                value.into_bytes()
            }
        }
    }
}

/// What the reference says of a body and a signature value: the matching token's index, or
/// the error, in the order every check applies (header, then limit, then comparison).
fn expected(input: &VerifyInput, value: &[u8]) -> Result<usize, Error> {
    let tag = reference::parse_signature(value).map_err(Error::MalformedSignature)?;
    if input.body.len() > input.limit {
        return Err(Error::BodyTooLarge);
    }
    reference::matching_token(&input.tokens, &input.body, &tag).ok_or(Error::SignatureMismatch)
}

/// Target `differential_verify`. Input: a [`VerifyInput`], as laid out there.
///
/// For tokens, a body, a signature value, chunk boundaries and a limit, these all give the
/// reference's answer (accept with the first matching token's index, or the same error):
/// [`Verifier::verify`]; `begin`, `update` on each chunk, `finish`; and `begin_request`
/// with the value and the declared length, then `update`s and `finish` (and the whole body in
/// one `update`, kept: `finish_with_body` gives back exactly the bytes sent).
/// A body over the limit is `BodyTooLarge` everywhere (once the header is well formed), and
/// `update` fails from the chunk that passes the limit on, never before. A true signature of
/// any configured token is accepted.
///
/// # Panics
///
/// When a property fails.
pub fn differential_verify(data: &[u8]) {
    check_verify(&VerifyInput::decode(data));
}

/// [`differential_verify`] on a decoded case.
///
/// # Panics
///
/// When a property fails.
pub fn check_verify(input: &VerifyInput) {
    let value = input.header_value();
    let expected = expected(input, &value);
    if matches!(
        input.signature,
        SignatureSource::Signed { flipped: false, .. }
    ) && input.body.len() <= input.limit
    {
        assert!(expected.is_ok(), "the reference refuses a true signature");
    }

    let mut tokens = input
        .tokens
        .iter()
        .map(|token| Token::new(token).expect("not empty"));
    let first = tokens.next().expect("at least one token");
    let verifier = tokens
        .try_fold(Verifier::new(first), Verifier::also_accept)
        .expect("at most MAX_TOKENS tokens")
        .with_body_limit(input.limit);
    let chunks = chunks(&input.body, &input.splits);

    if let Ok(signature) = Signature::parse(&value) {
        let one_shot = verifier.verify(&input.body, &signature);
        assert_eq!(one_shot.map(|v| v.token_index()), expected, "verify");

        let mut streaming = verifier.begin(signature);
        let mut seen = 0usize;
        for chunk in &chunks {
            seen = seen.saturating_add(chunk.len());
            let update = streaming.update(chunk);
            if seen > input.limit {
                assert_eq!(update, Err(Error::BodyTooLarge), "update past the limit");
            } else {
                assert_eq!(update, Ok(()), "update within the limit");
                assert_eq!(streaming.bytes_seen(), seen, "bytes_seen");
            }
        }
        let streamed = streaming.finish();
        assert_eq!(streamed.map(|v| v.token_index()), expected, "streaming");
    }

    let declared = match input.content_length {
        ContentLength::Absent => None,
        ContentLength::True => Some(input.body.len() as u64),
        ContentLength::Declared(length) => Some(u64::from(length)),
    };
    // The field's value as sent: plain decimal digits.
    let declared_value = declared.map(|length| length.to_string().into_bytes());
    // The header rule first, then the declared length (an early reject only), then the body.
    let expected_request = match expected {
        Err(Error::MalformedSignature(why)) => Err(Error::MalformedSignature(why)),
        _ if declared.is_some_and(|length| length > input.limit as u64) => Err(Error::BodyTooLarge),
        other => other,
    };
    let begin = || verifier.begin_request([value.as_slice()], declared_value.as_deref(), None);
    match begin() {
        Ok(mut request) => {
            for chunk in &chunks {
                // Errors are sticky: the final answer is `finish`'s.
                let _ = request.update(chunk);
            }
            let streamed = request.finish().map(|v| v.token_index());
            assert_eq!(
                streamed, expected_request,
                "begin_request + update + finish"
            );
            // The whole body in one chunk, kept: exactly the bytes sent come back.
            let whole = begin().and_then(|request| {
                let mut request = request.keep_body(Vec::new());
                request.update(&input.body)?;
                request.finish_with_body()
            });
            assert_eq!(
                whole.map(|(body, v)| (body == input.body, v.token_index())),
                expected_request.map(|index| (true, index)),
                "begin_request + one update + finish_with_body"
            );
        }
        Err(error) => assert_eq!(Err(error), expected_request, "begin_request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(signature: SignatureSource) -> VerifyInput {
        VerifyInput {
            tokens: vec![b"old".to_vec(), vec![7; 256], b"old".to_vec()],
            signature,
            uppercase: true,
            padded: true,
            content_length: ContentLength::Declared(300),
            limit: 200,
            splits: vec![3, 1000, 0],
            body: br#"{"type":"x"}"#.to_vec(),
        }
    }

    #[test]
    fn encode_then_decode_round_trips() {
        for signature in [
            SignatureSource::Given(b"sha256=00".to_vec()),
            SignatureSource::Signed {
                token: 2,
                flipped: false,
            },
            SignatureSource::Signed {
                token: 1,
                flipped: true,
            },
        ] {
            let case = case(signature);
            assert_eq!(VerifyInput::decode(&case.encode()), case);
            check_verify(&case);
        }
        let unlimited = VerifyInput {
            limit: usize::MAX,
            ..case(SignatureSource::Given(vec![]))
        };
        assert_eq!(VerifyInput::decode(&unlimited.encode()), unlimited);
    }

    #[test]
    fn the_first_matching_token_wins() {
        let case = case(SignatureSource::Signed {
            token: 2,
            flipped: false,
        });
        let value = case.header_value();
        assert_eq!(expected(&case, &value), Ok(0));
    }

    #[test]
    fn empty_input_is_a_case() {
        let case = VerifyInput::decode(b"");
        assert_eq!(case.tokens, [b"\0"]);
        assert_eq!(case.limit, 0);
        differential_verify(b"");
    }
}
