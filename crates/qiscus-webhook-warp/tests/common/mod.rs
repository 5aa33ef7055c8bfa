//! The receiver contract's two routes, built every way the adapter offers, for the
//! conformance table (in process and over a socket).

use qiscus_webhook::events::Event;
use qiscus_webhook_testkit::{event_reply, raw_receipt};
use qiscus_webhook_warp::{
    VerifiedBody, VerifiedJson, Verifier, VerifierHandle, WebhookRejection, error_reply, recover,
    verified_body, verified_json,
};
use warp::{Filter, Rejection, Reply};

/// `POST /webhook`: the receipt of the verified bytes.
fn raw(
    handle: impl Into<VerifierHandle>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("webhook")
        .and(warp::post())
        .and(verified_body(handle))
        .map(|VerifiedBody(body, _)| warp::reply::json(&raw_receipt(&body)))
}

/// `POST /events`: the type of the verified, parsed event.
fn typed(
    handle: impl Into<VerifierHandle>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("events")
        .and(warp::post())
        .and(verified_json::<Event>(handle))
        .map(|VerifiedJson(event, _): VerifiedJson<Event>| {
            warp::reply::json(&event_reply(event.event_type()))
        })
}

/// The filters built from a [`Verifier`], the crate's [`recover`] at the end of the chain.
pub fn with_verifier(
    verifier: Verifier,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    raw(verifier.clone()).or(typed(verifier)).recover(recover)
}

/// The filters built from a [`VerifierHandle`] (set now, later, or never).
pub fn with_handle(
    handle: VerifierHandle,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    raw(handle.clone()).or(typed(handle)).recover(recover)
}

/// A user's own recover function, answering with [`error_reply`] and passing the rest on.
async fn own_recover(rejection: Rejection) -> Result<warp::reply::Response, Rejection> {
    match rejection.find::<WebhookRejection>() {
        Some(webhook) => Ok(error_reply(webhook.error())),
        None => Err(rejection),
    }
}

/// [`recover`] on each verifying route, and a catch-all route after them: the refusals are
/// answered by their route, never by the fallback.
pub fn recovered_per_route(
    verifier: Verifier,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let fallback = warp::any().and_then(|| async {
        Ok::<_, Rejection>(warp::reply::with_status(
            "fallback",
            warp::http::StatusCode::IM_A_TEAPOT,
        ))
    });
    raw(verifier.clone())
        .recover(recover)
        .or(typed(verifier).recover(own_recover))
        .or(fallback)
}
