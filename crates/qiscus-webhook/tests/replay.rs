//! The replay guard's policy: the freshness window at its edges (inclusive), far futures, no
//! event time, the expiry it computes, the two key policies, and `Rejection`'s `Retry-After`.
#![cfg(feature = "replay")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use qiscus_webhook::events::{EventTime, event_time};
use qiscus_webhook::replay::{
    DEFAULT_MAX_AGE, DUPLICATE_BODY, DUPLICATE_STATUS, DeliveryKey, Expiry, Freshness, KeyPolicy,
};
use qiscus_webhook::{Error, Rejection, Signature, Token, Verified, Verifier};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(1_000)
}

const NANOS: i128 = 1_000_000_000;

/// A `SystemTime` from nanoseconds since the epoch (non-negative).
fn at(unix_nanos: i128) -> SystemTime {
    let nanos = u64::try_from(unix_nanos).expect("after the epoch");
    UNIX_EPOCH + Duration::from_nanos(nanos)
}

fn nanos_of(duration: Duration) -> i128 {
    i128::try_from(duration.as_nanos()).unwrap()
}

/// An event time `offset` nanoseconds from `now` (which is after the epoch).
fn event_at(now: i128, offset: i128) -> EventTime {
    EventTime::from(at(now + offset))
}

/// "Now": any instant from 2001 to 2096, to the nanosecond.
fn now() -> impl Strategy<Value = i128> {
    (1_000_000_000i128 * NANOS)..(4_000_000_000i128 * NANOS)
}

/// A window from 0 to ~11.5 days, to the nanosecond.
fn max_age() -> impl Strategy<Value = Duration> {
    (0u64..1_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n))
}

