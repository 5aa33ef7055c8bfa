//! Body sinks: the verified bytes are the bytes fed, whatever the chunking and whichever sink
//! keeps them, and a body in one `Bytes` chunk is not copied.
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
        .begin_request(
            [header.as_bytes()],
            Some(body.len().to_string().as_bytes()),
            None,
        )
        .unwrap()
        .collect_bytes();
    collecting.push(Bytes::new()).unwrap();
    collecting.push(body.clone()).unwrap();
    collecting.push(Bytes::new()).unwrap();
    let (bytes, _) = collecting.finish_with_body().unwrap();
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
    let missing = verifier.begin_request(std::iter::empty(), None, None);
    assert_eq!(missing.unwrap_err(), Error::MissingSignature);
    let declared = verifier.begin_request([header.as_bytes()], Some(b"2001"), None);
    assert_eq!(declared.unwrap_err(), Error::BodyTooLarge);
    // Not `1*DIGIT` within u64: no declared length; the counted bytes decide.
    let past_u64 = verifier.begin_request([header.as_bytes()], Some(b"18446744073709551616"), None);
    assert!(past_u64.is_ok());

    let mut collecting = verifier
        .begin_request([header.as_bytes()], None, None)
        .unwrap()
        .collect_bytes();
    assert_eq!(
        collecting.push(Bytes::from(vec![b'x'; 2_001])),
        Err(Error::BodyTooLarge)
    );
    assert_eq!(
        collecting.finish_with_body().unwrap_err(),
        Error::BodyTooLarge
    );

    let mut collecting = verifier
        .begin_request([header.as_bytes()], None, None)
        .unwrap()
        .collect_bytes();
    collecting.push(Bytes::from_static(b"y")).unwrap();
    assert_eq!(
        collecting.finish_with_body().unwrap_err(),
        Error::SignatureMismatch
    );
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
        let content_length = body.len().to_string();
        let content_length = declared.then_some(content_length.as_bytes());
        let begin = || verifier.begin_request([header.as_bytes()], content_length, None).unwrap();
        let mut collecting = begin().collect_bytes();
        let mut copying = begin().keep_body(Vec::new());
        for window in points.windows(2) {
            let chunk = &body[window[0]..window[1]];
            collecting.push(Bytes::copy_from_slice(chunk)).unwrap();
            copying.update(chunk).unwrap();
        }
        prop_assert_eq!(collecting.bytes_seen(), body.len());
        let (bytes, verified) = collecting.finish_with_body().unwrap();
        prop_assert_eq!(&bytes[..], &body[..]);
        prop_assert!(verified.is_primary());
        let (copied, _) = copying.finish_with_body().unwrap();
        prop_assert_eq!(&copied[..], &body[..]);
    }
}
