//! `begin_collecting`: the verified bytes are the bytes pushed, whatever the chunking, and a
//! body in one chunk is not copied.
#![cfg(feature = "bytes")]

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use qiscus_webhook::{Error, Token, Verifier};

fn verifier() -> Verifier {
    Verifier::new(Token::new("collect-token").unwrap()).with_body_limit(2_000)
}

#[test]
fn one_chunk_is_kept_without_a_copy() {
    let verifier = verifier();
    let body = Bytes::from_static(b"{\"type\":\"post_comment_mobile\"}");
    let header = verifier.sign(&body).to_string();
    let mut collecting = verifier
        .begin_collecting([header.as_bytes()], Some(body.len() as u64))
        .unwrap();
    collecting.push(Bytes::new()).unwrap();
    collecting.push(body.clone()).unwrap();
    collecting.push(Bytes::new()).unwrap();
    let (bytes, _) = collecting.finish().unwrap();
    assert_eq!(
        bytes.as_ptr(),
        body.as_ptr(),
        "a single chunk is not copied"
    );
}

#[test]
fn errors_come_from_the_request_rules() {
    let verifier = verifier();
    let header = verifier.sign(b"x").to_string();
    let missing = verifier.begin_collecting(std::iter::empty(), None);
    assert_eq!(missing.unwrap_err(), Error::MissingSignature);
    let declared = verifier.begin_collecting([header.as_bytes()], Some(u64::MAX));
    assert_eq!(declared.unwrap_err(), Error::BodyTooLarge);

    let mut collecting = verifier
        .begin_collecting([header.as_bytes()], None)
        .unwrap();
    assert_eq!(
        collecting.push(Bytes::from(vec![b'x'; 2_001])),
        Err(Error::BodyTooLarge)
    );
    assert_eq!(collecting.finish().unwrap_err(), Error::BodyTooLarge);

    let mut collecting = verifier
        .begin_collecting([header.as_bytes()], None)
        .unwrap();
    collecting.push(Bytes::from_static(b"y")).unwrap();
    assert_eq!(collecting.finish().unwrap_err(), Error::SignatureMismatch);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn the_bytes_are_the_body_under_any_chunking(
        body in vec(any::<u8>(), 0..1_500),
        cuts in vec(any::<usize>(), 0..10),
        declared in any::<bool>(),
    ) {
        let verifier = verifier();
        let header = verifier.sign(&body).to_string();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
        points.extend([0, body.len()]);
        points.sort_unstable();
        let content_length = declared.then_some(body.len() as u64);
        let mut collecting = verifier.begin_collecting([header.as_bytes()], content_length).unwrap();
        for window in points.windows(2) {
            collecting.push(Bytes::copy_from_slice(&body[window[0]..window[1]])).unwrap();
        }
        prop_assert_eq!(collecting.bytes_seen(), body.len());
        let (bytes, verified) = collecting.finish().unwrap();
        prop_assert_eq!(&bytes[..], &body[..]);
        prop_assert!(verified.is_primary());
    }
}
