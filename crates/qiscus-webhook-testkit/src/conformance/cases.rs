//! The table: the conformance app's verifier, and every [`Case`] with the answer it must get.

use qiscus_webhook::{Token, Verifier};
use serde_json::{Value, json};

use crate::spec::{BodySpec, RequestSpec};
use crate::{event_reply, raw_receipt, sign};

/// The primary token of [`verifier()`].
pub const TOKEN: &str = "conformance-current-token";
/// The second token of [`verifier()`], still accepted during a rotation.
pub const PREVIOUS_TOKEN: &str = "conformance-previous-token";
/// A token [`verifier()`] does not accept.
pub const OTHER_TOKEN: &str = "conformance-unconfigured-token";
/// The body limit of [`verifier()`], in bytes: small, so that over-limit bodies are cheap, and
/// above the sample events.
pub const BODY_LIMIT: usize = 4096;
/// The size of the chunks a streamed body is sent in ([`Case::chunks`]): not a divisor of
/// [`BODY_LIMIT`], so the limit falls inside a chunk.
pub const CHUNK_SIZE: usize = 1000;

/// The verifier the conformance app is configured with: [`TOKEN`], then [`PREVIOUS_TOKEN`],
/// and a [`BODY_LIMIT`] body limit.
///
/// ```
/// use qiscus_webhook_testkit::conformance::{self, BODY_LIMIT};
///
/// let verifier = conformance::verifier();
/// assert_eq!((verifier.token_count(), verifier.body_limit()), (2, BODY_LIMIT));
/// ```
#[must_use]
pub fn verifier() -> Verifier {
    // Both constants are non-empty and a verifier accepts up to four tokens: neither can fail.
    let token = |value: &str| Token::new(value).expect("the conformance tokens are not empty");
    Verifier::new(token(TOKEN))
        .also_accept(token(PREVIOUS_TOKEN))
        .expect("a verifier with one token accepts a second")
        .with_body_limit(BODY_LIMIT)
}

/// Which route of the conformance app a case is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /webhook`: the handler gets the verified bytes and answers their receipt.
    Raw,
    /// `POST /events`: the handler gets a parsed `qiscus_webhook::events::Event` and answers
    /// its type.
    Typed,
}

impl Route {
    /// The route's path: `/webhook` or `/events`.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::Raw => "/webhook",
            Self::Typed => "/events",
        }
    }
}

/// How a case's body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    /// In one piece, with a correct `Content-Length`.
    ContentLength,
    /// Streamed in [`Case::chunks`], with no `Content-Length` (`Transfer-Encoding: chunked`
    /// over a socket).
    Chunked,
    /// With a `Content-Length` header of this value, which is not the body's length (the
    /// body is sent whole). Only meaningful in process: over a socket the server would read
    /// the declared number of bytes.
    DeclaredLength(u64),
    /// Streamed in [`Case::chunks`] with no `Content-Length`, then the body stream fails
    /// instead of ending (in process: a body stream that yields an error; over a socket: the
    /// client hangs up in the middle of a chunk).
    Interrupted,
}

/// What the app must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// `200` with this JSON body (a [`raw_receipt`] or an
    /// [`event_reply`]).
    Accepted(Value),
    /// This status with the JSON body `{"error": code}`.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The error code.
        code: &'static str,
    },
}

impl Expect {
    /// The expected status.
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::Accepted(_) => 200,
            Self::Rejected { status, .. } => *status,
        }
    }

    /// The expected JSON body.
    #[must_use]
    pub fn body(&self) -> Value {
        match self {
            Self::Accepted(body) => body.clone(),
            Self::Rejected { code, .. } => json!({ "error": code }),
        }
    }
}

