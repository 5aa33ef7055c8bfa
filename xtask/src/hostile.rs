//! `cargo xtask hostile [axum|actix|warp|rocket ...] [--quick]`: the hostile-clients probe of
//! issue 14, rerunnable. Each receiver example is built, started on a free 127.0.0.1 port with
//! a 64 KiB body limit and a 2 s body deadline, and sent, over loopback:
//!
//! - uploads: parallel connections, each a chunked upload of 8 MiB written as fast as the
//!   socket takes it (correctly signed header; the body passes the limit). Measured: the time
//!   until every one got its 413 (or its connection closed), whether the server then closed
//!   each connection (rather than read the rest and kept it alive), and the receiver's RSS
//!   growth (`/proc/PID/status`: `VmRSS` after minus before; the peak, `VmHWM`, is shown too);
//! - stalls: parallel connections that send their headers (`Content-Length: 5000`) and 100
//!   bytes, then nothing. Measured: how many got a 408 or were closed within the deadline plus
//!   one second.
//!
//! The full probe (release builds, 64 uploads, 200 stalls) prints the table of the issue and
//! says whether each cell is within its bounds (uploads under 1 s with RSS under +5 MB, every
//! stalled client answered within deadline + 1 s); it fails only if a connection was never
//! answered, or a refused upload's connection never closed. `--quick` (debug builds, 16 uploads, 50 stalls: the CI step) is a correctness
//! check with generous margins: every upload refused within 10 s, every stall answered within
//! deadline + 3 s. Counts and times are bounded; nothing leaves 127.0.0.1.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::{SignedRequest, fixtures, sign, wire};

use crate::step;

const FRAMEWORKS: [&str; 4] = ["axum", "actix", "warp", "rocket"];
/// The receivers' body limit: an upload passes it after its first 64 KiB.
const BODY_LIMIT: usize = 64 * 1024;
/// The receivers' body deadline (`QISCUS_WEBHOOK_BODY_TIMEOUT`, whole seconds).
const DEADLINE: Duration = Duration::from_secs(2);
/// What each upload would send.
const UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The size of one chunk of an upload.
const CHUNK: usize = 64 * 1024;
/// What a stalled client promises, and sends before it stops.
const STALL_PROMISED: usize = 5_000;
const STALL_SENT: usize = 100;
/// How long after the deadline a stalled client waits for an answer before it gives up.
const STALL_WAIT: Duration = Duration::from_secs(5);
/// The token the receivers run with (a probe's, printed nowhere).
const TOKEN: &str = "hostile-probe-token";

/// How big a run is, and what it must stay within.
struct Scale {
    name: &'static str,
    /// `debug` or `release`: the cargo profile's output directory.
    profile: &'static str,
    uploads: usize,
    stalls: usize,
    /// Every upload refused within this (full: the bound, reported; quick: checked).
    upload_bound: Duration,
    /// RSS growth in bytes (reported only).
    rss_bound: u64,
    /// Every stall answered within the deadline plus this (full: reported; quick: checked).
    stall_slack: Duration,
    /// Whether missing a bound fails the run (quick), or is only reported (full).
    check_bounds: bool,
}

const FULL: Scale = Scale {
    name: "full",
    profile: "release",
    uploads: 64,
    stalls: 200,
    upload_bound: Duration::from_secs(1),
    rss_bound: 5_000_000,
    stall_slack: Duration::from_secs(1),
    check_bounds: false,
};

const QUICK: Scale = Scale {
    name: "quick",
    profile: "debug",
    uploads: 16,
    stalls: 50,
    upload_bound: Duration::from_secs(10),
    rss_bound: 5_000_000,
    stall_slack: Duration::from_secs(3),
    check_bounds: true,
};

/// How long any one connection of the probe may take before it is given up on.
const CONNECTION_CAP: Duration = Duration::from_secs(30);

