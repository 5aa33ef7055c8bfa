//! Logging: one JSON access line per request on stdout, everything else (start, drain, upstream
//! and store errors) as JSON on stderr; and the capture of the core's verification event
//! (feature `tracing` of `qiscus-webhook`), whose byte count goes into the access line.
//!
//! Neither stream ever carries a token, a signature or body bytes: the access line has the
//! outcome, statuses, the token's index, sizes, times, the path (never the query) and the
//! delivery key (a SHA-256, safe to show).

use std::cell::Cell;
use std::future::Future;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the access lines, and only of them.
pub const ACCESS_TARGET: &str = "qiscus_webhook_gateway::access";

/// The core's target (its one verification event per request).
const CORE_TARGET: &str = "qiscus_webhook";

/// What stderr shows when `RUST_LOG` is unset: the gateway's own events at `info`.
const DEFAULT_FILTER: &str = "info";

/// How long an access line may wait in the buffer before it is written to stdout.
pub const ACCESS_FLUSH: Duration = Duration::from_millis(50);

/// Installs the subscriber: access lines to stdout, the rest to stderr (filtered by
/// `RUST_LOG`), and the capture of the core's event. Call once, from the binary, and
/// [`flush`] before it exits.
///
/// Access lines are buffered (each written whole) and reach stdout within [`ACCESS_FLUSH`],
/// or sooner when 64 KiB are waiting: a `write` per request would cost more than the rest of
/// the log line. Diagnostics on stderr are written at once.
///
/// # Errors
///
/// When a global subscriber is already installed, or the flusher thread cannot start.
pub fn init() -> Result<(), InitError> {
    let is_access = |target: &str| target == ACCESS_TARGET;
    let access = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(AccessWriter)
        .with_filter(filter_fn(move |metadata| is_access(metadata.target())));
    std::thread::Builder::new()
        .name("access-log-flush".into())
        .spawn(|| {
            loop {
                std::thread::sleep(ACCESS_FLUSH);
                let _ = access_buffer().flush();
            }
        })
        .map_err(InitError::Flusher)?;
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
        .map_err(InitError::Subscriber)
}

/// Why [`init`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// A global subscriber is already installed.
    Subscriber(tracing_subscriber::util::TryInitError),
    /// The thread that writes out buffered access lines could not start.
    Flusher(io::Error),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Subscriber(error) => error.fmt(f),
            Self::Flusher(error) => write!(f, "cannot start the access log's flusher: {error}"),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Subscriber(error) => Some(error),
            Self::Flusher(error) => Some(error),
        }
    }
}

/// Writes out the access lines still in the buffer (at exit; the flusher thread does it every
/// [`ACCESS_FLUSH`] meanwhile).
pub fn flush() {
    let _ = access_buffer().flush();
}

fn access_buffer() -> MutexGuard<'static, BufWriter<Stdout>> {
    static BUFFER: OnceLock<Mutex<BufWriter<Stdout>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| Mutex::new(BufWriter::with_capacity(64 * 1024, io::stdout())))
        .lock()
        // A panic while writing a line leaves at worst a partial line: keep logging.
        .unwrap_or_else(PoisonError::into_inner)
}

/// The access layer's writer: each formatted line goes into the shared buffer in one
/// `write_all`, so lines never interleave.
struct AccessWriter;

impl<'a> MakeWriter<'a> for AccessWriter {
    type Writer = AccessLine;

    fn make_writer(&'a self) -> Self::Writer {
        AccessLine
    }
}

struct AccessLine;

impl Write for AccessLine {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        access_buffer().write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
