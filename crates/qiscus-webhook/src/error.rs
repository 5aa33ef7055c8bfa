//! Every way a webhook request can be refused, with its HTTP status and stable error code.

use core::fmt;

use crate::SignatureError;

/// Why a webhook request was refused.
///
/// Each variant has a stable machine-readable [`code`](Error::code), an HTTP
/// [`status_code`](Error::status_code) and a ready JSON [`response_body`](Error::response_body),
/// so that every framework adapter answers the same way:
///
/// | variant | status | code |
/// |---|---|---|
/// | [`MissingSignature`](Error::MissingSignature) | 401 | `missing_signature` |
/// | [`DuplicateSignature`](Error::DuplicateSignature) | 401 | `duplicate_signature` |
/// | [`MalformedSignature`](Error::MalformedSignature) | 401 | `malformed_signature` |
/// | [`SignatureMismatch`](Error::SignatureMismatch) | 401 | `signature_mismatch` |
/// | [`BodyTooLarge`](Error::BodyTooLarge) | 413 | `body_too_large` |
/// | [`BodyUnreadable`](Error::BodyUnreadable) | 400 | `body_unreadable` |
/// | [`InvalidPayload`](Error::InvalidPayload) | 400 | `invalid_payload` |
/// | [`NotConfigured`](Error::NotConfigured) | 500 | `webhook_not_configured` |
/// | [`BodyTimeout`](Error::BodyTimeout) | 408 | `body_timeout` |
/// | [`StaleEvent`](Error::StaleEvent) | 401 | `stale_event` |
/// | [`DeliveryInProgress`](Error::DeliveryInProgress) | 409 | `delivery_in_progress` |
/// | [`ReplayStoreUnavailable`](Error::ReplayStoreUnavailable) | 503 | `replay_store_unavailable` |
///
/// Neither `Display` nor `Debug` ever contains a token, the expected signature or the request's
/// own bytes.
///
/// ```
/// use qiscus_webhook::Error;
///
/// let error = Error::SignatureMismatch;
/// assert_eq!(error.status_code(), 401);
/// assert_eq!(error.code(), "signature_mismatch");
/// assert_eq!(error.response_body(), r#"{"error":"signature_mismatch"}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The request has no `QISCUS-SDK-SIGNATURE` header.
    MissingSignature,
    /// The request has more than one `QISCUS-SDK-SIGNATURE` header (even if they agree):
    /// ambiguity is never resolved in the sender's favour.
    DuplicateSignature,
    /// The header value is not 64 hex digits; the inner error says which rule it broke.
    MalformedSignature(SignatureError),
    /// The signature is well formed but matches the body under none of the configured tokens.
    SignatureMismatch,
    /// The body is larger than the verifier's limit (by `Content-Length` or by counted bytes).
    BodyTooLarge,
    /// The body could not be read (the client hung up, the chunked encoding was invalid, ...).
    BodyUnreadable,
    /// Typed extraction only: the signature is valid but the body is not the expected JSON.
    InvalidPayload,
    /// No verifier was configured in the application: a programming error, not the sender's.
    NotConfigured,
    /// The whole body did not arrive within the verifier's body timeout
    /// ([`Verifier::with_body_timeout`](crate::Verifier::with_body_timeout)): a stalled or
    /// trickling client.
    BodyTimeout,
    /// Replay guard: the signed event time is older than the freshness window allows, or
    /// further in the future than the allowed skew (a captured request replayed late).
    StaleEvent,
    /// Replay guard: the same delivery is being handled right now by another request (answer
    /// with `Retry-After`).
    DeliveryInProgress,
    /// Replay guard: the store of seen deliveries is unreachable or full, so a duplicate could
    /// not be ruled out (answer with `Retry-After`; the handler did not run).
    ReplayStoreUnavailable,
}