pub fn run(args: &[String]) -> Result<(), String> {
    let mut scale = &FULL;
    let mut only = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--quick" => scale = &QUICK,
            name if FRAMEWORKS.contains(&name) => only.push(name.to_owned()),
            other => {
                return Err(format!(
                    "unknown argument {other:?}: [axum|actix|warp|rocket ...] [--quick]"
                ));
            }
        }
    }
    let frameworks: Vec<&str> = FRAMEWORKS
        .into_iter()
        .filter(|name| only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    println!(
        "hostile ({}): building the {} receiver examples ({}) ...",
        scale.name,
        scale.profile,
        frameworks.join(", ")
    );
    let mut build = vec!["build", "--quiet", "-p", "qiscus-webhook-examples"];
    if scale.profile == "release" {
        build.push("--release");
    }
    for framework in &frameworks {
        build.extend(["--example", framework]);
    }
    step::cargo(&build, &[])?;

    let mut results = Vec::new();
    for framework in &frameworks {
        println!("hostile: {framework} ...");
        let result = probe(framework, scale)?;
        println!("  {}", result.detail());
        results.push((*framework, result));
    }
    print_table(scale, &results);

    let failures: Vec<String> = results
        .iter()
        .flat_map(|(framework, result)| {
            result
                .failures(scale)
                .into_iter()
                .map(move |failure| format!("{framework}: {failure}"))
        })
        .collect();
    if failures.is_empty() {
        println!("\nhostile: every receiver within the bounds checked");
        Ok(())
    } else {
        for failure in &failures {
            println!("FAIL {failure}");
        }
        Err(format!("{} hostile-client check(s) failed", failures.len()))
    }
}

/// One receiver's measurements.
struct Probed {
    uploads: Vec<Upload>,
    rss_before: u64,
    rss_after: u64,
    rss_peak: u64,
    /// `VmRSS` after a second round of the same uploads: whether what the first kept is a
    /// one-time high-water mark (the allocator's) or grows with each attack.
    rss_second_round: u64,
    stalls: Vec<Stall>,
}

/// Starts `framework`'s example and runs both phases against it.
fn probe(framework: &str, scale: &Scale) -> Result<Probed, String> {
    let binary = step::target_dir()
        .join(scale.profile)
        .join("examples")
        .join(framework);
    let mut command = Command::new(&binary);
    command
        .env("QISCUS_WEBHOOK_TOKEN", TOKEN)
        .env_remove("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
        .env("QISCUS_WEBHOOK_BODY_LIMIT", BODY_LIMIT.to_string())
        .env(
            "QISCUS_WEBHOOK_BODY_TIMEOUT",
            DEADLINE.as_secs().to_string(),
        )
        // The deployed default: every refusal logged (to the pipe the helper drains).
        .env("RUST_LOG", "info")
        .env("ROCKET_CLI_COLORS", "false");
    let example =
        Example::start(command).map_err(|error| format!("start {}: {error}", binary.display()))?;
    let addr = example.addr();
    let pid = example.id();

    // One verified request first, so that the runtime's threads and buffers exist before the
    // baseline is read.
    let warm_up = SignedRequest::new(TOKEN, fixtures::POST_COMMENT_MOBILE_2017).to_spec("/webhook");
    match wire::exchange_blocking(addr, &warm_up) {
        Ok(reply) if reply.status == 200 => {}
        Ok(reply) => return Err(format!("{framework}: warm-up answered {}", reply.status)),
        Err(error) => return Err(format!("{framework}: warm-up: {error}")),
    }

    let rss_before = status_kib(pid, "VmRSS")? * 1024;
    let uploads = parallel(scale.uploads, move || upload(addr));
    // Let the receiver free what it will before reading what it keeps.
    thread::sleep(Duration::from_millis(500));
    let rss_after = status_kib(pid, "VmRSS")? * 1024;
    let rss_peak = status_kib(pid, "VmHWM")? * 1024;
    let _ = parallel(scale.uploads, move || upload(addr));
    thread::sleep(Duration::from_millis(500));
    let rss_second_round = status_kib(pid, "VmRSS")? * 1024;

    let stalls = parallel(scale.stalls, move || stall(addr));
    drop(example);
    Ok(Probed {
        uploads,
        rss_before,
        rss_after,
        rss_peak,
        rss_second_round,
        stalls,
    })
}

/// Runs `count` copies of `client` at once, each on its own thread; their results.
fn parallel<T: Send + 'static>(
    count: usize,
    client: impl Fn() -> T + Send + Copy + 'static,
) -> Vec<T> {
    let threads: Vec<_> = (0..count).map(|_| thread::spawn(client)).collect();
    threads
        .into_iter()
        .filter_map(|thread| thread.join().ok())
        .collect()
}

