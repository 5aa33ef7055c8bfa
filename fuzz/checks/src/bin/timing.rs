//! The constant-time check (`cargo xtask timing`, which builds this optimised).
//!
//! Times `Verifier::verify` of one body under one token against two classes of wrong
//! signatures: the true one with its first byte changed, and with its last byte changed. A
//! comparison that exits early would be faster on the first class. Classes are drawn at
//! random for each measurement (interleaved), and dudect's battery of Welch t-tests
//! (`qiscus_webhook_fuzz_checks::timing`) compares them. Exits 1 when the largest |t| reaches
//! 4.5 (dudect's "probably not constant time"), 2 on a usage error.
//!
//! With `--control`, the same measurement of a deliberately leaky verification (the same
//! HMAC, then a byte-by-byte comparison that stops at the first difference) shows that the
//! test does see such a leak: it exits 0 when |t| reaches 4.5, 1 when it does not.
//!
//! usage: timing [--measurements N] [--control]   (default 1000000)

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use qiscus_webhook::{Signature, Token, Verifier};
use qiscus_webhook_fuzz_checks::timing::{Dudect, Rng, T_THRESHOLD, Test};

/// Measurements per batch: classes are drawn for a whole batch before it is timed.
const BATCH: usize = 10_000;
const DEFAULT_MEASUREMENTS: u64 = 1_000_000;
/// A short Qiscus-like body: the shorter the hashing, the more a comparison leak would show.
const BODY: &[u8] = br#"{"payload":{"from":{"id":155549},"message":{"text":"simulasi"},"room":{"id":37537}},"type":"post_comment_mobile"}"#;

fn main() -> ExitCode {
    let (measurements, control) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("timing: {message}\nusage: timing [--measurements N] [--control]");
            return ExitCode::from(2);
        }
    };

    let verifier = Verifier::new(Token::new("timing-check-token").expect("not empty"));
    let truth = *verifier.sign(BODY).as_bytes();
    let (mut first, mut last) = (truth, truth);
    first[0] ^= 0xff;
    last[31] ^= 0xff;
    let classes = [Signature::from_bytes(first), Signature::from_bytes(last)];

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64)
        ^ u64::from(std::process::id()) << 32;
    let mut rng = Rng::new(seed);
    let mut drawn = vec![0usize; BATCH];
    let mut times = vec![0f64; BATCH];

    let subject = if control {
        "CONTROL (leaky byte-by-byte comparison)"
    } else {
        "Verifier::verify"
    };
    println!(
        "timing: {subject}, {} byte body, signature wrong in its first vs last byte, \
         {measurements} measurements (dudect: Welch t-test, raw, 100 crops, second order)",
        BODY.len(),
    );
    // The first batch warms up and sets the cropping thresholds; it is not tested.
    measure(
        &verifier, &classes, control, &mut rng, &mut drawn, &mut times,
    );
    let mut dudect = Dudect::new(&times);
    let mut reported = 0;
    while dudect.measurements() < measurements {
        measure(
            &verifier, &classes, control, &mut rng, &mut drawn, &mut times,
        );
        for (time, class) in times.iter().zip(&drawn) {
            dudect.push(*time, *class);
        }
        if dudect.measurements() - reported >= 100_000 || dudect.measurements() >= measurements {
            reported = dudect.measurements();
            let (t, test) = dudect.max_t();
            let [first, last] = dudect.means();
            println!(
                "timing: {:>9} measurements  max |t| = {t:6.3} ({})  raw t = {:+.3}  \
                 mean ns: first {first:.1}, last {last:.1}",
                reported,
                describe(test),
                dudect.raw_t(),
            );
        }
    }
    let (t, test) = dudect.max_t();
    let verdict = format!(
        "max |t| = {t:.3} after {} measurements ({})",
        dudect.measurements(),
        describe(test),
    );
    match (control, t < T_THRESHOLD) {
        (false, true) => println!("timing: ok: {verdict}, under {T_THRESHOLD}"),
        (false, false) => {
            println!(
                "timing: FAILED: {verdict}, not under {T_THRESHOLD}: verification time depends \
                 on where the signature differs (or the machine is too noisy: rerun on an \
                 idle one)"
            );
            return ExitCode::FAILURE;
        }
        (true, false) => println!("timing: control ok: the planted leak is seen, {verdict}"),
        (true, true) => {
            println!(
                "timing: control FAILED: the planted leak is not seen, {verdict}: the test is \
                 too weak on this machine (more measurements?)"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Draws a class for each slot of the batch, then times one verification per slot.
fn measure(
    verifier: &Verifier,
    classes: &[Signature; 2],
    control: bool,
    rng: &mut Rng,
    drawn: &mut [usize],
    times: &mut [f64],
) {
    for class in drawn.iter_mut() {
        *class = (rng.next_u64() & 1) as usize;
    }
    for (time, class) in times.iter_mut().zip(drawn.iter()) {
        let signature = &classes[*class];
        let started = Instant::now();
        let refused = if control {
            !leaky_verify(verifier, black_box(BODY), black_box(signature))
        } else {
            verifier
                .verify(black_box(BODY), black_box(signature))
                .is_err()
        };
        let elapsed = started.elapsed();
        assert!(black_box(refused), "both classes are wrong signatures");
        *time = elapsed.as_nanos() as f64;
    }
}

/// The negative control: the same HMAC, then the comparison everyone writes first, which
/// returns at the first differing byte.
#[inline(never)]
fn leaky_verify(verifier: &Verifier, body: &[u8], signature: &Signature) -> bool {
    let tag = verifier.sign(body);
    for (expected, got) in tag.as_bytes().iter().zip(signature.as_bytes()) {
        // `black_box` keeps LLVM from turning the loop into one `bcmp` call.
        if black_box(expected) != black_box(got) {
            return false;
        }
    }
    true
}

fn describe(test: Test) -> String {
    match test {
        Test::Raw => "raw times".into(),
        Test::Cropped(percentile) => format!("cropped at p{percentile:.1}"),
        Test::SecondOrder => "second order".into(),
    }
}

fn parse_args() -> Result<(u64, bool), String> {
    let mut args = std::env::args().skip(1);
    let mut measurements = DEFAULT_MEASUREMENTS;
    let mut control = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--measurements" | "-n" => {
                let value = args.next().ok_or("--measurements needs a number")?;
                measurements = value
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("not a number of measurements: {value:?}"))?;
            }
            "--control" => control = true,
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok((measurements, control))
}
