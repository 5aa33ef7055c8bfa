//! The conformance table against a framework-free receiver built on the core alone: proves the
//! table is consistent (every expectation is reachable, in the order of checks the core
//! decides) before any adapter runs it.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use qiscus_webhook::events::Event;
use qiscus_webhook::{Error, SIGNATURE_HEADER, Verifier};
use qiscus_webhook_testkit::conformance::{
    self, Case, Reply, Route, Transfer, Unconfigured, assert_conformance, assert_unconfigured,
};
use qiscus_webhook_testkit::{event_reply, raw_receipt};

/// What an adapter does, without a framework: header rule and Content-Length, then the body
/// chunk by chunk, stopping at the first error, then the comparison, then (typed) parsing.
fn receive(verifier: Option<&Verifier>, case: &Case) -> Result<serde_json::Value, Error> {
    let verifier = verifier.ok_or(Error::NotConfigured)?;
    let values = case
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER.as_bytes()))
        .map(|(_, value)| value.as_slice());
    let declared = case.content_length().map(|len| len.to_string());
    let mut request =
        verifier.begin_request(values, declared.as_deref().map(str::as_bytes), None)?;
    let mut body = Vec::new();
    match case.transfer {
        Transfer::ContentLength | Transfer::DeclaredLength(_) => {
            request.update(&case.body)?;
            body.extend_from_slice(&case.body);
        }
        Transfer::Chunked | Transfer::Interrupted => {
            for chunk in case.chunks() {
                request.update(chunk)?;
                body.extend_from_slice(chunk);
            }
            if case.transfer == Transfer::Interrupted {
                return Err(Error::BodyUnreadable);
            }
        }
    }
    request.finish()?;
    Ok(match case.route {
        Route::Raw => raw_receipt(&body),
        Route::Typed => {
            let event = Event::from_slice(&body).map_err(|_| Error::InvalidPayload)?;
            event_reply(event.event_type())
        }
    })
}

fn reply(result: Result<serde_json::Value, Error>) -> Reply {
    let (status, body) = match result {
        Ok(body) => (200, body.to_string().into_bytes()),
        Err(error) => (
            error.status_code(),
            error.response_body().as_bytes().to_vec(),
        ),
    };
    Reply {
        status,
        content_type: Some("application/json".into()),
        body,
    }
}

/// Polls a future that never waits (nothing here does I/O) to completion.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

#[test]
fn the_core_alone_passes_the_table() {
    let verifier = conformance::verifier();
    block_on(assert_conformance(conformance::cases(), async |case| {
        reply(receive(Some(&verifier), case))
    }));
}

#[test]
fn the_core_alone_without_a_verifier_answers_500() {
    block_on(assert_unconfigured(
        Unconfigured::Answers500,
        async |case| reply(receive(None, case)),
    ));
}

#[test]
#[should_panic(expected = "unconfigured/webhook: status 401, expected 500")]
fn a_receiver_that_verifies_without_a_verifier_fails_the_unconfigured_rows() {
    let verifier = conformance::verifier();
    block_on(assert_unconfigured(
        Unconfigured::Answers500,
        async |case| {
            let mut forged = case.clone();
            forged.headers.clear();
            reply(receive(Some(&verifier), &forged))
        },
    ));
}

#[test]
#[should_panic(expected = "webhook/missing_signature: status 200, expected 401")]
fn a_receiver_that_skips_verification_fails_the_table() {
    block_on(assert_conformance(conformance::cases(), async |case| {
        reply(Ok(match case.route {
            Route::Raw => raw_receipt(&case.body),
            Route::Typed => event_reply("post_comment_mobile"),
        }))
    }));
}

#[test]
#[should_panic(expected = "no conformance case ran")]
fn an_empty_run_fails() {
    block_on(assert_conformance(Vec::new(), async |_| unreachable!()));
}