// docs/DESIGN.md's status table ("Error -> HTTP status"), spelled out.
const MISSING_SIGNATURE: Expect = rejected(401, "missing_signature");
const DUPLICATE_SIGNATURE: Expect = rejected(401, "duplicate_signature");
const MALFORMED_SIGNATURE: Expect = rejected(401, "malformed_signature");
const SIGNATURE_MISMATCH: Expect = rejected(401, "signature_mismatch");
const BODY_TOO_LARGE: Expect = rejected(413, "body_too_large");
const BODY_UNREADABLE: Expect = rejected(400, "body_unreadable");
const INVALID_PAYLOAD: Expect = rejected(400, "invalid_payload");
const NOT_CONFIGURED: Expect = rejected(500, "webhook_not_configured");

const fn rejected(status: u16, code: &'static str) -> Expect {
    Expect::Rejected { status, code }
}

/// One request of the conformance table and the answer it must get.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Case {
    /// A unique name, `<route>/<what>`, used in failure messages.
    pub name: &'static str,
    /// The route it is sent to.
    pub route: Route,
    /// The header fields as raw bytes, in order. Names may be in any case; a name may repeat;
    /// values may hold tabs and non-ASCII bytes. Send them as they are.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// How the body is sent.
    pub transfer: Transfer,
    /// The answer the app must give.
    pub expect: Expect,
}

impl Case {
    /// The path of the case's route.
    #[must_use]
    pub const fn path(&self) -> &'static str {
        self.route.path()
    }

    /// The `Content-Length` header to send, if any.
    #[must_use]
    pub fn content_length(&self) -> Option<u64> {
        match self.transfer {
            Transfer::ContentLength => Some(self.body.len() as u64),
            Transfer::DeclaredLength(declared) => Some(declared),
            Transfer::Chunked | Transfer::Interrupted => None,
        }
    }

    /// The body in [`CHUNK_SIZE`] pieces, for [`Transfer::Chunked`] and
    /// [`Transfer::Interrupted`] (an empty body has no chunk).
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.body.chunks(CHUNK_SIZE)
    }

    /// The request to send: `POST` to the case's path with its header fields as they are, its
    /// [`content_length`](Case::content_length), and the body whole or in [`chunks`](Case::chunks)
    /// (then cut off, for [`Transfer::Interrupted`]).
    ///
    /// ```
    /// use qiscus_webhook_testkit::conformance;
    /// use qiscus_webhook_testkit::spec::BodySpec;
    ///
    /// let case = conformance::case("webhook/content_length_u64_max");
    /// let request = case.request();
    /// assert_eq!(request.content_length, Some(u64::MAX));
    /// assert_eq!(request.body, BodySpec::Whole(case.body.clone()));
    /// ```
    #[must_use]
    pub fn request(&self) -> RequestSpec {
        let chunks = || self.chunks().map(<[u8]>::to_vec).collect();
        RequestSpec {
            path: self.path().to_owned(),
            headers: self.headers.clone(),
            content_length: self.content_length(),
            body: match self.transfer {
                Transfer::ContentLength | Transfer::DeclaredLength(_) => {
                    BodySpec::Whole(self.body.clone())
                }
                Transfer::Chunked => BodySpec::Chunks(chunks()),
                Transfer::Interrupted => BodySpec::Interrupted(chunks()),
            },
        }
    }

    fn new(name: &'static str, route: Route, body: impl Into<Vec<u8>>) -> Self {
        Self {
            name,
            route,
            headers: vec![(b"content-type".to_vec(), b"application/json".to_vec())],
            body: body.into(),
            transfer: Transfer::ContentLength,
            expect: Expect::Accepted(Value::Null),
        }
    }

    fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.as_bytes().to_vec(), value.into()));
        self
    }

    fn signature(self, value: impl Into<Vec<u8>>) -> Self {
        self.header("qiscus-sdk-signature", value)
    }

    fn signed_by(self, token: &str) -> Self {
        let value = sign(token, &self.body);
        self.signature(value)
    }

    fn sent(mut self, transfer: Transfer) -> Self {
        self.transfer = transfer;
        self
    }

    fn expect(mut self, expect: Expect) -> Self {
        self.expect = expect;
        self
    }

    /// Expects the receipt of the case's own body.
    fn receipt(self) -> Self {
        let receipt = raw_receipt(&self.body);
        self.expect(Expect::Accepted(receipt))
    }

    fn event(self, event_type: &str) -> Self {
        self.expect(Expect::Accepted(event_reply(event_type)))
    }
}

