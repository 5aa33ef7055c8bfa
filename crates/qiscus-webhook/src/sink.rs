//! Where a [`Verification`](crate::Verification) keeps the body it verifies, if anywhere.
//!
//! A verification feeds every chunk it accepted (within the limit) to its sink; the sink's
//! [`Body`](BodySink::Body) is handed back by
//! [`finish_with_body`](crate::Verification::finish_with_body) only when the signature
//! matched. [`Discard`] keeps nothing, `Vec<u8>` copies every chunk, and `BytesBody` (feature
//! `bytes`) keeps a body that arrives in one `Bytes` chunk without copying it.

use alloc::vec::Vec;

/// Receives the chunks of a body as a [`Verification`](crate::Verification) accepts them.
pub trait BodySink {
    /// What [`finish_with_body`](crate::Verification::finish_with_body) hands back.
    type Body;

    /// Called once before the first chunk, with the body's likely size: its declared
    /// `Content-Length`, never more than the limit (a client can declare any length).
    fn reserve(&mut self, likely_len: usize) {
        let _ = likely_len;
    }

    /// Keeps the next chunk.
    fn keep(&mut self, chunk: &[u8]);

    /// Keeps the next chunk, given as `Bytes` (a sink that can keep it without a copy
    /// overrides this).
    #[cfg(feature = "bytes")]
    fn keep_bytes(&mut self, chunk: bytes::Bytes) {
        self.keep(&chunk);
    }

    /// The body kept so far.
    fn into_body(self) -> Self::Body;
}

/// Keeps nothing: for verifiers that only need the verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl BodySink for Discard {
    type Body = ();

    #[inline]
    fn keep(&mut self, _chunk: &[u8]) {}

    #[cfg(feature = "bytes")]
    #[inline]
    fn keep_bytes(&mut self, _chunk: bytes::Bytes) {}

    fn into_body(self) {}
}

/// Copies every chunk into one buffer.
impl BodySink for Vec<u8> {
    type Body = Vec<u8>;

    fn reserve(&mut self, likely_len: usize) {
        // One spare byte, so that the read that finds the end does not grow the buffer.
        Vec::reserve(self, likely_len.saturating_add(1));
    }

    fn keep(&mut self, chunk: &[u8]) {
        self.extend_from_slice(chunk);
    }

    fn into_body(self) -> Vec<u8> {
        self
    }
}

#[cfg(feature = "bytes")]
pub use self::bytes_body::BytesBody;

#[cfg(feature = "bytes")]
mod bytes_body {
    use bytes::{Bytes, BytesMut};

    use super::BodySink;

    /// Keeps the body as [`Bytes`]: a body that arrives in one chunk is kept as it is, without a
    /// copy; from the second chunk on, chunks are copied into one buffer sized from the
    /// declared length. What the `http-body` and `stream` drive loops use.
    #[derive(Debug, Default)]
    pub struct BytesBody {
        likely_len: usize,
        first: Bytes,
        rest: Option<BytesMut>,
    }

    impl BodySink for BytesBody {
        type Body = Bytes;

        fn reserve(&mut self, likely_len: usize) {
            self.likely_len = likely_len;
        }

        fn keep(&mut self, chunk: &[u8]) {
            self.keep_bytes(Bytes::copy_from_slice(chunk));
        }

        fn keep_bytes(&mut self, chunk: Bytes) {
            if let Some(rest) = &mut self.rest {
                rest.extend_from_slice(&chunk);
            } else if self.first.is_empty() {
                self.first = chunk;
            } else if !chunk.is_empty() {
                let len = self.first.len() + chunk.len();
                let mut rest = BytesMut::with_capacity(self.likely_len.max(len));
                rest.extend_from_slice(&self.first);
                rest.extend_from_slice(&chunk);
                self.rest = Some(rest);
            }
        }

        fn into_body(self) -> Bytes {
            self.rest.map_or(self.first, BytesMut::freeze)
        }
    }
}
