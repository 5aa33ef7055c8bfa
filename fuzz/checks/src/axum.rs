//! Target `axum_extractor`: the axum adapter end to end, in process, with arbitrary header
//! fields and bodies.

use std::cell::RefCell;
use std::vec::Vec;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::post;
use qiscus_webhook::Verifier;
use qiscus_webhook::events::Event;
use qiscus_webhook_axum::{VerifiedBody, VerifiedJson, VerifyQiscusLayer};
use qiscus_webhook_testkit::conformance::{self, BODY_LIMIT, PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_testkit::spec::{BodySpec, RequestSpec};
use serde_json::Value;
use tokio::runtime::Runtime;
use tower::ServiceExt;

use crate::input::{Reader, Writer, chunks};
use crate::reference;

/// The routes of the app under test, each answering `200` with what its handler received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /webhook`: [`VerifiedBody`]; answers the verified bytes, as they came.
    Raw,
    /// `POST /events`: `VerifiedJson<Event>`; answers the event's type.
    Typed,
    /// `POST /layer`: [`VerifyQiscusLayer`] in front of a plain `Bytes` handler; answers the
    /// bytes it got.
    Layer,
}

impl Route {
    const fn path(self) -> &'static str {
        match self {
            Self::Raw => "/webhook",
            Self::Typed => "/events",
            Self::Layer => "/layer",
        }
    }
}

/// How the body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// In one piece.
    Whole,
    /// As a stream of the chunks.
    Chunked,
    /// As a stream of the chunks that then fails instead of ending (a client hanging up).
    Interrupted,
}

/// The header names a field can pick by number; any other name is spelled in the input.
const NAMES: [&str; 6] = [
    "qiscus-sdk-signature",
    "QISCUS-SDK-SIGNATURE",
    "Qiscus-Sdk-Signature",
    "content-length",
    "content-type",
    "transfer-encoding",
];

/// One `axum_extractor` case.
///
/// Layout of the input ([`AxumInput::decode`]; missing bytes read as zeros):
///
/// | bytes | meaning |
/// |---|---|
/// | 1 | bits 0-1: route (0, 3: `/webhook`, 1: `/events`, 2: `/layer`); bit 2: add the body's true signature (as the first header); bit 3: signed with the previous token; bit 4: add the body's true `Content-Length`; bits 5-6: transfer (0, 3: whole, 1: chunked, 2: interrupted) |
/// | 1 | the body is the rest repeated 1 + (this modulo 4) times (to pass the 4096-byte limit) |
/// | 1 | how many header fields (modulo 8), then for each: 1 byte name (below 6: a name of the table, else a length-prefixed name follows), a length-prefixed value |
/// | 1 + 2k | how many split points (modulo 8), then each as u16 LE |
/// | rest | the body (before repetition) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxumInput {
    /// The route.
    pub route: Route,
    /// Which token signs the body for an added signature header (0 or 1), if one is added.
    pub signed_by: Option<usize>,
    /// Whether the body's true `Content-Length` is added.
    pub content_length: bool,
    /// How the body is sent.
    pub transfer: Transfer,
    /// Header fields, as raw name and value bytes (invalid ones are skipped).
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Where a streamed body is cut.
    pub splits: Vec<u16>,
    /// The body.
    pub body: Vec<u8>,
    /// How many times the body is repeated: 1 to 4.
    pub repeat: usize,
}

impl AxumInput {
    /// Reads a case from fuzz input.
    #[must_use]
    pub fn decode(data: &[u8]) -> Self {
        let mut input = Reader::new(data);
        let flags = input.u8();
        let repeat = usize::from(input.u8() % 4) + 1;
        let headers = (0..input.u8() % 8)
            .map(|_| {
                let name = match input.u8() {
                    pick if usize::from(pick) < NAMES.len() => {
                        NAMES[usize::from(pick)].as_bytes().to_vec()
                    }
                    _ => input.short_bytes().to_vec(),
                };
                (name, input.short_bytes().to_vec())
            })
            .collect();
        let splits = (0..input.u8() % 8).map(|_| input.u16()).collect();
        Self {
            route: match flags & 3 {
                1 => Route::Typed,
                2 => Route::Layer,
                _ => Route::Raw,
            },
            signed_by: (flags & 4 != 0).then_some(usize::from(flags >> 3 & 1)),
            content_length: flags & 0x10 != 0,
            transfer: match flags >> 5 & 3 {
                1 => Transfer::Chunked,
                2 => Transfer::Interrupted,
                _ => Transfer::Whole,
            },
            headers,
            splits,
            body: input.rest().to_vec(),
            repeat,
        }
    }

