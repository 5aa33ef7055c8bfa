//! `cargo bench -p qiscus-webhook --bench verify`
//!
//! Three rows per body size:
//! - `verify`: our one-shot verification (clone pre-keyed state, MAC, constant-time compare);
//! - `floor`: raw HMAC-SHA256 from a pre-keyed state, no hex, no compare: nothing can be faster;
//! - `vendor_doc`: the recipe most snippets copy: key schedule per call, hex-encode, `==`.

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

criterion_group!(benches, bench);
criterion_main!(benches);
