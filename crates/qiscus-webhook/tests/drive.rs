//! The drive loop: a streamed body is verified as the bytes it joins to, reading stops at the
//! chunk that passes the limit, a failing stream is `body_unreadable` with its error kept, a
//! body that outlives the deadline is `body_timeout`, and every refusal before the body's end
//! closes the connection.
#![cfg(all(feature = "stream", feature = "tokio-io"))]

use std::error::Error as _;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use qiscus_webhook::{Error, Token, Verifier, drive};

fn verifier(limit: usize) -> Verifier {
    Verifier::new(Token::new("drive-test-token").unwrap()).with_body_limit(limit)
}

fn chunks(parts: &[&'static str]) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> {
    stream::iter(
        parts
            .iter()
            .map(|part| Ok(Bytes::from_static(part.as_bytes()))),
    )
}

#[tokio::test]
async fn chunks_empty_ones_included_are_joined_and_verified() {
    let verifier = verifier(64);
    let verification = verifier
        .begin(verifier.sign(b"hello, world"))
        .collect_bytes();
    let body = chunks(&["hello", ", ", "", "world"]);
    let (bytes, verified) = drive::stream(Ok(verification), body, tokio::time::sleep)
        .await
        .unwrap();
    assert_eq!(
        (&bytes[..], verified.token_index()),
        (&b"hello, world"[..], 0)
    );
}

#[tokio::test]
async fn reading_stops_at_the_chunk_that_passes_the_limit() {
    let verifier = verifier(4);
    let verification = verifier.begin(verifier.sign(b"12345")).collect_bytes();
    let mut read = 0;
    let body = chunks(&["123", "45", "never read"]).inspect(|_| read += 1);
    let refused = drive::stream(Ok(verification), body, tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::BodyTooLarge);
    assert!(refused.closes_connection(), "the rest is not drained");
    assert!(refused.source().is_none(), "{refused:?}");
    assert_eq!(read, 2, "reading stops at the chunk that passes the limit");
}

#[tokio::test]
async fn a_failing_stream_is_body_unreadable_with_its_error_as_the_source() {
    let verifier = verifier(64);
    let verification = verifier.begin(verifier.sign(b"ab")).collect_bytes();
    let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
    let body = stream::iter([Ok(Bytes::from_static(b"a")), Err(hang_up)]);
    let refused = drive::stream(Ok(verification), body, tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::BodyUnreadable);
    assert_eq!(refused.status_code(), 400);
    let source = refused.source().expect("the stream's error is kept");
    assert_eq!(source.to_string(), "client hung up");
}

#[tokio::test(start_paused = true)]
async fn a_body_that_outlives_the_deadline_is_body_timeout_and_closes() {
    let verifier = verifier(64).with_body_timeout(Duration::from_secs(5));
    let verification = verifier.begin(verifier.sign(b"ab")).collect_bytes();
    // One byte, then the client stalls forever.
    let body = chunks(&["a"]).chain(stream::pending());
    let started = tokio::time::Instant::now();
    let refused = drive::stream(Ok(verification), body, tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(
        (refused.error(), refused.status_code()),
        (Error::BodyTimeout, 408)
    );
    assert!(refused.closes_connection());
    // Paused time: exactly the verifier's deadline went by, no more.
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test]
async fn a_refusal_on_the_header_is_reported_and_closes_without_reading() {
    let verifier = verifier(64);
    let mut polled = false;
    let body = chunks(&["never read"]).inspect(|_| polled = true);
    let started = verifier.begin_request(std::iter::empty(), None, None);
    let refused = drive::stream(started.map(|v| v.collect_bytes()), body, tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::MissingSignature);
    assert!(refused.closes_connection());
    assert!(!polled, "no byte of the body is read");
}

#[tokio::test]
async fn a_mismatch_after_the_whole_body_keeps_the_connection() {
    let verifier = verifier(64);
    let verification = verifier.begin(verifier.sign(b"other")).collect_bytes();
    let refused = drive::stream(Ok(verification), chunks(&["ab"]), tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::SignatureMismatch);
    assert!(!refused.closes_connection(), "the body was read to its end");
}

#[tokio::test]
async fn an_async_read_body_is_read_whole_at_the_limit_and_refused_past_it() {
    let verifier = verifier(20_000);
    let body = vec![b'x'; 20_000];
    let started = Ok(verifier.begin(verifier.sign(&body)).keep_body(Vec::new()));
    let (kept, _) = drive::async_read(started, &body[..], tokio::time::sleep)
        .await
        .unwrap();
    assert_eq!(kept, body, "exactly at the limit, in several reads");

    let over = vec![b'x'; 20_001];
    let started = Ok(verifier.begin(verifier.sign(&over)).keep_body(Vec::new()));
    let refused = drive::async_read(started, &over[..], tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::BodyTooLarge);
}

#[tokio::test]
async fn a_failing_reader_is_body_unreadable() {
    struct HangsUp;
    impl tokio::io::AsyncRead for HangsUp {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            _: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            std::task::Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")))
        }
    }
    let verifier = verifier(64);
    let started = Ok(verifier.begin(verifier.sign(b"")).keep_body(Vec::new()));
    let refused = drive::async_read(started, HangsUp, tokio::time::sleep)
        .await
        .unwrap_err();
    assert_eq!(refused.error(), Error::BodyUnreadable);
    assert_eq!(
        refused.source().map(ToString::to_string).as_deref(),
        Some("reset")
    );
}

/// `drive::read`: the blocking loop, for a file or standard input.
#[cfg(feature = "io")]
mod blocking {
    use super::*;

    #[test]
    fn a_body_in_several_reads_at_the_limit_is_verified_and_one_byte_more_is_not() {
        // 200 KiB: several reads of the loop's 64 KiB.
        let verifier = verifier(200 * 1024);
        let body = vec![b'x'; 200 * 1024];
        let started = Ok(verifier.begin(verifier.sign(&body)).keep_body(Vec::new()));
        let (kept, verified) = drive::read(started, &body[..]).unwrap();
        assert_eq!((kept.len(), verified.token_index()), (body.len(), 0));
        assert_eq!(kept, body);

        let over = vec![b'x'; 200 * 1024 + 1];
        let started = Ok(verifier.begin(verifier.sign(&over)));
        let refused = drive::read(started, &over[..]).unwrap_err();
        assert_eq!(refused.error(), Error::BodyTooLarge);
        assert!(refused.closes_connection());
    }

    #[test]
    fn a_refusal_on_the_header_reads_nothing() {
        let verifier = verifier(64);
        let mut body = &b"never read"[..];
        let refused = drive::read(verifier.begin_request([], None, None), &mut body).unwrap_err();
        assert_eq!(refused.error(), Error::MissingSignature);
        assert_eq!(body, b"never read");
    }

    #[test]
    fn a_failing_read_is_body_unreadable_and_interrupted_reads_are_retried() {
        /// Interrupted once (retried), then broken.
        struct Flaky {
            interrupted: bool,
        }
        impl io::Read for Flaky {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.interrupted, true) {
                    Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"))
                } else {
                    Err(io::ErrorKind::Interrupted.into())
                }
            }
        }
        let verifier = verifier(64);
        let reader = Flaky { interrupted: false };
        let started = Ok(verifier.begin(verifier.sign(b"")));
        let refused = drive::read(started, reader).unwrap_err();
        assert_eq!(refused.error(), Error::BodyUnreadable);
        assert_eq!(
            refused.source().map(ToString::to_string).as_deref(),
            Some("gone")
        );
    }

    #[test]
    fn a_mismatch_after_the_whole_body_keeps_the_connection() {
        let verifier = verifier(64);
        let started = Ok(verifier.begin(verifier.sign(b"other")));
        let refused = drive::read(started, &b"ab"[..]).unwrap_err();
        assert_eq!(refused.error(), Error::SignatureMismatch);
        assert!(!refused.closes_connection());
    }
}