    /// The input [`decode`](AxumInput::decode) reads as this case.
    ///
    /// # Panics
    ///
    /// When the case cannot be encoded: a signing token other than 0 or 1, more than 7
    /// headers or split points, a name or value over 255 bytes, `repeat` not in 1 to 4.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let route = match self.route {
            Route::Raw => 0,
            Route::Typed => 1,
            Route::Layer => 2,
        };
        let signed = match self.signed_by {
            None => 0,
            Some(token @ 0..=1) => 4 | (token as u8) << 3,
            Some(_) => panic!("the conformance verifier has two tokens"),
        };
        let transfer: u8 = match self.transfer {
            Transfer::Whole => 0,
            Transfer::Chunked => 1,
            Transfer::Interrupted => 2,
        };
        assert!((1..=4).contains(&self.repeat), "repeat is 1 to 4");
        assert!(
            self.headers.len() < 8 && self.splits.len() < 8,
            "at most 7 of each"
        );
        let mut out = Writer::default();
        out.u8(route | signed | u8::from(self.content_length) << 4 | transfer << 5)
            .u8((self.repeat - 1) as u8)
            .u8(self.headers.len() as u8);
        for (name, value) in &self.headers {
            match NAMES
                .iter()
                .position(|known| known.as_bytes() == name.as_slice())
            {
                Some(pick) => out.u8(pick as u8),
                None => out.u8(0xff).short_bytes(name),
            };
            out.short_bytes(value);
        }
        out.u8(self.splits.len() as u8);
        for split in &self.splits {
            out.u16(*split);
        }
        out.bytes(&self.body).finish()
    }

    /// The body as sent: [`body`](AxumInput::body) repeated.
    #[must_use]
    pub fn full_body(&self) -> Vec<u8> {
        self.body.repeat(self.repeat)
    }
}

struct App {
    runtime: Runtime,
    router: Router,
}

thread_local! {
    /// Built once per thread: the runtime and the router, with the testkit's verifier.
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fn app() -> App {
    // Timers: the adapter enforces the core's body deadline with tokio's clock.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime builds");
    let verifier: Verifier = conformance::verifier();
    let layered = Router::new()
        .route("/layer", post(|body: Bytes| async move { body }))
        .route_layer(VerifyQiscusLayer::new(verifier.clone()));
    let router = Router::new()
        .route(
            "/webhook",
            post(|VerifiedBody(body, _): VerifiedBody| async move { body }),
        )
        .route(
            "/events",
            post(|VerifiedJson(event, _): VerifiedJson<Event>| async move {
                event.event_type().to_owned()
            }),
        )
        .with_state(verifier)
        .merge(layered);
    App { runtime, router }
}

/// Sends `request` to the app; the status and the body.
fn send(request: Request) -> (StatusCode, Bytes) {
    APP.with(|app| {
        let mut app = app.borrow_mut();
        let App { runtime, router } = app.get_or_insert_with(self::app);
        runtime.block_on(async {
            let response = router
                .clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {});
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a response body reads");
            (status, body)
        })
    })
}

/// docs/DESIGN.md's table: the status of each error code.
fn status_of(code: &str) -> Option<u16> {
    Some(match code {
        "missing_signature"
        | "duplicate_signature"
        | "malformed_signature"
        | "signature_mismatch" => 401,
        "body_too_large" => 413,
        "body_unreadable" | "invalid_payload" => 400,
        "webhook_not_configured" => 500,
        _ => return None,
    })
}

/// The `Content-Length` the adapter reads: the first field, when it is RFC 9110's
/// `OWS 1*DIGIT OWS` within `u64` ([`reference::content_length`]); any other value declares
/// nothing (servers refuse it before a handler runs; in process, the adapter skips the early
/// reject and counts the body).
fn declared_length(fields: &[(HeaderName, HeaderValue)]) -> Option<u64> {
    let (_, value) = fields.iter().find(|(name, _)| name == "content-length")?;
    reference::content_length(value.as_bytes())
}

/// What the app must answer: `Ok(())` for a 200, else the error code.
fn expected(
    case: &AxumInput,
    fields: &[(HeaderName, HeaderValue)],
    body: &[u8],
) -> Result<(), &'static str> {
    let signatures: Vec<&HeaderValue> = fields
        .iter()
        .filter(|(name, _)| name == "qiscus-sdk-signature")
        .map(|(_, value)| value)
        .collect();
    let tag = match signatures.as_slice() {
        [] => return Err("missing_signature"),
        [value] => {
            reference::parse_signature(value.as_bytes()).map_err(|_| "malformed_signature")?
        }
        _ => return Err("duplicate_signature"),
    };
    if declared_length(fields).is_some_and(|length| length > BODY_LIMIT as u64)
        || body.len() > BODY_LIMIT
    {
        return Err("body_too_large");
    }
    if case.transfer == Transfer::Interrupted {
        return Err("body_unreadable");
    }
    let tokens = [TOKEN.as_bytes(), PREVIOUS_TOKEN.as_bytes()];
    reference::matching_token(&tokens, body, &tag).ok_or("signature_mismatch")?;
    if case.route == Route::Typed && Event::from_slice(body).is_err() {
        return Err("invalid_payload");
    }
    Ok(())
}