/// A `/proc/PID/status` field in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|error| format!("/proc/{pid}/status: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("/proc/{pid}/status has no {field}"))
}

/// What one upload saw, from its connection.
struct Upload {
    /// The answer's status and when it arrived, if one did.
    answered: Option<(u16, Duration)>,
    /// When the server closed the connection (end of stream or a reset on the read side, or a
    /// failed write), if it did within [`CLOSE_WAIT`] of the last byte written.
    closed: Option<Duration>,
    /// Whether all [`UPLOAD_BYTES`] were written (read or discarded by the server, or sitting
    /// in loopback's socket buffers) before it closed.
    wrote_all: bool,
}

impl Upload {
    /// When the client knew it was refused: the 413, or the connection closed.
    fn refused(&self) -> Option<Duration> {
        let answered = self
            .answered
            .filter(|(status, _)| *status == 413)
            .map(|(_, at)| at);
        match (answered, self.closed) {
            (Some(answered), Some(closed)) => Some(answered.min(closed)),
            (answered, closed) => answered.or(closed),
        }
    }
}

/// How long an upload waits, after its last byte, for the server to close the connection
/// (actix-web lingers up to its 1 s `client_disconnect_timeout` first).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// A chunked upload of [`UPLOAD_BYTES`], written as fast as the socket takes it while another
/// thread reads the answer and watches for the server to close.
fn upload(addr: SocketAddr) -> Upload {
    let unanswered = Upload {
        answered: None,
        closed: None,
        wrote_all: false,
    };
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return unanswered;
    };
    let Ok(reading) = stream.try_clone() else {
        return unanswered;
    };
    let started = Instant::now();
    let written_at = Arc::new(OnceLock::new());
    let reader = {
        let written_at = Arc::clone(&written_at);
        thread::spawn(move || read_answer(reading, started, &written_at))
    };
    let head = format!(
        "POST /webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         qiscus-sdk-signature: {}\r\ntransfer-encoding: chunked\r\n\r\n",
        sign(TOKEN, b"{}")
    );
    let mut chunk = format!("{CHUNK:x}\r\n").into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', CHUNK));
    chunk.extend_from_slice(b"\r\n");
    let mut writing = stream.write_all(head.as_bytes()).is_ok();
    let mut sent = 0;
    while writing && sent < UPLOAD_BYTES && started.elapsed() < CONNECTION_CAP {
        writing = stream.write_all(&chunk).is_ok();
        sent += CHUNK;
    }
    let wrote_all = writing && sent >= UPLOAD_BYTES && stream.write_all(b"0\r\n\r\n").is_ok();
    let write_failed = (!writing).then(|| started.elapsed());
    let _ = written_at.set(started.elapsed());
    let (answered, read_closed) = reader.join().unwrap_or((None, None));
    let closed = match (write_failed, read_closed) {
        (Some(write), Some(read)) => Some(write.min(read)),
        (write, read) => write.or(read),
    };
    Upload {
        answered,
        closed,
        wrote_all,
    }
}

/// Reads the answer's status line, then until the server closes the connection, or
/// [`CLOSE_WAIT`] after the writer's last byte: the status (and when it came), and when the
/// read side ended.
fn read_answer(
    mut stream: TcpStream,
    started: Instant,
    written_at: &OnceLock<Duration>,
) -> (Option<(u16, Duration)>, Option<Duration>) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut head = Vec::new();
    let mut buffer = [0; 4096];
    let mut answered = None;
    while started.elapsed() < CONNECTION_CAP + CLOSE_WAIT {
        match stream.read(&mut buffer) {
            Ok(0) => return (answered, Some(started.elapsed())),
            Ok(read) => {
                if answered.is_none() {
                    head.extend_from_slice(&buffer[..read]);
                    answered = status_code(&head).map(|status| (status, started.elapsed()));
                }
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if written_at
                    .get()
                    .is_some_and(|written| started.elapsed() > *written + CLOSE_WAIT)
                {
                    return (answered, None);
                }
            }
            Err(_) => return (answered, Some(started.elapsed())),
        }
    }
    (answered, None)
}

