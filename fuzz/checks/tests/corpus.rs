//! Every check over the committed corpus, on stable: `fuzz/corpus/<target>/seed-*`.
//!
//! The seeds are written by [`seeds`] below (real fixtures, valid and invalid signatures, in
//! each target's input format); `seeds_are_committed` fails when a file is missing or stale,
//! and `QISCUS_FUZZ_BLESS=1 cargo test -p qiscus-webhook-fuzz-checks --test corpus` writes
//! them. An input the fuzzer found failing is committed as `seed-crash-<what>` next to them
//! and runs here forever after.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use qiscus_webhook_fuzz_checks::{
    ContentLength, SignatureSource, TARGETS, VerifyInput, encode_header_values, reference,
};

const MOBILE_2017: &[u8] = include_bytes!("../../../fixtures/post_comment_mobile_2017.json");
const MULTICHANNEL_2025: &[u8] = include_bytes!("../../../fixtures/multichannel_bot_2025.json");
const TOKEN: &[u8] = b"corpus-current-token";
const PREVIOUS_TOKEN: &[u8] = b"corpus-previous-token";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn lower(tag: [u8; 32]) -> Vec<u8> {
    hex::encode(tag).into_bytes()
}

/// The seed corpus: `(target, file name, input)`.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let tag = reference::sign(TOKEN, MOBILE_2017);
    let valid = lower(tag);
    let upper = hex::encode_upper(tag).into_bytes();
    let with = |parts: &[&[u8]]| parts.concat();

    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: &str, input: Vec<u8>| {
        seeds.push((target, format!("seed-{name}"), input));
    };

    // signature_parse: one header value.
    let parse = "signature_parse";
    add(parse, "valid-lowercase", valid.clone());
    add(
        parse,
        "valid-uppercase-padded",
        with(&[b" \t", &upper, b"\t "]),
    );
    add(parse, "sha256-prefix", with(&[b"sha256=", &valid]));
    add(parse, "63-digits", valid[..63].to_vec());
    add(parse, "65-digits", with(&[&valid, b"0"]));
    add(
        parse,
        "inner-space",
        with(&[&valid[..32], b" ", &valid[33..]]),
    );
    add(parse, "non-hex", with(&[&valid[..63], b"g"]));
    add(parse, "non-ascii", with(&[&valid[..62], "é".as_bytes()]));
    add(parse, "empty", Vec::new());
    add(parse, "whitespace-only", b" \t \t".to_vec());
    add(parse, "newline-padding", with(&[&valid, b"\r\n"]));

    // header_rule: values, each ended by a line feed.
    let rule = "header_rule";
    add(rule, "none", Vec::new());
    add(rule, "one-valid", encode_header_values(&[&valid]));
    add(rule, "one-empty", encode_header_values(&[b""]));
    add(
        rule,
        "one-malformed",
        encode_header_values(&[&with(&[b"sha256=", &valid])]),
    );
    add(rule, "two-equal", encode_header_values(&[&valid, &valid]));
    add(
        rule,
        "valid-and-empty",
        encode_header_values(&[&valid, b""]),
    );
    add(rule, "three", encode_header_values(&[b"a", &upper, &valid]));
    // Each value is also read as a Content-Length: the grammar's edges.
    add(
        rule,
        "content-length-edges",
        encode_header_values(&[
            b"5",
            b"05",
            b" \t5\t ",
            b"+5",
            b"-5",
            b"5, 5",
            b"",
            b"\r5",
            b"\x0c5\x0b",
            "\u{a0}5".as_bytes(),
            b"18446744073709551615",
            b"18446744073709551616",
        ]),
    );

    // differential_verify: tokens, signature, limit, chunks, body.
    let diff = "differential_verify";
    let case = |body: &[u8], signature| VerifyInput {
        tokens: vec![TOKEN.to_vec(), PREVIOUS_TOKEN.to_vec()],
        signature,
        uppercase: false,
        padded: false,
        content_length: ContentLength::True,
        limit: 4096,
        splits: vec![1, 100, 1000],
        body: body.to_vec(),
    };
    let signed = |token| SignatureSource::Signed {
        token,
        flipped: false,
    };
    add(diff, "mobile-signed", case(MOBILE_2017, signed(0)).encode());
    add(
        diff,
        "multichannel-previous-token",
        case(MULTICHANNEL_2025, signed(1)).encode(),
    );
    add(
        diff,
        "mobile-uppercase-padded-chunked",
        VerifyInput {
            uppercase: true,
            padded: true,
            content_length: ContentLength::Absent,
            splits: vec![0, 7, 7, 64, 65, 1159],
            ..case(MOBILE_2017, signed(1))
        }
        .encode(),
    );
    add(
        diff,
        "mobile-bit-flipped",
        case(
            MOBILE_2017,
            SignatureSource::Signed {
                token: 0,
                flipped: true,
            },
        )
        .encode(),
    );
    add(
        diff,
        "mobile-given-valid",
        case(MOBILE_2017, SignatureSource::Given(valid.clone())).encode(),
    );
    add(
        diff,
        "mobile-given-malformed",
        case(
            MOBILE_2017,
            SignatureSource::Given(with(&[b"sha256=", &valid])),
        )
        .encode(),
    );
    add(
        diff,
        "over-limit-by-one",
        VerifyInput {
            limit: MOBILE_2017.len() - 1,
            ..case(MOBILE_2017, signed(0))
        }
        .encode(),
    );
    add(
        diff,
        "content-length-lies-small",
        VerifyInput {
            limit: 1000,
            content_length: ContentLength::Declared(10),
            ..case(MOBILE_2017, signed(0))
        }
        .encode(),
    );
    add(
        diff,
        "content-length-lies-large",
        VerifyInput {
            content_length: ContentLength::Declared(5000),
            ..case(b"{}", signed(0))
        }
        .encode(),
    );
    add(
        diff,
        "rotation-first-match-long-token",
        VerifyInput {
            tokens: vec![
                vec![b'k'; 100],
                TOKEN.to_vec(),
                vec![b'k'; 100],
                b"x".to_vec(),
            ],
            limit: usize::MAX,
            ..case(MULTICHANNEL_2025, signed(2))
        }
        .encode(),
    );
    add(
        diff,
        "empty-body",
        VerifyInput {
            limit: 0,
            ..case(b"", signed(0))
        }
        .encode(),
    );

    // events: any bytes (a body, and the seed of an object).
    let events = "events";
    add(events, "mobile-2017", MOBILE_2017.to_vec());
    add(events, "multichannel-2025", MULTICHANNEL_2025.to_vec());
    add(
        events,
        "unknown-type",
        br#"{"payload":{"room_id":7},"type":"room_deleted"}"#.to_vec(),
    );
    add(
        events,
        "known-type-bad-shape",
        br#"{"payload":5,"type":"post_comment_mobile"}"#.to_vec(),
    );
    add(
        events,
        "rest-ids-as-strings",
        br#"{"payload":{"from":{"id":"12"},"room":{"id":"37537","options":"{\"a\":1}"},"message":{"unix_nano_timestamp":1506162884156457000,"extras":null}},"type":"post_comment_rest"}"#.to_vec(),
    );
    add(events, "type-not-string", br#"{"type":1}"#.to_vec());
    add(events, "no-type", br#"{"payload":{}}"#.to_vec());
    add(events, "not-an-object", b"[1,2,3]".to_vec());
    add(
        events,
        "go-escapes",
        br#"{"text":"\u003cb\u003e \u0026","type":"x"}"#.to_vec(),
    );

    #[cfg(feature = "axum")]
    axum_seeds(&mut add, &valid);

    seeds
}

/// `axum_extractor`: route, header fields, transfer, body.
#[cfg(feature = "axum")]
fn axum_seeds(add: &mut impl FnMut(&'static str, &str, Vec<u8>), valid: &[u8]) {
    use qiscus_webhook_fuzz_checks::{AxumInput, Route, Transfer};

    let target = "axum_extractor";
    let case = |route, body: &[u8]| AxumInput {
        route,
        signed_by: Some(0),
        content_length: true,
        transfer: Transfer::Whole,
        headers: vec![(b"content-type".to_vec(), b"application/json".to_vec())],
        splits: vec![10, 500],
        body: body.to_vec(),
        repeat: 1,
    };
    let header = |name: &[u8], value: &[u8]| (name.to_vec(), value.to_vec());
    add(
        target,
        "webhook-mobile-signed",
        case(Route::Raw, MOBILE_2017).encode(),
    );
    add(
        target,
        "events-multichannel-previous-token-chunked",
        AxumInput {
            signed_by: Some(1),
            content_length: false,
            transfer: Transfer::Chunked,
            ..case(Route::Typed, MULTICHANNEL_2025)
        }
        .encode(),
    );
    add(
        target,
        "layer-mobile-signed",
        case(Route::Layer, MOBILE_2017).encode(),
    );
    add(
        target,
        "events-not-an-event",
        case(Route::Typed, b"[1,2,3]").encode(),
    );
    add(
        target,
        "duplicate-signature",
        AxumInput {
            headers: vec![header(b"QISCUS-SDK-SIGNATURE", valid)],
            ..case(Route::Raw, MOBILE_2017)
        }
        .encode(),
    );
    add(
        target,
        "missing-signature",
        AxumInput {
            signed_by: None,
            ..case(Route::Raw, MOBILE_2017)
        }
        .encode(),
    );
    add(
        target,
        "malformed-signature",
        AxumInput {
            signed_by: None,
            headers: vec![header(
                b"qiscus-sdk-signature",
                &[b"sha256=", valid].concat(),
            )],
            ..case(Route::Typed, MOBILE_2017)
        }
        .encode(),
    );
    add(
        target,
        "forged-signature",
        AxumInput {
            signed_by: None,
            headers: vec![header(b"Qiscus-Sdk-Signature", valid)],
            ..case(Route::Layer, MULTICHANNEL_2025)
        }
        .encode(),
    );
    add(
        target,
        "over-limit-repeated",
        AxumInput {
            repeat: 4,
            transfer: Transfer::Chunked,
            ..case(Route::Raw, MOBILE_2017)
        }
        .encode(),
    );
    add(
        target,
        "content-length-lies-large",
        AxumInput {
            content_length: false,
            headers: vec![header(b"content-length", b"99999")],
            ..case(Route::Raw, b"{}")
        }
        .encode(),
    );
    add(
        target,
        "interrupted",
        AxumInput {
            content_length: false,
            transfer: Transfer::Interrupted,
            ..case(Route::Typed, MOBILE_2017)
        }
        .encode(),
    );
}

#[test]
fn seeds_are_committed() {
    let bless = std::env::var_os("QISCUS_FUZZ_BLESS").is_some_and(|value| value == "1");
    let mut stale = Vec::new();
    for (target, name, input) in seeds() {
        let path = corpus().join(target).join(&name);
        if bless {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &input).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(&input[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "seed files missing or stale (QISCUS_FUZZ_BLESS=1 rewrites them): {stale:#?}",
    );
}

#[test]
fn every_check_passes_on_its_committed_corpus() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, check) in TARGETS {
        let dir = corpus().join(target);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .map(|entry| entry.unwrap().path())
            // Only what is committed: the fuzzer's own finds stay local (.gitignore).
            .filter(|path| {
                path.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("seed-")
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no seed in {}", dir.display());
        for file in files {
            let input = fs::read(&file).unwrap();
            total += 1;
            if panic::catch_unwind(|| check(&input)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} inputs fail: {failures:#?}",
        failures.len()
    );
}
