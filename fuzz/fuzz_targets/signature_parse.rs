//! Fuzz target `signature_parse`: the input and the properties are documented on
//! `qiscus_webhook_fuzz_checks::signature_parse`, which stable
//! `cargo test -p qiscus-webhook-fuzz-checks` also runs over the committed corpus.

#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qiscus_webhook_fuzz_checks::signature_parse(data));
