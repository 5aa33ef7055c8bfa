//! Verify, then parse: [`Verifier::verify_and_parse`], and the serde helper that keeps the
//! model exact about `null`.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

use crate::{Error, Signature, Verified, Verifier};

impl Verifier {
    /// Verifies `body` against `signature`, and only then parses it as JSON into `T`
    /// (typically [`Event`](super::Event)).
    ///
    /// The signature is checked first, on the raw bytes: a forged or oversized body is refused
    /// with the verification's error and never parsed, even when it is not JSON. Only a body
    /// whose signature matched is handed to `serde_json::from_slice`.
    ///
    /// ```
    /// use qiscus_webhook::events::Event;
    /// use qiscus_webhook::{Error, Token, Verifier};
    ///
    /// let verifier = Verifier::new(Token::new("secret")?);
    /// let body = br#"{"payload":{"message":{"text":"hi"}},"type":"post_comment_rest"}"#;
    /// let (verified, event) = verifier.verify_and_parse::<Event>(body, &verifier.sign(body))?;
    /// assert!(verified.is_primary());
    /// assert_eq!(event.event_type(), "post_comment_rest");
    ///
    /// // A valid signature over a body that is not an event: invalid_payload (400).
    /// let not_json = b"<html>";
    /// let refused = verifier.verify_and_parse::<Event>(not_json, &verifier.sign(not_json));
    /// assert_eq!(refused.unwrap_err(), Error::InvalidPayload);
    ///
    /// // A forged signature is refused before any parsing: signature_mismatch (401).
    /// let forger = Verifier::new(Token::new("not the token")?);
    /// let refused = verifier.verify_and_parse::<Event>(not_json, &forger.sign(not_json));
    /// assert_eq!(refused.unwrap_err(), Error::SignatureMismatch);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`verify`](Verifier::verify)'s errors ([`Error::BodyTooLarge`],
    /// [`Error::SignatureMismatch`]) first; then, for a verified body that does not parse as
    /// `T`, [`Error::InvalidPayload`] (serde_json's error is dropped: it describes bytes that
    /// came from the network; call [`Event::from_slice`](super::Event::from_slice) on the
    /// verified body to see it).
    pub fn verify_and_parse<T: DeserializeOwned>(
        &self,
        body: &[u8],
        signature: &Signature,
    ) -> Result<(Verified, T), Error> {
        let verified = self.verify(body, signature)?;
        let parsed = serde_json::from_slice(body).map_err(|_| Error::InvalidPayload)?;
        Ok((verified, parsed))
    }
}

/// A field kept as raw JSON: absent is `None` (with `#[serde(default)]`), `null` is
/// `Some(Value::Null)`, anything else is `Some(value)`.
pub(crate) fn nullable<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}
