#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod forward;
mod gateway;
pub mod log;
mod metrics;
mod serve;

pub use config::{
    Cli, Command, ConfigError, MAX_RETRIES, Options, Settings, TokenFileError, Upstream,
};
pub use forward::{IDEMPOTENCY_KEY_HEADER, TOKEN_INDEX_HEADER, UPSTREAM_BODY_LIMIT};
pub use gateway::{Gateway, METHOD_NOT_ALLOWED_BODY, StartError, UPSTREAM_UNAVAILABLE_BODY};
pub use metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;
pub use serve::{run, shutdown_signal};

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_shows_the_systemd_unit_of_contrib_as_it_is() {
        let unit = include_str!("../contrib/qiscus-webhook-gateway.service");
        assert!(include_str!("../README.md").contains(unit));
    }
}
