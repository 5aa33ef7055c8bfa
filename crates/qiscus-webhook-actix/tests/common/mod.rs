//! The receiver contract's two routes, built every way the adapter offers, for the
//! conformance table (in process and over a socket).

use actix_web::{HttpResponse, web};
use qiscus_webhook::events::Event;
use qiscus_webhook_actix::{
    Error, Verified, VerifiedBody, VerifiedJson, Verifier, VerifyQiscus, WebhookConfig,
    WebhookError,
};
use qiscus_webhook_testkit::{event_reply, raw_receipt};

/// How the app is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The extractors, with `.app_data(WebhookConfig::new(verifier))`.
    Config,
    /// The extractors, with `.app_data(web::Data::new(WebhookConfig::new(verifier)))`.
    ConfigInData,
    /// The extractors, with only a bare `.app_data(verifier)`: not a configuration.
    #[allow(dead_code, reason = "tests/conformance.rs only")]
    BareVerifierOnly,
    /// `VerifyQiscus::new(verifier)`, wrapped on the `/webhook` resource and on a `/events`
    /// scope, in front of handlers taking `web::Bytes`.
    Middleware,
    /// `VerifyQiscus::from_app_data()`, the same way, with
    /// `.app_data(WebhookConfig::new(verifier))`.
    MiddlewareFromAppData,
}

impl Setup {
    /// Every setup.
    #[allow(
        dead_code,
        reason = "tests/socket.rs runs them all; tests/conformance.rs one by one"
    )]
    pub const ALL: [Self; 4] = [
        Self::Config,
        Self::ConfigInData,
        Self::Middleware,
        Self::MiddlewareFromAppData,
    ];

    /// The two routes, configured this way with `verifier` (`None`: nothing in `app_data`).
    ///
    /// # Panics
    ///
    /// For [`Setup::Middleware`] without a verifier.
    pub fn configure(
        self,
        verifier: Option<Verifier>,
    ) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
        move |config| {
            if let Some(verifier) = verifier.clone() {
                match self {
                    Self::Config | Self::MiddlewareFromAppData => {
                        config.app_data(WebhookConfig::new(verifier));
                    }
                    Self::ConfigInData => {
                        config.app_data(web::Data::new(WebhookConfig::new(verifier)));
                    }
                    Self::BareVerifierOnly => {
                        config.app_data(verifier);
                    }
                    Self::Middleware => {}
                }
            }
            let middleware = match self {
                Self::Middleware => VerifyQiscus::new(
                    verifier
                        .clone()
                        .expect("VerifyQiscus::new is always configured"),
                ),
                Self::MiddlewareFromAppData => VerifyQiscus::from_app_data(),
                _ => {
                    config
                        .route("/webhook", web::post().to(raw))
                        .route("/events", web::post().to(typed));
                    return;
                }
            };
            config
                .service(
                    web::resource("/webhook")
                        .wrap(middleware.clone())
                        .route(web::post().to(raw_behind)),
                )
                .service(
                    web::scope("/events")
                        .wrap(middleware)
                        .route("", web::post().to(typed_behind)),
                );
        }
    }
}

async fn raw(VerifiedBody(body, _): VerifiedBody) -> HttpResponse {
    HttpResponse::Ok().json(raw_receipt(&body))
}

async fn typed(VerifiedJson(event, _): VerifiedJson<Event>) -> HttpResponse {
    HttpResponse::Ok().json(event_reply(event.event_type()))
}

async fn raw_behind(_: web::ReqData<Verified>, body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(raw_receipt(&body))
}

async fn typed_behind(
    _: web::ReqData<Verified>,
    body: web::Bytes,
) -> Result<HttpResponse, WebhookError> {
    let event = Event::from_slice(&body).map_err(|_| Error::InvalidPayload)?;
    Ok(HttpResponse::Ok().json(event_reply(event.event_type())))
}
