//! RFC 4231 HMAC-SHA256 test cases 1-7, through the public API only.

use qiscus_webhook::{Error, Signature, Token, Verifier};

struct Case {
    key: Vec<u8>,
    data: Vec<u8>,
    /// Expected tag in hex; case 5 gives only the first 128 bits.
    tag: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            key: vec![0x0b; 20],
            data: b"Hi There".to_vec(),
            tag: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        },
        Case {
            key: b"Jefe".to_vec(),
            data: b"what do ya want for nothing?".to_vec(),
            tag: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        },
        Case {
            key: vec![0xaa; 20],
            data: vec![0xdd; 50],
            tag: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        },
        Case {
            key: (1..=25).collect(),
            data: vec![0xcd; 50],
            tag: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        },
        Case {
            key: vec![0x0c; 20],
            data: b"Test With Truncation".to_vec(),
            tag: "a3b6167473100ee06e0c796c2955552b",
        },
        Case {
            key: vec![0xaa; 131],
            data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            tag: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        },
        Case {
            key: vec![0xaa; 131],
            data:
                b"This is a test using a larger than block-size key and a larger than block-size \
                   data. The key needs to be hashed before being used by the HMAC algorithm."
                    .to_vec(),
            tag: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        },
    ]
}

#[test]
fn sign_reproduces_every_rfc_4231_tag() {
    for (n, case) in cases().into_iter().enumerate() {
        let verifier = Verifier::new(Token::new(&case.key).unwrap());
        let signed = verifier.sign(&case.data).to_string();
        assert!(signed.starts_with(case.tag), "RFC 4231 case {}", n + 1);
    }
}

#[test]
fn verify_accepts_every_full_length_rfc_4231_tag() {
    for (n, case) in cases().into_iter().enumerate() {
        if case.tag.len() != 64 {
            continue; // case 5 is truncated: a 128-bit tag is malformed under our grammar
        }
        let verifier = Verifier::new(Token::new(&case.key).unwrap());
        let signature: Signature = case.tag.parse().unwrap();
        let verified = verifier.verify(&case.data, &signature);
        assert_eq!(verified.map(|v| v.token_index()), Ok(0), "case {}", n + 1);
    }
}

#[test]
fn a_truncated_tag_is_malformed_not_accepted() {
    let truncated = &cases()[4];
    assert!(matches!(
        qiscus_webhook::header::signature_from_header_values([truncated.tag.as_bytes()]),
        Err(Error::MalformedSignature(_))
    ));
}
