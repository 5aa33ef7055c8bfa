//! [`RequestSpec`]: one request, framework-neutral, as every test sends it (in process through
//! a framework's own request type, or over a socket with `wire`).

/// A `POST` request, framework-neutral: what a conformance [`Case`](crate::conformance::Case)
/// or a [`SignedRequest`](crate::SignedRequest) sends, in the form every sender converts from.
///
/// - in process: with the `http` feature, `RequestSpec::into_http` gives an
///   `http` 1.x request (axum, warp, hyper); for a framework on other types (actix-web,
///   Rocket), the test converts the fields itself, in a few lines;
/// - over a socket: with the `socket` feature, `wire::exchange` writes it byte for byte.
///
/// ```
/// use qiscus_webhook_testkit::conformance;
/// use qiscus_webhook_testkit::spec::BodySpec;
///
/// let spec = conformance::case("webhook/at_limit_chunked").request();
/// assert_eq!((spec.path.as_str(), spec.content_length), ("/webhook", None));
/// let BodySpec::Chunks(chunks) = &spec.body else { panic!("a chunked case") };
/// assert_eq!(chunks.len(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// The path (the method is always `POST`).
    pub path: String,
    /// The header fields as raw bytes, in order: names in any case, names repeated, values
    /// with tabs or non-ASCII bytes, as they are to be sent. Neither `Content-Length` nor
    /// `Transfer-Encoding` is among them unless a test put it there on purpose.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The `Content-Length` to send, if any: the body's length, or a lie (a test of the body
    /// limit). Sent after [`headers`](RequestSpec::headers).
    pub content_length: Option<u64>,
    /// The body, and how it is framed.
    pub body: BodySpec,
}

/// A request body and how it goes: whole, in chosen chunks, or cut off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySpec {
    /// In one piece.
    Whole(Vec<u8>),
    /// Streamed in these chunks, then the end (over a socket: `Transfer-Encoding: chunked`,
    /// one chunk each, then the last chunk).
    Chunks(Vec<Vec<u8>>),
    /// Streamed in these chunks, then a failure instead of the end (in process: the body
    /// stream yields an error; over a socket: half a chunk, then the client hangs up).
    Interrupted(Vec<Vec<u8>>),
}

impl BodySpec {
    /// Every byte of the body, in order (for an interrupted body: the bytes sent before the
    /// failure).
    ///
    /// ```
    /// use qiscus_webhook_testkit::spec::BodySpec;
    ///
    /// let body = BodySpec::Interrupted(vec![b"ab".to_vec(), b"c".to_vec()]);
    /// assert_eq!(body.bytes(), b"abc");
    /// ```
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Whole(bytes) => bytes.clone(),
            Self::Chunks(chunks) | Self::Interrupted(chunks) => chunks.concat(),
        }
    }
}

impl RequestSpec {
    /// `body` to `path`, whole, with its `Content-Length`, and the header fields `headers`.
    #[must_use]
    pub fn new<N, V>(
        path: impl Into<String>,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<Vec<u8>>,
    ) -> Self
    where
        N: Into<Vec<u8>>,
        V: Into<Vec<u8>>,
    {
        let body = body.into();
        Self {
            path: path.into(),
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
            content_length: Some(body.len() as u64),
            body: BodySpec::Whole(body),
        }
    }

    /// The same request with its body streamed in chunks of `size` bytes (at least 1), without
    /// `Content-Length` (an empty body has no chunk).
    ///
    /// ```
    /// use qiscus_webhook_testkit::spec::{BodySpec, RequestSpec};
    ///
    /// let spec = RequestSpec::new("/webhook", [("x-a", "1")], "abcde").chunked(2);
    /// assert_eq!(spec.content_length, None);
    /// let chunks = vec![b"ab".to_vec(), b"cd".to_vec(), b"e".to_vec()];
    /// assert_eq!(spec.body, BodySpec::Chunks(chunks));
    /// ```
    #[must_use]
    pub fn chunked(mut self, size: usize) -> Self {
        let bytes = self.body.bytes();
        self.body = BodySpec::Chunks(bytes.chunks(size.max(1)).map(<[u8]>::to_vec).collect());
        self.content_length = None;
        self
    }
}

#[cfg(feature = "http")]
mod to_http;
#[cfg(feature = "http")]
pub use to_http::SpecBody;