/// Target `axum_extractor`. Input: an [`AxumInput`], as laid out there.
///
/// The app (built once: a current-thread tokio runtime, a `Router` with the testkit's
/// conformance verifier on three routes, [`Route`]) is sent a `POST` with the input's header
/// fields and body through `tower::ServiceExt::oneshot`. It never panics and never answers
/// 500; it answers exactly what the reference decides from docs/DESIGN.md: the header rule first,
/// then the limit (by a `Content-Length` that parses, or by the body), then an interrupted
/// body, then the signature under either token, then (typed route) the event; a refusal has
/// the table's status and the body `{"error":"<code>"}`; a `200` carries exactly the bytes
/// sent, or the type of the event they hold.
///
/// # Panics
///
/// When a property fails.
pub fn axum_extractor(data: &[u8]) {
    check_axum(&AxumInput::decode(data));
}

/// [`axum_extractor`] on a decoded case.
///
/// # Panics
///
/// When a property fails.
pub fn check_axum(case: &AxumInput) {
    let body = case.full_body();
    let mut fields: Vec<(HeaderName, HeaderValue)> = Vec::new();
    if let Some(token) = case.signed_by {
        let token = [TOKEN, PREVIOUS_TOKEN][token];
        let signature = hex::encode(reference::sign(token.as_bytes(), &body));
        let value = HeaderValue::from_str(&signature).expect("hex is a valid header value");
        fields.push((HeaderName::from_static("qiscus-sdk-signature"), value));
    }
    if case.content_length {
        fields.push((HeaderName::from_static("content-length"), body.len().into()));
    }
    for (name, value) in &case.headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            fields.push((name, value));
        }
    }

    // The testkit's request builder, as every adapter test sends the table (a `Content-Length`
    // the input asks for is among the fields).
    let pieces = || {
        chunks(&body, &case.splits)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    };
    let spec = RequestSpec {
        path: case.route.path().to_owned(),
        headers: (fields.iter())
            .map(|(name, value)| (name.as_str().into(), value.as_bytes().to_vec()))
            .collect(),
        content_length: None,
        body: match case.transfer {
            Transfer::Whole => BodySpec::Whole(body.clone()),
            Transfer::Chunked => BodySpec::Chunks(pieces()),
            Transfer::Interrupted => BodySpec::Interrupted(pieces()),
        },
    };
    let request = (spec.into_http())
        .expect("valid names and values make a request")
        .map(Body::new);

    let (status, answer) = send(request);
    let expected = expected(case, &fields, &body);
    match expected {
        Ok(()) => {
            assert_eq!(
                status,
                StatusCode::OK,
                "expected 200, got {status}: {answer:?}"
            );
            let echoed = match case.route {
                Route::Typed => Event::from_slice(&body)
                    .expect("the reference parsed it")
                    .event_type()
                    .as_bytes()
                    .to_vec(),
                Route::Raw | Route::Layer => body,
            };
            assert_eq!(answer, echoed, "the handler did not get the exact bytes");
        }
        Err(code) => {
            let json: Value = serde_json::from_slice(&answer)
                .unwrap_or_else(|_| panic!("{status}: the refusal is not JSON: {answer:?}"));
            assert_eq!(
                json,
                serde_json::json!({ "error": code }),
                "{status}: wrong refusal"
            );
            assert_eq!(
                Some(status.as_u16()),
                status_of(code),
                "{code}: wrong status"
            );
        }
    }
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a 500 with a configured verifier"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(values: &[&'static str]) -> Vec<(HeaderName, HeaderValue)> {
        values
            .iter()
            .map(|value| {
                (
                    axum::http::header::CONTENT_LENGTH,
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn declared_length_is_the_first_field_by_the_rfc_grammar() {
        for (value, expected) in [
            ("5", Some(5)),
            ("05", Some(5)),
            (" 5 ", Some(5)),
            ("\t5\t", Some(5)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("+5", None),
            ("+111119111111", None),
            ("-5", None),
            ("5, 5", None),
            ("", None),
        ] {
            assert_eq!(declared_length(&fields(&[value])), expected, "{value:?}");
        }
        assert_eq!(declared_length(&fields(&["+5", "5000"])), None);
        assert_eq!(declared_length(&fields(&["5000", "+5"])), Some(5000));
        assert_eq!(declared_length(&[]), None);
    }

    /// Issue 18's input and its neighbours, end to end: a `Content-Length` off the grammar
    /// declares nothing, so a small, correctly signed body is accepted.
    #[test]
    fn a_length_off_the_grammar_is_no_early_reject() {
        let case = |value: &str, body: &[u8]| AxumInput {
            route: Route::Raw,
            signed_by: Some(0),
            content_length: false,
            transfer: Transfer::Whole,
            headers: vec![(b"content-length".to_vec(), value.as_bytes().to_vec())],
            splits: vec![],
            body: body.to_vec(),
            repeat: 1,
        };
        let found = hex::decode("040001030d2b313131313139313131313131").unwrap();
        assert_eq!(AxumInput::decode(&found), case("+111119111111", b""));
        axum_extractor(&found);
        for value in ["+111119111111", "+99999", "-99999", "99999, 1", "\t99999 "] {
            check_axum(&case(value, b""));
            check_axum(&case(value, b"{}"));
        }
    }
}