proptest! {
    #![proptest_config(config())]

    /// Both ends of the window are inside; one nanosecond beyond either is stale.
    #[test]
    fn the_window_is_inclusive_to_the_nanosecond(now in now(), max_age in max_age()) {
        let window = Freshness::new(max_age);
        let edge = nanos_of(max_age);
        let now_time = at(now);
        prop_assert!(window.is_fresh(event_at(now, -edge), now_time));
        prop_assert!(window.is_fresh(event_at(now, edge), now_time));
        prop_assert!(window.is_fresh(event_at(now, 0), now_time));
        prop_assert!(!window.is_fresh(event_at(now, -edge - 1), now_time));
        prop_assert!(!window.is_fresh(event_at(now, edge + 1), now_time));
        prop_assert_eq!(
            window.check(Some(event_at(now, -edge - 1)), now_time),
            Err(Error::StaleEvent)
        );
        prop_assert_eq!(
            window.check(Some(event_at(now, edge + 1)), now_time),
            Err(Error::StaleEvent)
        );
    }

    /// `check` against a model: fresh iff |event - now| <= max_age, and then remembered until
    /// event + max_age.
    #[test]
    fn check_agrees_with_the_model(
        now in now(),
        max_age in max_age(),
        offset in -3_000_000i128 * NANOS..3_000_000i128 * NANOS,
    ) {
        let window = Freshness::new(max_age);
        let event = event_at(now, offset);
        let fresh = offset.abs() <= nanos_of(max_age);
        match window.check(Some(event), at(now)) {
            Ok(expiry) => {
                prop_assert!(fresh);
                prop_assert_eq!(expiry.unix_nanos(), now + offset + nanos_of(max_age));
                prop_assert_eq!(expiry.to_system_time(), Some(at(now + offset) + max_age));
            }
            Err(error) => {
                prop_assert!(!fresh);
                prop_assert_eq!(error, Error::StaleEvent);
                prop_assert_eq!(error.status_code(), 401);
            }
        }
    }

    /// The point of the expiry: once it has passed, a replay of the same event is stale, so
    /// forgetting the delivery then reopens nothing; until then it is remembered.
    #[test]
    fn after_the_expiry_a_replay_is_stale(
        now in now(),
        max_age in max_age(),
        offset_share in -1.0f64..=1.0,
        later in 0i128..4_000_000i128 * NANOS,
    ) {
        let window = Freshness::new(max_age);
        // Truncation toward zero keeps the offset within the window.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let offset = (offset_share * nanos_of(max_age) as f64) as i128;
        let event = event_at(now, offset);
        let expiry = window.check(Some(event), at(now)).expect("inside the window");
        let replayed = at(now + later);
        if expiry.is_past(replayed) {
            prop_assert!(!window.is_fresh(event, replayed));
            prop_assert_eq!(window.check(Some(event), replayed), Err(Error::StaleEvent));
            prop_assert_eq!(expiry.remaining(replayed), Duration::ZERO);
        } else {
            prop_assert_eq!(
                nanos_of(expiry.remaining(replayed)),
                expiry.unix_nanos() - (now + later)
            );
        }
    }

    /// No event time: never stale, remembered for max_age from the arrival.
    #[test]
    fn no_event_time_is_deduplicated_only(now in now(), max_age in max_age()) {
        let window = Freshness::new(max_age);
        let expiry = window.check(None, at(now)).expect("never stale");
        prop_assert_eq!(expiry.unix_nanos(), now + nanos_of(max_age));
        prop_assert_eq!(expiry.remaining(at(now)), max_age);
        prop_assert_eq!(expiry, Expiry::after(at(now), max_age));
    }

    /// Far from now, in either direction, by any unit the magnitude rule reads: stale, and no
    /// arithmetic overflows.
    #[test]
    fn far_times_are_stale(now in now(), raw in any::<i64>()) {
        let window = Freshness::default();
        let event = EventTime::from_unix_nano_timestamp(raw);
        let distance = (event.unix_nanos() - now).abs();
        let result = window.check(Some(event), at(now));
        prop_assert_eq!(result.is_ok(), distance <= nanos_of(DEFAULT_MAX_AGE));
    }

    /// `Retry-After` is the duration rounded up to whole seconds, at least 1.
    #[test]
    fn retry_after_rounds_up(seconds in 0u64..1_000_000, nanos in 0u32..1_000_000_000) {
        let after = Duration::new(seconds, nanos);
        let rejection = Rejection::from(Error::DeliveryInProgress).with_retry_after(after);
        let header = rejection.retry_after_secs().expect("set");
        prop_assert!(header >= 1);
        prop_assert!(u128::from(header) * 1_000_000_000 >= after.as_nanos());
        prop_assert!(header == 1 || u128::from(header - 1) * 1_000_000_000 < after.as_nanos());
        prop_assert_eq!(rejection.retry_after(), Some(after));
    }

    /// Signature keys: the same bytes under the same token are one delivery; another body or
    /// another token is another delivery.
    #[test]
    fn signature_keys_follow_the_bytes(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        other in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let key = |token: &str, body: &[u8]| KeyPolicy::Signature.key(&signed(token, body), body);
        prop_assert_eq!(key("current", &body), key("current", &body));
        prop_assert_ne!(key("current", &body), key("previous", &body));
        if body != other {
            prop_assert_ne!(key("current", &body), key("current", &other));
        }
    }

    /// Event keys: the type and message id, whatever else the bytes say.
    #[test]
    fn event_keys_follow_type_and_id(
        event_type in "[a-z_]{1,20}",
        id in 0u64..u64::MAX,
        text_a in "[a-z ]{0,20}",
        text_b in "[a-z ]{0,20}",
    ) {
        let body = |text: &str, id: &str| {
            format!(
                r#"{{"payload":{{"message":{{"id":{id},"text":"{text}"}}}},"type":"{event_type}"}}"#
            )
        };
        let a = body(&text_a, &id.to_string());
        let b = body(&text_b, &format!("\"{id}\""));
        let (va, vb) = (signed("t", a.as_bytes()), signed("t", b.as_bytes()));
        let expected = DeliveryKey::from_event(&event_type, &id.to_string());
        prop_assert_eq!(KeyPolicy::EventAndMessageId.key(&va, a.as_bytes()), expected);
        prop_assert_eq!(KeyPolicy::EventAndMessageId.key(&vb, b.as_bytes()), expected);
        // Under the default policy, they are as different as their bytes.
        if a != b {
            prop_assert_ne!(
                KeyPolicy::Signature.key(&va, a.as_bytes()),
                KeyPolicy::Signature.key(&vb, b.as_bytes())
            );
        }
    }

    /// Length prefixes: moving characters between the type and the id changes the key.
    #[test]
    fn event_key_parts_do_not_run_together(joined in "[a-z0-9]{2,30}", cut in 1usize..29) {
        let cut = cut.min(joined.len() - 1);
        let (event_type, id) = joined.split_at(cut);
        let other_cut = if cut == 1 { 2.min(joined.len() - 1) } else { cut - 1 };
        if other_cut != cut {
            let (other_type, other_id) = joined.split_at(other_cut);
            prop_assert_ne!(
                DeliveryKey::from_event(event_type, id),
                DeliveryKey::from_event(other_type, other_id)
            );
        }
    }
}

/// `body` signed with `token` and verified: the proof the replay guard keys by.
fn signed(token: &str, body: &[u8]) -> Verified {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(body);
    let signature = Signature::from(<[u8; 32]>::from(mac.finalize().into_bytes()));
    Verifier::new(Token::new(token).unwrap())
        .verify(body, &signature)
        .expect("signed with the verifier's token")
}

