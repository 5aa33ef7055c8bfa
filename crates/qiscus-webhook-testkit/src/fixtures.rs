//! Real Qiscus webhook bodies, byte for byte as sent (this crate's `fixtures/`, copies of the
//! repository's).

/// A `post_comment_mobile` event from the Qiscus SDK (2017): integer ids, a
/// `button_postback_response` message.
pub const POST_COMMENT_MOBILE_2017: &[u8] =
    include_bytes!("../fixtures/post_comment_mobile_2017.json");

/// A `post_comment_mobile` event from Qiscus Multichannel (2025): string ids (`id_str`), a
/// `unix_nano_timestamp` in milliseconds (`1752212797000`, despite the name), `null` extras
/// and payload.
pub const MULTICHANNEL_BOT_2025: &[u8] = include_bytes!("../fixtures/multichannel_bot_2025.json");

/// Every sample event, with a name for test output and its event type.
///
/// ```
/// for (name, event_type, body) in qiscus_webhook_testkit::fixtures::ALL {
///     assert!(!body.is_empty(), "{name}");
///     assert_eq!(event_type, "post_comment_mobile");
/// }
/// ```
pub const ALL: [(&str, &str, &[u8]); 2] = [
    (
        "post_comment_mobile_2017",
        "post_comment_mobile",
        POST_COMMENT_MOBILE_2017,
    ),
    (
        "multichannel_bot_2025",
        "post_comment_mobile",
        MULTICHANNEL_BOT_2025,
    ),
];
