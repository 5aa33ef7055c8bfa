//! Signing bodies the way Qiscus does: lowercase hex of HMAC-SHA256(token, raw body).

use sha2::{Digest, Sha256};

use qiscus_webhook::SIGNATURE_HEADER;

/// SHA-256's block size: HMAC pads (or hashes) the key to it.
const BLOCK: usize = 64;

/// Signs `body` with `token` as Qiscus does: lowercase hex of HMAC-SHA256, 64 digits.
///
/// Computed here from SHA-256 (RFC 2104), independently of `qiscus_webhook`, so that tests
/// built on this crate do not trust the code they test. Any token is accepted, even an empty
/// one (which no verifier accepts).
///
/// ```
/// // RFC 4231, test case 2.
/// assert_eq!(
///     qiscus_webhook_testkit::sign("Jefe", "what do ya want for nothing?"),
///     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
/// );
/// ```
#[must_use]
pub fn sign(token: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> String {
    hex::encode(hmac_sha256(token.as_ref(), body.as_ref()))
}

/// The signature header for `body` signed with `token`: `(name, value)`, name lowercase.
///
/// ```
/// use qiscus_webhook_testkit::signature_header;
///
/// let (name, value) = signature_header("token", b"{}");
/// assert_eq!(name, "qiscus-sdk-signature");
/// assert_eq!(value.len(), 64);
/// ```
#[must_use]
pub fn signature_header(token: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> (&'static str, String) {
    (SIGNATURE_HEADER, sign(token, body))
}

/// HMAC-SHA256 (RFC 2104) from SHA-256.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(block.map(|b| b ^ 0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(block.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_vectors() {
        // Test case 1: 20-byte key.
        assert_eq!(
            sign([0x0b; 20], "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            sign(
                [0xaa; 131],
                "Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn agrees_with_the_core() {
        use qiscus_webhook::{Token, Verifier};
        let body = br#"{"type":"post_comment_mobile"}"#;
        for token in [
            "t",
            "a-64-byte-token-0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            let verifier = Verifier::new(Token::new(token).expect("non-empty"));
            assert_eq!(sign(token, body), verifier.sign(body).to_string());
        }
    }
}
