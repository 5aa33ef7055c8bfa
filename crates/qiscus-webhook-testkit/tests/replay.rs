//! The replay rows against a framework-free receiver on the core and the guard, with the
//! memory store and with a real `redis-server`: the rows are consistent (every expectation is
//! reachable). Then receivers with one flaw each: the checker catches every one.

use qiscus_webhook::SIGNATURE_HEADER;
use qiscus_webhook_replay::NotRun;
use qiscus_webhook_testkit::conformance::replay::{Answer, Harness, Hooks, Setup, Store};
use qiscus_webhook_testkit::spec::RequestSpec;

/// One way to get the guard wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    None,
    /// No guard at all: every delivery runs.
    Unguarded,
    /// The guard before the signature check: a forgery claims the true delivery's key.
    GuardBeforeVerifying,
    /// Commits whatever the handler answered.
    CommitsFailures,
    /// Drops `Retry-After`.
    NoRetryAfter,
    /// Answers a duplicate without running the handler, but as a receipt of nothing.
    WrongDuplicateBody,
}

fn header<'a>(request: &'a RequestSpec, wanted: &str) -> Option<&'a [u8]> {
    let mut values = request.headers.iter();
    let value = values.find(|(name, _)| name.eq_ignore_ascii_case(wanted.as_bytes()));
    value.map(|(_, value)| value.as_slice())
}

async fn receive(setup: &Setup, flaw: Flaw, request: RequestSpec) -> Answer {
    let hooks = Hooks::from_values(
        header(&request, Hooks::FAIL_HEADER),
        header(&request, Hooks::DELAY_HEADER),
    );
    let body = request.body.bytes();
    let signature = header(&request, SIGNATURE_HEADER).into_iter();
    let verified = setup
        .verifier
        .begin_request(signature, None, None)
        .and_then(|mut started| {
            started.update(&body)?;
            started.finish()
        });
    let ticket = match (flaw, verified) {
        (Flaw::Unguarded, Ok(_)) => None,
        (Flaw::GuardBeforeVerifying, Err(error)) => {
            // Keyed by the header's signature, as if it had been verified.
            let true_body = &body[..body.len() - 1];
            let claimed = setup
                .verifier
                .verify(true_body, &setup.verifier.sign(true_body));
            if let Ok(claimed) = claimed {
                std::mem::forget(setup.guard.admit(&claimed, true_body).await);
            }
            return refused(NotRun::from(error), flaw);
        }
        (_, Ok(verified)) => match setup.guard.admit(&verified, &body).await {
            Ok(ticket) => Some(ticket),
            Err(not_run) => return refused(not_run, flaw),
        },
        (_, Err(error)) => return refused(NotRun::from(error), flaw),
    };
    let (status, json) = setup.receiver.answer(hooks, &body).await;
    if let Some(ticket) = ticket {
        let finished = if flaw == Flaw::CommitsFailures {
            ticket.commit().await
        } else {
            ticket.finish(status).await
        };
        finished.expect("the store answers");
    }
    Answer::json(status, json.to_string())
}

fn refused(not_run: NotRun, flaw: Flaw) -> Answer {
    let body = match (&not_run, flaw) {
        (NotRun::Duplicate, Flaw::WrongDuplicateBody) => r#"{"bytes":0}"#,
        _ => not_run.response_body(),
    };
    Answer {
        retry_after: not_run
            .retry_after_secs()
            .filter(|_| flaw != Flaw::NoRetryAfter)
            .map(|secs| secs.to_string()),
        ..Answer::json(not_run.status_code(), body)
    }
}

async fn run(store: Store, flaw: Flaw) {
    let harness = Harness::start(store).await;
    let setup = harness.setup();
    harness
        .check(async |request| receive(&setup, flaw, request).await)
        .await;
}

#[tokio::test]
async fn the_core_and_the_guard_pass_the_rows_on_the_memory_store() {
    run(Store::Memory, Flaw::None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_and_the_guard_pass_the_rows_on_redis() {
    run(Store::Redis, Flaw::None).await;
}

#[tokio::test]
#[should_panic(
    expected = "replay/first_delivery_then_duplicate step 1: the handler ran 1 times \
                           and the store got 0 claims"
)]
async fn an_unguarded_receiver_fails() {
    run(Store::Memory, Flaw::Unguarded).await;
}

#[tokio::test]
#[should_panic(
    expected = "replay/forged_signature_is_401_not_recorded step 1: the handler ran 0 \
                           times and the store got 1 claims"
)]
async fn guarding_before_verifying_fails() {
    run(Store::Memory, Flaw::GuardBeforeVerifying).await;
}

#[tokio::test]
#[should_panic(
    expected = "replay/failure_released_then_retry_runs step 1: the handler ran 1 \
                           times and the store got 1 claims, 1 commits, 0 releases"
)]
async fn committing_a_failure_fails() {
    run(Store::Memory, Flaw::CommitsFailures).await;
}

#[tokio::test]
#[should_panic(expected = "no Retry-After on Refused { status: 409")]
async fn a_409_without_retry_after_fails() {
    run(Store::Memory, Flaw::NoRetryAfter).await;
}

#[tokio::test]
#[should_panic(expected = "replay/store_unavailable_is_503 step 1: no Retry-After")]
async fn a_503_without_retry_after_fails_on_redis_too() {
    run(Store::Redis, Flaw::NoRetryAfter).await;
}

#[tokio::test]
#[should_panic(expected = r#"replay/first_delivery_then_duplicate step 2: body {"bytes":0}"#)]
async fn a_wrong_duplicate_answer_fails() {
    run(Store::Memory, Flaw::WrongDuplicateBody).await;
}