#[test]
fn the_event_policy_falls_back_to_the_signature() {
    for body in [
        &b"not json"[..],
        br#"{"payload":{"message":{"id":1}}}"#,
        br#"{"type":"post_comment_mobile","payload":{"message":{}}}"#,
        br#"{"type":"post_comment_mobile","payload":{"message":{"id":""}}}"#,
        br#"{"type":"","payload":{"message":{"id":1}}}"#,
        br#"{"type":5,"payload":{"message":{"id":1}}}"#,
        br#"{"type":"x","payload":[]}"#,
    ] {
        let verified = signed("t", body);
        assert_eq!(
            KeyPolicy::event_key(body),
            None,
            "{}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(
            KeyPolicy::EventAndMessageId.key(&verified, body),
            DeliveryKey::from_signature(verified.signature())
        );
    }
    // `id_str` when there is no `id`; `id` first when there are both.
    let id_str = br#"{"type":"x","payload":{"message":{"id_str":"42"}}}"#;
    assert_eq!(
        KeyPolicy::event_key(id_str),
        Some(DeliveryKey::from_event("x", "42"))
    );
    let both = br#"{"type":"x","payload":{"message":{"id":7,"id_str":"42"}}}"#;
    assert_eq!(
        KeyPolicy::event_key(both),
        Some(DeliveryKey::from_event("x", "7"))
    );
}

#[test]
fn the_real_payloads() {
    let multichannel = include_bytes!("../../../fixtures/multichannel_bot_2025.json");
    let sdk = include_bytes!("../../../fixtures/post_comment_mobile_2017.json");
    let window = Freshness::default();
    for body in [&multichannel[..], &sdk[..]] {
        let sent = event_time(body).expect("both fixtures carry an event time");
        let sent_at = sent.to_system_time().unwrap();
        let expiry = window
            .check(Some(sent), sent_at + Duration::from_secs(299))
            .unwrap();
        assert_eq!(expiry.to_system_time(), Some(sent_at + DEFAULT_MAX_AGE));
        assert_eq!(
            window.check(Some(sent), sent_at + Duration::from_secs(301)),
            Err(Error::StaleEvent)
        );
        // Years later (now): stale.
        assert_eq!(
            window.check(Some(sent), SystemTime::now()),
            Err(Error::StaleEvent)
        );
        assert!(KeyPolicy::event_key(body).is_some());
    }
}

#[test]
fn keys_show_as_hex_and_debug_shows_little() {
    let body = br#"{"type":"x"}"#;
    let verified = signed("t", body);
    let key = KeyPolicy::Signature.key(&verified, body);
    let hex = key.to_string();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(hex, hex::encode(key.as_bytes()));
    assert_eq!(DeliveryKey::from_bytes(*key.as_bytes()), key);
    let debug = format!("{key:?}");
    assert_eq!(debug, format!("DeliveryKey({}…)", &hex[..8]));
    // The key is a hash of the signature, never the signature itself.
    let signature = hex::encode(verified.signature().as_bytes());
    assert_ne!(hex, signature);
    assert!(!debug.contains(&signature[..8]));
    // Domain separation: a signature key and an event key of the same 32 bytes differ.
    assert_ne!(
        DeliveryKey::from_signature(&Signature::from([0; 32])),
        DeliveryKey::from_event("", "")
    );
}

#[test]
fn the_window_is_clamped_and_defaults_to_five_minutes() {
    assert_eq!(Freshness::default().max_age(), Duration::from_secs(300));
    assert_eq!(DEFAULT_MAX_AGE, Duration::from_secs(300));
    assert_eq!(Freshness::new(Duration::MAX).max_age(), Freshness::LONGEST);
    // The longest window still computes representable expiries.
    let now = SystemTime::now();
    let longest = Freshness::new(Duration::MAX);
    let future = EventTime::from(now + Freshness::LONGEST);
    let expiry = longest.check(Some(future), now).unwrap();
    assert_eq!(
        expiry.to_system_time(),
        Some(now + Freshness::LONGEST + Freshness::LONGEST)
    );
    // A zero window admits only the very instant.
    let zero = Freshness::new(Duration::ZERO);
    assert!(zero.is_fresh(EventTime::from(now), now));
    assert!(!zero.is_fresh(EventTime::from(now + Duration::from_nanos(1)), now));
}

#[test]
fn the_new_rows() {
    assert_eq!(DUPLICATE_STATUS, 200);
    assert_eq!(DUPLICATE_BODY, r#"{"status":"duplicate"}"#);
    let parsed: serde_json::Value = serde_json::from_str(DUPLICATE_BODY).unwrap();
    assert_eq!(parsed["status"], "duplicate");
    for (error, status, body) in [
        (Error::StaleEvent, 401, r#"{"error":"stale_event"}"#),
        (
            Error::DeliveryInProgress,
            409,
            r#"{"error":"delivery_in_progress"}"#,
        ),
        (
            Error::ReplayStoreUnavailable,
            503,
            r#"{"error":"replay_store_unavailable"}"#,
        ),
    ] {
        let rejection = Rejection::from(error).with_retry_after(Duration::from_millis(1));
        assert_eq!(rejection.status_code(), status);
        assert_eq!(rejection.response_body(), body);
        assert_eq!(rejection.retry_after_secs(), Some(1));
        assert!(format!("{rejection:?}").contains("retry_after"));
    }
    assert_eq!(Rejection::from(Error::StaleEvent).retry_after(), None);
}
