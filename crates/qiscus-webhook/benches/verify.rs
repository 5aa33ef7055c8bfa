//! `cargo bench -p qiscus-webhook --bench verify`
//!
//! Three rows per body size:
//! - `verify`: our one-shot verification (clone pre-keyed state, MAC, constant-time compare);
//! - `floor`: raw HMAC-SHA256 from a pre-keyed state, no hex, no compare: nothing can be faster;
//! - `vendor_doc`: the recipe most snippets copy: key schedule per call, hex-encode, `==`.
//!
//! With the `stream` feature, a `tracing` group: a 2 KiB body driven through `drive::stream`
//! (one chunk, kept as `Bytes`, tokio's timer for the deadline), verified and forged. A bench
//! cannot turn a cargo feature on or off, so the group is run twice and its rows compared:
//!
//! ```sh
//! cargo bench -p qiscus-webhook --bench verify --features stream -- tracing/          # feature_off
//! cargo bench -p qiscus-webhook --bench verify --features stream,tracing -- tracing/  # the others
//! ```
//!
//! - `feature_off`: the crate without `tracing` (the event compiles to nothing);
//! - `no_subscriber`: the feature on, no subscriber installed;
//! - `json_info`: a JSON `tracing-subscriber` writing to `io::sink()`, at `info` (an operator's
//!   default: a verified body's `DEBUG` event is filtered out, a forgery's `WARN` is written);
//! - `json_debug`: the same at `debug` (every event written).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use qiscus_webhook::{Signature, Token, Verifier};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const TOKEN: &[u8] = b"qiscus-dashboard-signature-token";
const SIZES: [usize; 5] = [0, 256, 2 * 1024, 64 * 1024, 1024 * 1024];

fn body(len: usize) -> Vec<u8> {
    // JSON-ish bytes; content does not change the cost of SHA-256.
    br#"{"payload":{"message":{"text":"hello"}},"type":"post_comment_mobile"}"#
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

fn vendor_doc_way(token: &[u8], body: &[u8], header: &str) -> bool {
    let mut mac = HmacSha256::new_from_slice(token).expect("any key length");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    expected == header
}

fn bench(c: &mut Criterion) {
    let verifier = Verifier::new(Token::new(TOKEN).unwrap());
    let pre_keyed = HmacSha256::new_from_slice(TOKEN).unwrap();
    let mut group = c.benchmark_group("verify");
    for size in SIZES {
        let body = body(size);
        let verifier = verifier.clone().with_body_limit(size);
        let signature: Signature = verifier.sign(&body);
        let header = signature.to_string();
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(BenchmarkId::new("verify", size), &body, |b, body| {
            b.iter(|| verifier.verify(black_box(body), black_box(&signature)))
        });
        group.bench_with_input(BenchmarkId::new("floor", size), &body, |b, body| {
            b.iter(|| {
                let mut mac = pre_keyed.clone();
                mac.update(black_box(body));
                mac.finalize().into_bytes()
            })
        });
        group.bench_with_input(BenchmarkId::new("vendor_doc", size), &body, |b, body| {
            b.iter(|| vendor_doc_way(black_box(TOKEN), black_box(body), black_box(&header)))
        });
    }
    group.finish();
}

/// One verification of `body` under `header` through the drive loop, as the adapters run it.
#[cfg(feature = "stream")]
fn drive_once(
    runtime: &tokio::runtime::Runtime,
    verifier: &Verifier,
    header: &str,
    body: &bytes::Bytes,
) -> bool {
    use qiscus_webhook::{Verification, drive};

    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(body.clone())]);
    let started = verifier
        .begin_request([header.as_bytes()], None, None)
        .map(Verification::collect_bytes);
    runtime
        .block_on(drive::stream(started, chunks, tokio::time::sleep))
        .is_ok()
}

#[cfg(feature = "stream")]
fn bench_tracing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let body = bytes::Bytes::from(body(2 * 1024));
    let verifier = Verifier::new(Token::new(TOKEN).unwrap());
    let good = verifier.sign(&body).to_string();
    let forged = Verifier::new(Token::new("another-token").unwrap())
        .sign(&body)
        .to_string();
    let mut group = c.benchmark_group("tracing");
    group.throughput(Throughput::Bytes(body.len() as u64));
    for (name, header, verifies) in [
        ("verified_2KiB", &good, true),
        ("forged_2KiB", &forged, false),
    ] {
        let mut row = |setting: &str| {
            group.bench_function(BenchmarkId::new(name, setting), |b| {
                b.iter(|| {
                    let verified = drive_once(&runtime, &verifier, black_box(header), &body);
                    assert_eq!(verified, verifies);
                });
            });
        };
        if cfg!(feature = "tracing") {
            row("no_subscriber");
            for (setting, level) in [
                ("json_info", tracing_subscriber::filter::LevelFilter::INFO),
                ("json_debug", tracing_subscriber::filter::LevelFilter::DEBUG),
            ] {
                use tracing_subscriber::util::SubscriberInitExt;

                let subscriber = tracing_subscriber::fmt()
                    .json()
                    .with_max_level(level)
                    .with_writer(std::io::sink)
                    .finish();
                let _default = subscriber.set_default();
                row(setting);
            }
        } else {
            row("feature_off");
        }
    }
    group.finish();
}

#[cfg(not(feature = "stream"))]
fn bench_tracing(_: &mut Criterion) {}

criterion_group!(benches, bench, bench_tracing);
criterion_main!(benches);
