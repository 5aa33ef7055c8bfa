//! The real Qiscus payloads, signed the way the Qiscus docs' Go recipe does
//! (`hmac.New(sha256.New, []byte(token))`, `mac.Write(body)`,
//! `hex.EncodeToString(mac.Sum(nil))`). The expected tags were computed independently, with
//! Python's `hmac` module, over the fixture files byte for byte.

use qiscus_webhook::{Error, Token, Verifier};

const TOKEN: &str = "qiscus-dashboard-signature-token";
const MOBILE_2017: &[u8] = include_bytes!("../../../fixtures/post_comment_mobile_2017.json");
const MULTICHANNEL_2025: &[u8] = include_bytes!("../../../fixtures/multichannel_bot_2025.json");

const VECTORS: [(&str, &[u8], &str); 2] = [
    (
        "post_comment_mobile_2017",
        MOBILE_2017,
        "353643e17c60b74fc5af7fd5ba7d34543b0db34a5abb002d078e4b60682c6b93",
    ),
    (
        "multichannel_bot_2025",
        MULTICHANNEL_2025,
        "7cde8a8e8a2980cc5326e98ccd7bacccc1bd627ae0fa7753858721c8dc28156d",
    ),
];

fn verifier() -> Verifier {
    Verifier::new(Token::new(TOKEN).unwrap())
}

#[test]
fn sign_matches_the_go_recipe_on_real_payloads() {
    for (name, body, tag) in VECTORS {
        assert_eq!(verifier().sign(body).to_string(), tag, "{name}");
    }
}

#[test]
fn real_payloads_verify_as_a_request_would() {
    for (name, body, tag) in VECTORS {
        let upper = tag.to_ascii_uppercase();
        for header in [tag, &upper] {
            let length = body.len().to_string();
            let mut request = verifier()
                .begin_request([header.as_bytes()], Some(length.as_bytes()), None)
                .unwrap();
            request.update(body).unwrap();
            assert!(request.finish().unwrap().is_primary(), "{name}");
        }
    }
}

#[test]
fn re_serialised_bytes_do_not_verify() {
    // Re-encoding a payload (here: the same JSON with a space after one colon) changes the
    // bytes, and so the tag: only the raw body verifies.
    for (name, body, tag) in VECTORS {
        let text = std::str::from_utf8(body).unwrap();
        let reencoded = text.replacen("\":", "\": ", 1);
        let signature = tag.parse().unwrap();
        assert_eq!(
            verifier().verify(reencoded.as_bytes(), &signature),
            Err(Error::SignatureMismatch),
            "{name}"
        );
    }
}
