//! [`SignedRequest`]: a framework-neutral webhook request, signed as Qiscus signs it.

use qiscus_webhook::SIGNATURE_HEADER;

use crate::sign;
use crate::spec::RequestSpec;

/// A webhook request as Qiscus sends it: a JSON body and its `qiscus-sdk-signature` header,
/// ready to hand to any framework's test client.
///
/// Start from a correctly signed request and break it the way a test needs:
/// [`tampered`](SignedRequest::tampered), [`without_signature`](SignedRequest::without_signature)
/// or [`with_signature`](SignedRequest::with_signature).
///
/// ```
/// use qiscus_webhook_testkit::{SignedRequest, fixtures};
///
/// let request = SignedRequest::new("token", fixtures::POST_COMMENT_MOBILE_2017);
/// assert_eq!(request.body(), fixtures::POST_COMMENT_MOBILE_2017);
/// assert_eq!(request.signature(), Some(qiscus_webhook_testkit::sign("token", request.body()).as_str()));
/// for (name, value) in request.headers() {
///     // e.g. axum/http: builder.header(*name, value)
///     assert!(["content-type", "qiscus-sdk-signature"].contains(name), "{value}");
/// }
///
/// let forged = request.clone().tampered();
/// assert_ne!(forged.body(), request.body());
/// assert_eq!(forged.signature(), request.signature());
///
/// assert_eq!(request.without_signature().signature(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl SignedRequest {
    /// `body`, signed with `token`, with `content-type: application/json`.
    #[must_use]
    pub fn new(token: impl AsRef<[u8]>, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let signature = sign(token, &body);
        Self {
            headers: vec![
                ("content-type", "application/json".into()),
                (SIGNATURE_HEADER, signature),
            ],
            body,
        }
    }

    /// The same signature over a body changed after signing (one space appended: still the
    /// same JSON, no longer the signed bytes). A verifier must answer 401 `signature_mismatch`.
    #[must_use]
    pub fn tampered(mut self) -> Self {
        self.body.push(b' ');
        self
    }

    /// Without the signature header. A verifier must answer 401 `missing_signature`.
    #[must_use]
    pub fn without_signature(mut self) -> Self {
        self.headers.retain(|(name, _)| *name != SIGNATURE_HEADER);
        self
    }

    /// With `value` as the signature header, exactly as given (e.g. `sha256=<hex>` or 63
    /// digits, to test the grammar).
    #[must_use]
    pub fn with_signature(self, value: impl Into<String>) -> Self {
        let mut request = self.without_signature();
        request.headers.push((SIGNATURE_HEADER, value.into()));
        request
    }

    /// The header fields, `(lowercase name, value)`, in order.
    #[must_use]
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The signature header's value, if the request has one.
    #[must_use]
    pub fn signature(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| *name == SIGNATURE_HEADER)
            .map(|(_, value)| value.as_str())
    }

    /// The body, byte for byte.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request, `POST` to `path`, as a [`RequestSpec`]: its header fields, then the body
    /// whole with its `Content-Length` (to send with `wire::exchange`, or convert for a
    /// framework).
    ///
    /// ```
    /// use qiscus_webhook_testkit::SignedRequest;
    ///
    /// let spec = SignedRequest::new("token", "{}").to_spec("/webhook");
    /// assert_eq!((spec.path.as_str(), spec.content_length), ("/webhook", Some(2)));
    /// assert_eq!(spec.headers[1].0, b"qiscus-sdk-signature");
    /// ```
    #[must_use]
    pub fn to_spec(&self, path: &str) -> RequestSpec {
        RequestSpec::new(path, self.headers.clone(), self.body.clone())
    }

    /// The body, by value.
    #[must_use]
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}