/// The status of an answer whose first line has arrived: `HTTP/1.1 413 ...`.
fn status_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|&byte| byte == b'\n').next()?;
    if line.len() == head.len() {
        return None; // the line is not complete yet
    }
    let line = std::str::from_utf8(line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What one stalled client saw, from the moment its 100 bytes were sent.
enum Stall {
    /// An answer with this status, after this long.
    Answered(u16, Duration),
    /// Closed without an answer, after this long.
    Closed(Duration),
    /// Neither, by the time the probe gave up.
    Open,
}

/// Headers promising [`STALL_PROMISED`] bytes, the first [`STALL_SENT`], then nothing.
fn stall(addr: SocketAddr) -> Stall {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return Stall::Open;
    };
    let promised = vec![b'{'; STALL_PROMISED];
    let mut request = format!(
        "POST /webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         qiscus-sdk-signature: {}\r\ncontent-length: {STALL_PROMISED}\r\n\r\n",
        sign(TOKEN, &promised)
    )
    .into_bytes();
    request.extend_from_slice(&promised[..STALL_SENT]);
    if stream.write_all(&request).is_err() {
        return Stall::Open;
    }
    let sent = Instant::now();
    let _ = stream.set_read_timeout(Some(DEADLINE + STALL_WAIT));
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    loop {
        match stream.read(&mut buffer) {
            // The read timeout: the server neither answered nor closed.
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Stall::Open;
            }
            Ok(0) | Err(_) => return Stall::Closed(sent.elapsed()),
            Ok(read) => {
                head.extend_from_slice(&buffer[..read]);
                if let Some(status) = status_code(&head) {
                    return Stall::Answered(status, sent.elapsed());
                }
            }
        }
    }
}

impl Probed {
    /// When the last upload was refused (413 or closed); `None` if one never was.
    fn uploads_refused_by(&self) -> Option<Duration> {
        self.uploads
            .iter()
            .map(Upload::refused)
            .try_fold(Duration::ZERO, |last, refused| Some(last.max(refused?)))
    }

    /// Uploads refused: a 413, or the connection closed without one.
    fn uploads_refused(&self) -> usize {
        self.uploads
            .iter()
            .filter(|upload| upload.refused().is_some())
            .count()
    }

    /// Uploads whose connection the server closed.
    fn uploads_closed(&self) -> usize {
        self.uploads
            .iter()
            .filter(|upload| upload.closed.is_some())
            .count()
    }

    /// What the receiver kept: `VmRSS` after the uploads minus before (the peak, `VmHWM`, is
    /// in the detail line: it also counts what the refusals held while they ran).
    fn rss_growth(&self) -> u64 {
        self.rss_after.saturating_sub(self.rss_before)
    }

    /// Stalled clients answered 408, or closed, within `within` of their last byte.
    fn stalls_within(&self, within: Duration) -> usize {
        self.stalls
            .iter()
            .filter(|stall| match stall {
                Stall::Answered(408, after) | Stall::Closed(after) => *after <= within,
                _ => false,
            })
            .count()
    }

    fn slowest_stall(&self) -> Duration {
        self.stalls
            .iter()
            .filter_map(|stall| match stall {
                Stall::Answered(_, after) | Stall::Closed(after) => Some(*after),
                Stall::Open => None,
            })
            .max()
            .unwrap_or_default()
    }

    /// When the last connection the server closed was closed.
    fn slowest_close(&self) -> Duration {
        self.uploads
            .iter()
            .filter_map(|upload| upload.closed)
            .max()
            .unwrap_or_default()
    }

    fn detail(&self) -> String {
        let count = |f: fn(&Upload) -> bool| self.uploads.iter().filter(|u| f(u)).count();
        let stalls = |f: fn(&Stall) -> bool| self.stalls.iter().filter(|s| f(s)).count();
        format!(
            "uploads: {} got 413, {} closed by the server (the last after {}), {} wrote all \
             {} MiB first; all refused after {}; RSS {} -> {} (peak {}), {} after a second \
             round\n  stalls: {} got 408, \
             {} closed without an answer, {} still open; the slowest after {}",
            count(|u| u.answered.is_some_and(|(status, _)| status == 413)),
            self.uploads_closed(),
            secs(self.slowest_close()),
            count(|u| u.wrote_all),
            UPLOAD_BYTES / (1024 * 1024),
            self.uploads_refused_by()
                .map_or_else(|| "never".to_owned(), secs),
            mb(self.rss_before),
            mb(self.rss_after),
            mb(self.rss_peak),
            mb(self.rss_second_round),
            stalls(|s| matches!(s, Stall::Answered(408, _))),
            stalls(|s| matches!(s, Stall::Closed(_))),
            stalls(|s| matches!(s, Stall::Open)),
            secs(self.slowest_stall()),
        )
    }