/// A JSON event of exactly `len` bytes (at least 45): a `type` and a padding field.
fn padded_event(len: usize) -> Vec<u8> {
    let mut body = br#"{"payload":{"padding":""},"type":"post_comment_mobile"}"#.to_vec();
    let padding = len.saturating_sub(body.len());
    let at = br#"{"payload":{"padding":""#.len();
    body.splice(at..at, std::iter::repeat_n(b'x', padding));
    body
}

/// Every conformance case for an app configured with [`verifier()`].
///
/// Covers every row of `docs/DESIGN.md`'s status table ("Error -> HTTP status") but
/// `webhook_not_configured` (see [`unconfigured_cases`]), the signature grammar, token
/// rotation, exact bytes, the body limit by `Content-Length` and by counted bytes, and the
/// order of checks.
#[must_use]
pub fn cases() -> Vec<Case> {
    use Route::{Raw, Typed};
    use Transfer::{Chunked, DeclaredLength, Interrupted};

    let event = crate::fixtures::POST_COMMENT_MOBILE_2017;
    let good = sign(TOKEN, event);
    let at_limit = padded_event(BODY_LIMIT);
    let over_limit = padded_event(BODY_LIMIT + 1);
    let replace_last = |with: &[u8]| [&good.as_bytes()[..63], with].concat();
    let unknown_type = br#"{"payload":{"room":{"id":1}},"type":"room_archived_2030"}"#;

    vec![
        // Valid signatures, every way the grammar allows.
        Case::new("webhook/valid_lowercase_hex", Raw, event)
            .signed_by(TOKEN)
            .receipt(),
        Case::new("webhook/valid_uppercase_hex", Raw, event)
            .signature(good.to_ascii_uppercase())
            .receipt(),
        Case::new("webhook/valid_surrounding_spaces", Raw, event)
            .signature(format!("  {good}  "))
            .receipt(),
        Case::new("webhook/valid_surrounding_tab", Raw, event)
            .signature(format!("\t{good} \t"))
            .receipt(),
        Case::new("webhook/header_name_mixed_case", Raw, event)
            .header("Qiscus-Sdk-Signature", good.clone())
            .receipt(),
        Case::new("webhook/header_name_upper_case", Raw, event)
            .header("QISCUS-SDK-SIGNATURE", good.clone())
            .receipt(),
        Case::new("webhook/previous_token", Raw, event)
            .signed_by(PREVIOUS_TOKEN)
            .receipt(),
        // The handler gets the exact bytes (the receipt's SHA-256 proves it).
        Case::new("webhook/empty_body", Raw, "")
            .signed_by(TOKEN)
            .receipt(),
        Case::new("webhook/non_utf8_body", Raw, [0xff, 0xfe, 0x00, 0xe9, b'{', 0x80])
            .signed_by(TOKEN)
            .receipt(),
        Case::new(
            "webhook/whitespace_and_key_order_kept",
            Raw,
            "{ \"type\" : \"post_comment_mobile\",\r\n\t\"payload\": {\"z\": 1, \"a\": [2, 1]} }\n",
        )
        .signed_by(TOKEN)
        .receipt(),
        Case::new(
            "webhook/go_html_escapes_kept",
            Raw,
            r#"{"payload":{"message":{"text":"\u003cb\u003ehi\u003c/b\u003e \u0026"}},"type":"post_comment_mobile"}"#,
        )
        .signed_by(TOKEN)
        .receipt(),
        Case::new("webhook/fixture_post_comment_mobile_2017", Raw, event)
            .signed_by(TOKEN)
            .receipt(),
        Case::new(
            "webhook/fixture_multichannel_bot_2025",
            Raw,
            crate::fixtures::MULTICHANNEL_BOT_2025,
        )
        .signed_by(TOKEN)
        .receipt(),
        // The body limit: by Content-Length before reading, by counted bytes while reading.
        Case::new("webhook/at_limit_content_length", Raw, at_limit.clone())
            .signed_by(TOKEN)
            .receipt(),
        Case::new("webhook/at_limit_chunked", Raw, at_limit)
            .signed_by(TOKEN)
            .sent(Chunked)
            .receipt(),
        Case::new("webhook/over_limit_content_length", Raw, over_limit.clone())
            .signed_by(TOKEN)
            .expect(BODY_TOO_LARGE),
        Case::new("webhook/over_limit_chunked", Raw, over_limit.clone())
            .signed_by(TOKEN)
            .sent(Chunked)
            .expect(BODY_TOO_LARGE),
        Case::new("webhook/content_length_lies_low", Raw, over_limit.clone())
            .signed_by(TOKEN)
            .sent(DeclaredLength(16))
            .expect(BODY_TOO_LARGE),
        Case::new("webhook/content_length_over_limit", Raw, event)
            .signed_by(TOKEN)
            .sent(DeclaredLength(BODY_LIMIT as u64 + 1))
            .expect(BODY_TOO_LARGE),
        Case::new("webhook/content_length_u64_max", Raw, event)
            .signed_by(TOKEN)
            .sent(DeclaredLength(u64::MAX))
            .expect(BODY_TOO_LARGE),
        // The header rule.
        Case::new("webhook/missing_signature", Raw, event).expect(MISSING_SIGNATURE),
        Case::new("webhook/empty_signature", Raw, event)
            .signature("")
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/blank_signature", Raw, event)
            .signature(" \t ")
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/duplicate_both_valid", Raw, event)
            .signature(good.clone())
            .signature(good.clone())
            .expect(DUPLICATE_SIGNATURE),
        Case::new("webhook/duplicate_one_valid", Raw, event)
            .signature(good.clone())
            .signed_by(OTHER_TOKEN)
            .expect(DUPLICATE_SIGNATURE),
        Case::new("webhook/duplicate_names_differ_in_case", Raw, event)
            .header("QISCUS-SDK-SIGNATURE", good.clone())
            .header("qiscus-sdk-signature", good.clone())
            .expect(DUPLICATE_SIGNATURE),
        Case::new("webhook/sha256_prefix", Raw, event)
            .signature(format!("sha256={good}"))
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/63_hex_digits", Raw, event)
            .signature(&good.as_bytes()[..63])
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/65_hex_digits", Raw, event)
            .signature(format!("{good}0"))
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/non_hex_digit", Raw, event)
            .signature(replace_last(b"g"))
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/non_ascii_byte", Raw, event)
            .signature(replace_last(&[0xe9]))
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/inner_space", Raw, event)
            .signature(format!("{} {}", &good[..32], &good[32..]))
            .expect(MALFORMED_SIGNATURE),
        // The comparison.
        Case::new("webhook/tampered_body", Raw, [event, b" "].concat())
            .signature(good.clone())
            .expect(SIGNATURE_MISMATCH),
        Case::new("webhook/wrong_token", Raw, event)
            .signed_by(OTHER_TOKEN)
            .expect(SIGNATURE_MISMATCH),
        // An unreadable body.
        Case::new("webhook/body_unreadable", Raw, event)
            .signed_by(TOKEN)
            .sent(Interrupted)
            .expect(BODY_UNREADABLE),
        // The order of checks: header rule, Content-Length, body, comparison.
        Case::new("webhook/missing_signature_before_length", Raw, over_limit.clone())
            .expect(MISSING_SIGNATURE),
        Case::new("webhook/malformed_signature_before_length", Raw, event)
            .signature("sha256=")
            .sent(DeclaredLength(u64::MAX))
            .expect(MALFORMED_SIGNATURE),
        Case::new("webhook/missing_signature_before_body", Raw, event)
            .sent(Interrupted)
            .expect(MISSING_SIGNATURE),
        Case::new("webhook/limit_before_comparison", Raw, over_limit.clone())
            .signed_by(OTHER_TOKEN)
            .sent(Chunked)
            .expect(BODY_TOO_LARGE),
        Case::new("webhook/unreadable_before_comparison", Raw, event)
            .signed_by(OTHER_TOKEN)
            .sent(Interrupted)
            .expect(BODY_UNREADABLE),
        // The typed route: parse only after a valid signature.
        Case::new("events/fixture_post_comment_mobile_2017", Typed, event)
            .signed_by(TOKEN)
            .event("post_comment_mobile"),
        Case::new(
            "events/fixture_multichannel_bot_2025",
            Typed,
            crate::fixtures::MULTICHANNEL_BOT_2025,
        )
        .signed_by(TOKEN)
        .event("post_comment_mobile"),
        Case::new("events/previous_token", Typed, event)
            .signed_by(PREVIOUS_TOKEN)
            .event("post_comment_mobile"),
        Case::new("events/only_a_type", Typed, r#"{"type":"post_comment_rest"}"#)
            .signed_by(TOKEN)
            .event("post_comment_rest"),
        Case::new("events/unknown_type", Typed, unknown_type)
            .signed_by(TOKEN)
            .event("room_archived_2030"),
        Case::new("events/chunked", Typed, event)
            .signed_by(TOKEN)
            .sent(Chunked)
            .event("post_comment_mobile"),
        Case::new("events/bad_json_valid_signature", Typed, r#"{"type":"post_comment_mobile","#)
            .signed_by(TOKEN)
            .expect(INVALID_PAYLOAD),
        Case::new("events/not_an_event_valid_signature", Typed, "[1,2,3]")
            .signed_by(TOKEN)
            .expect(INVALID_PAYLOAD),
        Case::new("events/no_type_valid_signature", Typed, r#"{"payload":{}}"#)
            .signed_by(TOKEN)
            .expect(INVALID_PAYLOAD),
        Case::new("events/empty_body_valid_signature", Typed, "")
            .signed_by(TOKEN)
            .expect(INVALID_PAYLOAD),
        Case::new("events/bad_json_wrong_signature", Typed, r#"{"type":"post_comment_mobile","#)
            .signed_by(OTHER_TOKEN)
            .expect(SIGNATURE_MISMATCH),
        Case::new("events/forged_non_json", Typed, [0x00, 0xff, b'n', b'o', b't', 0xe9])
            .signed_by(OTHER_TOKEN)
            .expect(SIGNATURE_MISMATCH),
        Case::new("events/tampered_event", Typed, [event, b" "].concat())
            .signature(good.clone())
            .expect(SIGNATURE_MISMATCH),
        Case::new("events/missing_signature", Typed, event).expect(MISSING_SIGNATURE),
        Case::new("events/malformed_signature", Typed, "not json")
            .signature("sha256=")
            .expect(MALFORMED_SIGNATURE),
        Case::new("events/over_limit_chunked", Typed, over_limit)
            .signed_by(TOKEN)
            .sent(Chunked)
            .expect(BODY_TOO_LARGE),
        Case::new("events/body_unreadable", Typed, event)
            .signed_by(TOKEN)
            .sent(Interrupted)
            .expect(BODY_UNREADABLE),
    ]
}

/// The cases for an app whose routes have no verifier configured (a programming error): every
/// request, even a correctly signed one, gets `500 webhook_not_configured`.
///
/// Where the adapter lets such an app exist, build the same two routes without a verifier and
/// send these; where it makes that app impossible by construction (a compile error, a refusal
/// to launch), these rows cannot be sent: the adapter's test declares so, with its proof, in an
/// [`Unconfigured`](crate::conformance::Unconfigured) given to
/// [`assert_unconfigured`](crate::conformance::assert_unconfigured).
#[must_use]
pub fn unconfigured_cases() -> Vec<Case> {
    let event = crate::fixtures::POST_COMMENT_MOBILE_2017;
    vec![
        Case::new("unconfigured/webhook", Route::Raw, event)
            .signed_by(TOKEN)
            .expect(NOT_CONFIGURED),
        Case::new("unconfigured/events", Route::Typed, event)
            .signed_by(TOKEN)
            .expect(NOT_CONFIGURED),
        Case::new("unconfigured/missing_signature", Route::Raw, event).expect(NOT_CONFIGURED),
    ]
}

/// The case of [`cases()`] or [`unconfigured_cases()`] named `name`.
///
/// # Panics
///
/// When no case has that name.
///
/// ```
/// use qiscus_webhook_testkit::conformance::{self, BODY_LIMIT, Transfer};
///
/// let case = conformance::case("webhook/at_limit_chunked");
/// assert_eq!((case.body.len(), case.transfer), (BODY_LIMIT, Transfer::Chunked));
/// ```
#[must_use]
pub fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .chain(unconfigured_cases())
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no conformance case is named {name:?}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use qiscus_webhook::{Error, SignatureError};

    use super::*;

    #[test]
    fn names_are_unique_and_prefixed_by_route() {
        let all: Vec<Case> = cases().into_iter().chain(unconfigured_cases()).collect();
        let mut names = HashSet::new();
        for case in &all {
            assert!(names.insert(case.name), "duplicate name {}", case.name);
        }
        for case in cases() {
            let prefix = match case.route {
                Route::Raw => "webhook/",
                Route::Typed => "events/",
            };
            assert!(case.name.starts_with(prefix), "{}", case.name);
        }
    }

    #[test]
    fn every_row_of_the_status_table_is_covered() {
        let table = [
            MISSING_SIGNATURE,
            DUPLICATE_SIGNATURE,
            MALFORMED_SIGNATURE,
            SIGNATURE_MISMATCH,
            BODY_TOO_LARGE,
            BODY_UNREADABLE,
            INVALID_PAYLOAD,
            NOT_CONFIGURED,
        ];
        let all: Vec<Case> = cases().into_iter().chain(unconfigured_cases()).collect();
        for row in table {
            assert!(all.iter().any(|case| case.expect == row), "{row:?}");
        }
    }

    #[test]
    fn the_core_maps_errors_as_the_table_says() {
        let pairs = [
            (Error::MissingSignature, MISSING_SIGNATURE),
            (Error::DuplicateSignature, DUPLICATE_SIGNATURE),
            (
                Error::MalformedSignature(SignatureError::NotHex),
                MALFORMED_SIGNATURE,
            ),
            (Error::SignatureMismatch, SIGNATURE_MISMATCH),
            (Error::BodyTooLarge, BODY_TOO_LARGE),
            (Error::BodyUnreadable, BODY_UNREADABLE),
            (Error::InvalidPayload, INVALID_PAYLOAD),
            (Error::NotConfigured, NOT_CONFIGURED),
        ];
        for (error, expect) in pairs {
            assert_eq!(error.status_code(), expect.status(), "{error:?}");
            let body: Value = serde_json::from_str(error.response_body()).unwrap();
            assert_eq!(body, expect.body(), "{error:?}");
        }
    }

    #[test]
    fn limit_cases_have_the_sizes_they_claim() {
        let find = |name: &str| cases().into_iter().find(|c| c.name == name).unwrap();
        assert_eq!(find("webhook/at_limit_chunked").body.len(), BODY_LIMIT);
        assert_eq!(
            find("webhook/over_limit_chunked").body.len(),
            BODY_LIMIT + 1
        );
        let at_limit = find("webhook/at_limit_content_length");
        assert_eq!(at_limit.content_length(), Some(BODY_LIMIT as u64));
        assert!(at_limit.chunks().count() > 1);
        serde_json::from_slice::<Value>(&at_limit.body).unwrap();
        assert!(
            crate::fixtures::ALL
                .iter()
                .all(|(_, _, body)| body.len() <= BODY_LIMIT)
        );
    }
}