/// The status table, written once: each variant's status and code; the JSON body is built
/// from the code at compile time.
macro_rules! table {
    ($($pattern:pat => $status:literal, $code:literal;)*) => {
        impl Error {
            /// The HTTP status code for this error (see the table on [`Error`]).
            #[must_use]
            pub const fn status_code(&self) -> u16 {
                match self {
                    $($pattern => $status,)*
                }
            }

            /// The stable error code, as sent in the response body's `error` field.
            #[must_use]
            pub const fn code(&self) -> &'static str {
                match self {
                    $($pattern => $code,)*
                }
            }

            /// The JSON response body, `{"error":"<code>"}`, identical in every adapter.
            #[must_use]
            pub const fn response_body(&self) -> &'static str {
                match self {
                    $($pattern => concat!(r#"{"error":""#, $code, r#""}"#),)*
                }
            }
        }
    };
}

table! {
    Self::MissingSignature => 401, "missing_signature";
    Self::DuplicateSignature => 401, "duplicate_signature";
    Self::MalformedSignature(_) => 401, "malformed_signature";
    Self::SignatureMismatch => 401, "signature_mismatch";
    Self::BodyTooLarge => 413, "body_too_large";
    Self::BodyUnreadable => 400, "body_unreadable";
    Self::InvalidPayload => 400, "invalid_payload";
    Self::NotConfigured => 500, "webhook_not_configured";
    Self::BodyTimeout => 408, "body_timeout";
    Self::StaleEvent => 401, "stale_event";
    Self::DeliveryInProgress => 409, "delivery_in_progress";
    Self::ReplayStoreUnavailable => 503, "replay_store_unavailable";
}

impl Error {
    /// Every status a refusal can have, each once (for frameworks that register a handler per
    /// status, such as Rocket's catchers).
    pub const STATUSES: [u16; 7] = [400, 401, 408, 409, 413, 500, 503];

    /// Whether the request was refused for its signature (a 401).
    #[must_use]
    pub const fn is_unauthorized(&self) -> bool {
        self.status_code() == 401
    }
}

impl From<SignatureError> for Error {
    fn from(error: SignatureError) -> Self {
        Self::MalformedSignature(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSignature => f.write_str("the QISCUS-SDK-SIGNATURE header is missing"),
            Self::DuplicateSignature => {
                f.write_str("the QISCUS-SDK-SIGNATURE header appears more than once")
            }
            Self::MalformedSignature(why) => {
                write!(f, "the QISCUS-SDK-SIGNATURE header is malformed: {why}")
            }
            Self::SignatureMismatch => {
                f.write_str("the signature does not match the body under any configured token")
            }
            Self::BodyTooLarge => f.write_str("the request body is larger than the limit"),
            Self::BodyUnreadable => f.write_str("the request body could not be read"),
            Self::InvalidPayload => f.write_str("the signed body is not the expected JSON"),
            Self::NotConfigured => f.write_str("no webhook verifier is configured in the app"),
            Self::BodyTimeout => f.write_str("the request body did not arrive in time"),
            Self::StaleEvent => {
                f.write_str("the signed event time is outside the replay guard's window")
            }
            Self::DeliveryInProgress => {
                f.write_str("the same delivery is being handled by another request")
            }
            Self::ReplayStoreUnavailable => {
                f.write_str("the replay guard's store of seen deliveries is unavailable")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::MalformedSignature(why) => Some(why),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Error; 12] = [
        Error::MissingSignature,
        Error::DuplicateSignature,
        Error::MalformedSignature(SignatureError::Empty),
        Error::SignatureMismatch,
        Error::BodyTooLarge,
        Error::BodyUnreadable,
        Error::InvalidPayload,
        Error::NotConfigured,
        Error::BodyTimeout,
        Error::StaleEvent,
        Error::DeliveryInProgress,
        Error::ReplayStoreUnavailable,
    ];

    #[test]
    fn statuses_lists_every_status_of_the_table_once() {
        for error in ALL {
            assert!(Error::STATUSES.contains(&error.status_code()), "{error:?}");
        }
        for status in Error::STATUSES {
            assert!(
                ALL.iter().any(|error| error.status_code() == status),
                "{status}"
            );
        }
        let mut sorted = Error::STATUSES;
        sorted.sort_unstable();
        sorted
            .windows(2)
            .for_each(|pair| assert_ne!(pair[0], pair[1]));
    }

    #[test]
    fn every_body_is_the_json_of_its_code() {
        for error in ALL {
            let body = std::format!(r#"{{"error":"{}"}}"#, error.code());
            assert_eq!(error.response_body(), body);
        }
    }
}