    /// What missed a bound: correctness always (an upload never refused or its connection
    /// never closed, a stalled client never answered), times only when the scale checks them.
    fn failures(&self, scale: &Scale) -> Vec<String> {
        let mut failures = Vec::new();
        if self.uploads.len() < scale.uploads || self.uploads_refused() < scale.uploads {
            failures.push(format!(
                "{} of {} uploads refused",
                self.uploads_refused(),
                scale.uploads
            ));
        }
        if self.uploads_closed() < scale.uploads {
            failures.push(format!(
                "{} of {} refused uploads closed by the server (the others kept open)",
                self.uploads_closed(),
                scale.uploads
            ));
        }
        let answered = self.stalls_within(DEADLINE + STALL_WAIT);
        if self.stalls.len() < scale.stalls || answered < scale.stalls {
            failures.push(format!(
                "{answered} of {} stalled clients answered at all",
                scale.stalls
            ));
        }
        if scale.check_bounds {
            match self.uploads_refused_by() {
                Some(refused) if refused <= scale.upload_bound => {}
                refused => failures.push(format!(
                    "uploads refused after {} (bound {})",
                    refused.map_or_else(|| "never".to_owned(), secs),
                    secs(scale.upload_bound)
                )),
            }
            let within = DEADLINE + scale.stall_slack;
            if self.stalls_within(within) < scale.stalls {
                failures.push(format!(
                    "{} of {} stalled clients answered within {}",
                    self.stalls_within(within),
                    scale.stalls,
                    secs(within)
                ));
            }
        }
        failures
    }
}

fn print_table(scale: &Scale, results: &[(&str, Probed)]) {
    let within = DEADLINE + scale.stall_slack;
    let mark = |ok: bool| if ok { "" } else { " **(over)**" };
    let mut header = String::from("\n| |");
    let mut rule = String::from("|---|");
    let mut uploads = format!(
        "| {} parallel chunked uploads of {} MiB: all 413 |",
        scale.uploads,
        UPLOAD_BYTES / (1024 * 1024)
    );
    let mut stalls = format!(
        "| {} clients that send headers and {STALL_SENT} of {STALL_PROMISED} promised bytes, \
         then stall: 408 or closed within deadline ({} s) + {} s |",
        scale.stalls,
        DEADLINE.as_secs(),
        scale.stall_slack.as_secs()
    );
    for (framework, result) in results {
        header.push_str(&format!(" {framework} |"));
        rule.push_str("---|");
        let refused_by = result.uploads_refused_by();
        let fast = refused_by.is_some_and(|refused| refused <= scale.upload_bound);
        let small = result.rss_growth() <= scale.rss_bound;
        let kept_open = scale.uploads - result.uploads_closed().min(scale.uploads);
        uploads.push_str(&format!(
            " {}{}, RSS +{}{}{} |",
            refused_by.map_or_else(|| "never".to_owned(), secs),
            mark(fast),
            mb(result.rss_growth()),
            mark(small),
            if kept_open == 0 {
                String::new()
            } else {
                format!(", **{kept_open} kept open**")
            }
        ));
        let answered = result.stalls_within(within);
        stalls.push_str(&format!(
            " {answered} / {}{} |",
            scale.stalls,
            mark(answered == scale.stalls)
        ));
    }
    println!("{header}\n{rule}\n{uploads}\n{stalls}");
    println!(
        "\n(limit {} KiB, deadline {} s, {} builds; bounds: uploads within {}, RSS growth \
         under {}, stalls within deadline + {} s)",
        BODY_LIMIT / 1024,
        DEADLINE.as_secs(),
        scale.profile,
        secs(scale.upload_bound),
        mb(scale.rss_bound),
        scale.stall_slack.as_secs()
    );
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

#[allow(clippy::cast_precision_loss, reason = "a size printed to 0.1 MB")]
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
