//! Logging: one JSON access line per request on stdout, everything else (start, drain, upstream
//! and store errors) as JSON on stderr; and the capture of the core's verification event
//! (feature `tracing` of `qiscus-webhook`), whose byte count goes into the access line.
//!
//! Neither stream ever carries a token, a signature or body bytes: the access line has the
//! outcome, statuses, the token's index, sizes, times, the path (never the query) and the
//! delivery key (a SHA-256, safe to show).

use std::cell::Cell;
use std::future::Future;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the access lines, and only of them.
pub const ACCESS_TARGET: &str = "qiscus_webhook_gateway::access";

/// The core's target (its one verification event per request).
const CORE_TARGET: &str = "qiscus_webhook";

/// What stderr shows when `RUST_LOG` is unset: the gateway's own events at `info`.
const DEFAULT_FILTER: &str = "info";

/// Installs the subscriber: access lines to stdout, the rest to stderr (filtered by
/// `RUST_LOG`), and the capture of the core's event. Call once, from the binary.
///
/// # Errors
///
/// When a global subscriber is already installed.
pub fn init() -> Result<(), tracing_subscriber::util::TryInitError> {
    let is_access = |target: &str| target == ACCESS_TARGET;
    let access = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stdout)
        .with_filter(filter_fn(move |metadata| is_access(metadata.target())));
    let user_filter = EnvFilter::builder()
        .with_default_directive(tracing::Level::INFO.into())
        .parse_lossy(std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_FILTER.to_owned()));
    // The core's event is folded into the access line: not repeated on stderr.
    let diagnostics = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .with_filter(user_filter.and(filter_fn(move |metadata| {
            !is_access(metadata.target()) && metadata.target() != CORE_TARGET
        })));
    tracing_subscriber::registry()
        .with(Capture.with_filter(filter_fn(|metadata| metadata.target() == CORE_TARGET)))
        .with(access)
        .with(diagnostics)
        .try_init()
}

/// What the core's verification event said about one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// The body bytes the core read (`body_bytes`).
    pub(crate) body_bytes: Option<u64>,
    /// How long verification took (`elapsed_us`).
    pub(crate) elapsed_us: Option<u64>,
}

tokio::task_local! {
    static OBSERVED: Cell<Observed>;
}

/// Runs `verification` and returns, with its output, what the core's event said meanwhile
/// (nothing when no subscriber with [`init`]'s capture is installed).
pub(crate) async fn observe<T>(verification: impl Future<Output = T>) -> (T, Observed) {
    OBSERVED
        .scope(Cell::new(Observed::default()), async {
            let output = verification.await;
            (output, OBSERVED.with(Cell::get))
        })
        .await
}

/// The layer that reads the core's event into the current request's [`Observed`]. The event
/// is emitted inside the future [`observe`] polls, on the same task: the task-local is there.
/// Installed with a per-layer filter on the core's target, so it enables nothing else.
struct Capture;

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != CORE_TARGET {
            return;
        }
        let _ = OBSERVED.try_with(|slot| {
            let mut observed = slot.get();
            event.record(&mut Visitor(&mut observed));
            slot.set(observed);
        });
    }
}

struct Visitor<'a>(&'a mut Observed);

impl Visit for Visitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "body_bytes" => self.0.body_bytes = Some(value),
            "elapsed_us" => self.0.elapsed_us = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
