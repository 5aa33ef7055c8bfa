//! `http` 1.x: a [`RequestSpec`] as an `http::Request`, and an `http::Response` as a
//! [`Reply`] (feature `http`).

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use super::{BodySpec, RequestSpec};
use crate::conformance::{Case, Reply};

/// The body of [`RequestSpec::into_http`]'s request: an `http_body::Body` that yields the
/// spec's bytes whole or in its chunks, then ends, or (for [`BodySpec::Interrupted`]) fails
/// with an [`io::ErrorKind::ConnectionAborted`] error instead of ending, as a client hanging
/// up mid-body does.
///
/// `Send + Sync + Unpin + 'static`: axum takes it as `axum::body::Body::new(body)`,
/// `warp::service` and hyper as it is.
#[derive(Debug)]
pub struct SpecBody {
    chunks: VecDeque<Bytes>,
    whole: bool,
    fails: bool,
}

impl SpecBody {
    fn new(body: BodySpec) -> Self {
        let (chunks, whole, fails) = match body {
            BodySpec::Whole(bytes) if bytes.is_empty() => (Vec::new(), true, false),
            BodySpec::Whole(bytes) => (vec![bytes], true, false),
            BodySpec::Chunks(chunks) => (chunks, false, false),
            BodySpec::Interrupted(chunks) => (chunks, false, true),
        };
        Self {
            chunks: chunks.into_iter().map(Bytes::from).collect(),
            whole,
            fails,
        }
    }
}

impl http_body::Body for SpecBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if std::mem::take(&mut self.fails) {
            let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "the client hung up");
            return Poll::Ready(Some(Err(hang_up)));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty() && !self.fails
    }

    /// Exact for a whole body (as `Content-Length` would say), unknown for a streamed one.
    fn size_hint(&self) -> SizeHint {
        if self.whole {
            SizeHint::with_exact(self.chunks.iter().map(|chunk| chunk.len() as u64).sum())
        } else {
            SizeHint::default()
        }
    }
}

impl RequestSpec {
    /// As an `http` 1.x request: `POST` to the path, the header fields in order (repeated
    /// names kept; `http` spells every name in lowercase), then `content-length` if the spec
    /// has one, and a [`SpecBody`].
    ///
    /// ```
    /// use http_body::Body;
    /// use qiscus_webhook_testkit::conformance;
    ///
    /// let case = conformance::case("webhook/duplicate_names_differ_in_case");
    /// let request = case.request().into_http()?;
    /// assert_eq!(request.headers().get_all("qiscus-sdk-signature").iter().count(), 2);
    /// assert_eq!(request.headers()["content-length"], case.body.len().to_string());
    /// assert_eq!(request.body().size_hint().exact(), Some(case.body.len() as u64));
    /// # Ok::<(), http::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When a header name or value is not valid in `http` (e.g. a name with a space), or the
    /// path is not a valid URI path.
    pub fn into_http(self) -> Result<http::Request<SpecBody>, http::Error> {
        let mut builder = http::Request::post(self.path);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_slice(), value.as_slice());
        }
        if let Some(len) = self.content_length {
            builder = builder.header(CONTENT_LENGTH, len);
        }
        builder.body(SpecBody::new(self.body))
    }
}

impl Case {
    /// [`Case::request`] as an `http` 1.x request ([`RequestSpec::into_http`]), for an app
    /// that takes them (axum's `Router`, `warp::service`, any tower `Service`).
    ///
    /// ```
    /// use qiscus_webhook_testkit::conformance;
    ///
    /// for case in conformance::cases().iter().chain(&conformance::unconfigured_cases()) {
    ///     assert_eq!(case.http_request().uri().path(), case.path());
    /// }
    /// ```
    #[must_use]
    pub fn http_request(&self) -> http::Request<SpecBody> {
        self.request()
            .into_http()
            // Every case's path, names and values are valid in `http`: the doctest above and
            // the unit test `every_case_is_a_valid_http_request` convert each one.
            .unwrap_or_else(|error| panic!("{}: not a valid http request: {error}", self.name))
    }
}

impl Reply {
    /// An `http` 1.x response as a [`Reply`]: its status, `content-type` (when UTF-8) and
    /// whole body.
    ///
    /// # Errors
    ///
    /// The body's error, if reading it fails.
    pub async fn from_http<B>(response: http::Response<B>) -> Result<Self, B::Error>
    where
        B: http_body::Body,
    {
        let (parts, body) = response.into_parts();
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(String::from);
        Ok(Self {
            status: parts.status.as_u16(),
            content_type,
            body: body.collect().await?.to_bytes().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;

    use super::*;
    use crate::conformance::{self, Transfer};

    /// Every frame of `body`, and whether it ended (`true`) or failed (`false`).
    async fn frames(mut body: SpecBody) -> (Vec<Bytes>, bool) {
        let mut data = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => data.push(frame.into_data().expect("only data frames")),
                Err(_) => return (data, false),
            }
        }
        (data, true)
    }

    #[tokio::test]
    async fn every_case_is_a_valid_http_request_with_its_body_as_sent() {
        let all = conformance::cases()
            .into_iter()
            .chain(conformance::unconfigured_cases());
        for case in all {
            let request = case.http_request();
            assert_eq!(request.method(), http::Method::POST, "{}", case.name);
            let lengths = request.headers().get_all(CONTENT_LENGTH);
            let lengths: Vec<_> = lengths.iter().collect();
            match case.content_length() {
                Some(len) => assert_eq!(lengths, [&len.to_string()], "{}", case.name),
                None => assert!(lengths.is_empty(), "{}", case.name),
            }
            let whole = matches!(
                case.transfer,
                Transfer::ContentLength | Transfer::DeclaredLength(_)
            );
            let hint = request.body().size_hint().exact();
            assert_eq!(
                hint,
                whole.then_some(case.body.len() as u64),
                "{}",
                case.name
            );
            let (data, ended) = frames(request.into_body()).await;
            assert_eq!(data.concat(), case.body, "{}", case.name);
            assert_eq!(
                ended,
                case.transfer != Transfer::Interrupted,
                "{}",
                case.name
            );
            if !whole {
                assert_eq!(data.len(), case.chunks().count(), "{}", case.name);
            }
        }
    }

    #[test]
    fn an_invalid_header_name_is_an_error() {
        let spec = RequestSpec::new("/webhook", [("bad name", "v")], "");
        assert!(spec.into_http().is_err());
    }

    #[tokio::test]
    async fn a_reply_from_an_http_response() {
        let response = http::Response::builder()
            .status(413)
            .header(CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        let reply = Reply::from_http(response).await.unwrap();
        assert_eq!(
            reply,
            Reply {
                status: 413,
                content_type: Some("application/json".into()),
                body: b"{}".to_vec(),
            }
        );
    }
}
