//! The drive loops: a streamed body is verified as the bytes it joins to, reading stops at the
//! chunk that passes the limit, and a failing stream is `body_unreadable` with its error kept.
#![cfg(feature = "stream")]

use std::error::Error as _;
use std::io;

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
    let (bytes, verified) = drive::stream(verification, body).await.unwrap();
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
    let refused = drive::stream(verification, body).await.unwrap_err();
    assert_eq!(refused.error(), Error::BodyTooLarge);
    assert!(refused.source().is_none(), "{refused:?}");
    assert_eq!(read, 2, "reading stops at the chunk that passes the limit");
}

#[tokio::test]
async fn a_failing_stream_is_body_unreadable_with_its_error_as_the_source() {
    let verifier = verifier(64);
    let verification = verifier.begin(verifier.sign(b"ab")).collect_bytes();
    let hang_up = io::Error::new(io::ErrorKind::ConnectionAborted, "client hung up");
    let body = stream::iter([Ok(Bytes::from_static(b"a")), Err(hang_up)]);
    let refused = drive::stream(verification, body).await.unwrap_err();
    assert_eq!(refused.error(), Error::BodyUnreadable);
    assert_eq!(refused.status_code(), 400);
    let source = refused.source().expect("the stream's error is kept");
    assert_eq!(source.to_string(), "client hung up");
}
