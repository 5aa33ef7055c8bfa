//! `cargo xtask bench receivers [--quick]`: real receivers side by side, over loopback.
//!
//! Each of the four receiver examples (its verified `POST /webhook` and the same handler
//! unverified, `POST /unverified`), and the reference peers of bench/peers/ (Express with
//! `crypto.timingSafeEqual`, a bare ASGI app on uvicorn with `hmac.compare_digest`, each also
//! with an unverified route), under the same load: wrk, one thread, [`CONNECTIONS`]
//! keep-alive connections, the same pre-signed Qiscus-like body at each of [`SIZES`], one
//! configured token. On two cores or more, wrk runs on one CPU and the receiver on another
//! (`taskset`). Every receiver first answers the contract once per route and size (the
//! receipt of the body; 401 to a forged signature), then is warmed up, then measured.
//!
//! The full run builds the examples with `--release`, measures 10 s per row, prints the table
//! and writes it to BENCHMARKS.md (section "Receivers side by side", with the machine) and
//! the chart to docs/receivers.svg. `--quick` is the smoke of `cargo xtask ci`: the debug
//! builds CI already has, 2 s per row, every response checked (200 and the body's receipt),
//! nothing written.

mod chart;
// Shared with `bench gateway` (the same wrk driver).
pub(crate) mod load;
mod peers;
mod report;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::conformance::Expect;
use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::{SignedRequest, fixtures, raw_receipt, sign, wire};

use crate::{machine, step};
use load::{Check, Load, Measured};
use report::{Route, Row, SIZES, size_label};

/// Open connections of the load generator, the same for every receiver.
const CONNECTIONS: u32 = 32;

/// How long each phase lasts, and which build.
#[derive(Debug, Clone, Copy)]
struct Settings {
    warmup: Duration,
    /// Rounds over every row, each `duration` long per row.
    rounds: usize,
    duration: Duration,
    release: bool,
    quick: bool,
}

const FULL: Settings = Settings {
    warmup: Duration::from_secs(2),
    rounds: 5,
    duration: Duration::from_secs(3),
    release: true,
    quick: false,
};

const QUICK: Settings = Settings {
    warmup: Duration::from_secs(1),
    rounds: 1,
    duration: Duration::from_secs(2),
    release: false,
    quick: true,
};

/// The examples: cargo's example name, and the receiver's name in the table.
const EXAMPLES: [(&str, &str); 4] = [
    ("axum", "axum"),
    ("actix", "actix-web"),
    ("warp", "warp"),
    ("rocket", "rocket*"),
];

/// A receiver to start.
enum Kind {
    /// A receiver example, by cargo's name.
    Example(&'static str),
    /// A reference peer, installed.
    Peer(peers::Peer),
    /// The gateway in front of a minimal upstream: the axum example's unverified route (the
    /// receipt of the bytes it was forwarded, so the contract also proves the forwarding
    /// exact). Its "unverified" row is that upstream alone.
    Gateway,
}

struct Receiver {
    name: &'static str,
    ours: bool,
    kind: Kind,
    /// It closes each connection after its answer (no keep-alive), as shipped.
    closes: bool,
}

impl Receiver {
    /// What its unverified row is.
    const fn unverified(&self) -> &'static str {
        match self.kind {
            Kind::Gateway => "upstream alone",
            _ => "unverified",
        }
    }
}

/// The gateway's binary.
const GATEWAY: &str = "qiscus-webhook-gateway";

/// A process this bench started without the examples' listening line (the gateway): killed
/// and reaped when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A receiver, running: where each of its two routes answers, and the processes behind.
struct Running<'a> {
    receiver: &'a Receiver,
    verified: (SocketAddr, &'static str),
    unverified: (SocketAddr, &'static str),
    /// Stopped with SIGTERM at the end.
    examples: Vec<Example>,
    /// Killed at the end.
    others: Vec<Killed>,
}

/// A body of the benchmark: its bytes on disk (wrk reads them) and its signature.
struct Body {
    size: usize,
    bytes: Vec<u8>,
    path: PathBuf,
    signature: String,
}

/// A real Qiscus event (`post_comment_mobile`) cut down to what a handler reads, for the
/// sizes below the fixture's 1160 bytes.
const SMALL_EVENT: &[u8] = br#"{"payload":{"from":{"email":"jarjit@domain.com","id":155549,"name":"Jarjit"},"message":{"id":802802,"text":"simulasi","type":"text","unix_timestamp":1506162884},"room":{"id":37537,"type":"single"}},"type":"post_comment_mobile"}"#;

/// A Qiscus-like body of exactly `size` bytes: the fixture (or its cut-down form when it is
/// too long), its message text lengthened with `x` to the size.
fn qiscus_body(size: usize) -> Result<Vec<u8>, String> {
    let event = if fixtures::POST_COMMENT_MOBILE_2017.len() <= size {
        fixtures::POST_COMMENT_MOBILE_2017
    } else {
        SMALL_EVENT
    };
    if event.len() > size {
        return Err(format!("no Qiscus-like body as small as {size} bytes"));
    }
    let text = br#""text":"simulasi"#;
    let at = event
        .windows(text.len())
        .position(|window| window == text)
        .ok_or("the event has no message text")?
        + text.len();
    let mut body = event.to_vec();
    body.splice(at..at, std::iter::repeat_n(b'x', size - event.len()));
    Ok(body)
}

/// Which CPUs wrk and the receivers run on: the first two this process may use, when there
/// are two and taskset works; else none (and the report says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pinning {
    pub(crate) load: Option<usize>,
    pub(crate) receiver: Option<usize>,
}

/// The CPUs of a `Cpus_allowed_list` (`0-1`, `0,2-3`).
fn cpu_list(list: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in list.trim().split(',') {
        let mut ends = part.splitn(2, '-').map(|n| n.trim().parse::<usize>());
        match (ends.next(), ends.next()) {
            (Some(Ok(one)), None) => cpus.push(one),
            (Some(Ok(from)), Some(Ok(to))) if from <= to => cpus.extend(from..=to),
            _ => {}
        }
    }
    cpus
}

pub(crate) fn pinning() -> Pinning {
    let allowed = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
                .map(cpu_list)
        })
        .unwrap_or_default();
    let taskset = Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    match allowed[..] {
        [load, receiver, ..] if taskset => Pinning {
            load: Some(load),
            receiver: Some(receiver),
        },
        _ => Pinning {
            load: None,
            receiver: None,
        },
    }
}

/// A fresh random token from the OS.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    let mut urandom =
        std::fs::File::open("/dev/urandom").map_err(|error| format!("/dev/urandom: {error}"))?;
    std::io::Read::read_exact(&mut urandom, &mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok()
}

/// Builds the examples and, when it is there, the gateway (release for a measurement, debug
/// for the smoke: CI has them) and returns the profile's directory.
fn build(settings: Settings, gateway: bool) -> Result<PathBuf, String> {
    let profile = if settings.release { "release" } else { "debug" };
    let mut args = vec!["build", "--quiet"];
    if settings.release {
        args.push("--release");
    }
    let mut examples = args.clone();
    examples.extend(["-p", "qiscus-webhook-examples"]);
    for (example, _) in EXAMPLES {
        examples.extend(["--example", example]);
    }
    println!("bench receivers: building the receiver examples ({profile}) ...");
    step::cargo(&examples, &[])?;
    if gateway {
        println!("bench receivers: building the gateway ({profile}) ...");
        args.extend(["-p", GATEWAY, "--bin", GATEWAY]);
        step::cargo(&args, &[])?;
    }
    Ok(step::target_dir().join(profile))
}

/// `program`, pinned to `cpu` when given (`taskset -c CPU program`).
fn pinned(program: impl AsRef<std::ffi::OsStr>, cpu: Option<usize>) -> Command {
    match cpu {
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command.args(["-c", &cpu.to_string()]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// Starts the receiver example `example` with `token`, pinned to `cpu`.
fn start_example(
    example: &str,
    profile: &Path,
    token: &str,
    cpu: Option<usize>,
) -> Result<Example, String> {
    let mut command = pinned(profile.join("examples").join(example), cpu);
    // Quiet (no log line per request), no replay guard: the examples' defaults, made explicit
    // so that a developer's environment cannot change what is measured.
    command
        .env("QISCUS_WEBHOOK_TOKEN", token)
        .env("RUST_LOG", "warn")
        .env("ROCKET_CLI_COLORS", "false")
        .env("QISCUS_WEBHOOK_REPLAY", "off")
        .env_remove("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
        .env_remove("QISCUS_WEBHOOK_BODY_LIMIT");
    Example::start(command).map_err(|error| format!("start the {example} example: {error}"))
}

/// Starts the gateway in front of `upstream`, pinned to `cpu`, its log in `log`, and waits
/// until it accepts connections: its address. Exactly this configuration, whatever the
/// environment holds; the replay guard off (every request sends the same body), the rest
/// its defaults (the JSON access line per request included).
fn start_gateway(
    profile: &Path,
    upstream: SocketAddr,
    token: &str,
    cpu: Option<usize>,
    log: &Path,
) -> Result<(SocketAddr, Killed), String> {
    let listen = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port for the gateway: {error}"))?;
    let log_file =
        std::fs::File::create(log).map_err(|error| format!("{}: {error}", log.display()))?;
    let mut command = pinned(profile.join(GATEWAY), cpu);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("QISCUS_WEBHOOK_TOKEN", token)
        .env("QISCUS_WEBHOOK_REPLAY", "off")
        .env("QISCUS_GATEWAY_UPSTREAM", format!("http://{upstream}"))
        .env("QISCUS_GATEWAY_LISTEN", listen.to_string())
        .env("QISCUS_GATEWAY_ADMIN_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
    let mut gateway = Killed(
        command
            .spawn()
            .map_err(|error| format!("start the gateway: {error}"))?,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(listen).is_err() {
        if let Ok(Some(status)) = gateway.0.try_wait() {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!("the gateway exited at start ({status}): {said}"));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the gateway does not listen on {listen} after 20 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((listen, gateway))
}

/// Starts `receiver` with `token`, pinned to `cpu`.
fn start<'a>(
    receiver: &'a Receiver,
    profile: &Path,
    token: &str,
    cpu: Option<usize>,
    dir: &Path,
) -> Result<Running<'a>, String> {
    let same = |example: Example| {
        let addr = example.addr();
        Running {
            receiver,
            verified: (addr, Route::Verified.path()),
            unverified: (addr, Route::Unverified.path()),
            examples: vec![example],
            others: Vec::new(),
        }
    };
    match &receiver.kind {
        Kind::Example(example) => Ok(same(start_example(example, profile, token, cpu)?)),
        Kind::Peer(peer) => {
            let mut command = peer.command(cpu);
            command.env("QISCUS_WEBHOOK_TOKEN", token);
            let example = Example::start(command)
                .map_err(|error| format!("start {}: {error}", receiver.name))?;
            Ok(same(example))
        }
        Kind::Gateway => {
            let upstream = start_example("axum", profile, token, cpu)?;
            let log = dir.join("gateway.log");
            let (gateway, process) = start_gateway(profile, upstream.addr(), token, cpu, &log)?;
            // The gateway verifies every path and forwards it: `/unverified` reaches the
            // upstream's route that answers the receipt without verifying again.
            Ok(Running {
                receiver,
                verified: (gateway, Route::Unverified.path()),
                unverified: (upstream.addr(), Route::Unverified.path()),
                examples: vec![upstream],
                others: vec![process],
            })
        }
    }
}

/// One row's load: a receiver's route at one body size, and what each round measured.
struct Case<'a> {
    receiver: &'a Receiver,
    route: Route,
    /// Where that route answers, and its path.
    target: (SocketAddr, &'static str),
    body: &'a Body,
    rounds: Vec<Measured>,
}

impl Case<'_> {
    fn name(&self) -> String {
        let route = match self.route {
            Route::Verified => "verified",
            Route::Unverified => self.receiver.unverified(),
        };
        format!(
            "{} {route} {}",
            self.receiver.name,
            size_label(self.body.size)
        )
    }

    /// The contract, once before any load: the receipt of the body; on a verified route, 401
    /// `signature_mismatch` to a forged signature too.
    fn contract(&self, token: &str) -> Result<(), String> {
        let (addr, path) = self.target;
        let signed = SignedRequest::new(token, self.body.bytes.clone());
        let reply = wire::exchange_blocking(addr, &signed.to_spec(path))
            .map_err(|error| format!("{path}: {error}"))?;
        Expect::Accepted(raw_receipt(&self.body.bytes))
            .check(reply.status, &reply.body)
            .map_err(|error| format!("{path}: {error}"))?;
        if self.route == Route::Verified {
            let forged = signed.tampered().to_spec(path);
            let reply = wire::exchange_blocking(addr, &forged)
                .map_err(|error| format!("{path}, forged signature: {error}"))?;
            Expect::Rejected {
                status: 401,
                code: "signature_mismatch",
            }
            .check(reply.status, &reply.body)
            .map_err(|error| format!("{path}, forged signature: {error}"))?;
        }
        Ok(())
    }

    /// The load for `duration`, every answer checked when `check`.
    fn load(&self, duration: Duration, check: bool, pinning: Pinning, scripts: &Path) -> Load {
        Load {
            base: format!("http://{}", self.target.0),
            path: self.target.1.to_owned(),
            body: self.body.path.clone(),
            signature: self.body.signature.clone(),
            connections: CONNECTIONS,
            duration,
            cpu: pinning.load,
            check: check.then(|| Check {
                bytes: self.body.size,
                sha256: raw_receipt(&self.body.bytes)["sha256"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }),
            script: scripts.join(format!("{}.lua", self.route.name())),
        }
    }

    /// Runs `load`: what it measured, or why it does not count.
    fn run(&self, load: &Load) -> Result<Measured, String> {
        let measured = load::run(load)?;
        match measured.failure(self.receiver.closes, CONNECTIONS) {
            Some(failure) => Err(failure),
            None => Ok(measured),
        }
    }
}

/// The median of each figure over the rounds (req/s, p50 and p99 each on its own): one
/// round slowed by a neighbour on a shared machine moves none of them. Errors and checks are
/// summed. `None` without rounds.
fn median(rounds: &[Measured]) -> Option<Measured> {
    fn middle<T: Copy + PartialOrd>(mut values: Vec<T>) -> Option<T> {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        values.get(values.len() / 2).copied()
    }
    let mut by_rate: Vec<&Measured> = rounds.iter().collect();
    by_rate.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    let base = **by_rate.get(by_rate.len() / 2)?;
    let sum = |field: fn(&Measured) -> u64| rounds.iter().map(field).sum();
    Some(Measured {
        p50: middle(rounds.iter().map(|m| m.p50).collect())?,
        p99: middle(rounds.iter().map(|m| m.p99).collect())?,
        connect_errors: sum(|m| m.connect_errors),
        io_errors: sum(|m| m.io_errors),
        timeouts: sum(|m| m.timeouts),
        non_2xx: sum(|m| m.non_2xx),
        checked: sum(|m| m.checked),
        bad: sum(|m| m.bad),
        ..base
    })
}

/// The footnote of the `rocket*` rows.
const ROCKET_NOTE: &str = "rocket*: examples/rocket.rs turns HTTP/1 keep-alive off (Rocket 0.5 \
     has no idle timeout to bound kept-alive sockets), so each of its requests opens a new \
     connection; the read error wrk sees at each close is expected there, not counted as a \
     failure";

/// Whether the gateway is in this workspace (committed): then it has a row.
fn gateway_committed() -> bool {
    Command::new("git")
        .current_dir(step::root())
        .args([
            "ls-files",
            "--error-unmatch",
            "crates/qiscus-webhook-gateway/Cargo.toml",
        ])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Why the gateway has no row, when it has none.
const GATEWAY_MISSING: &str =
    "gateway: not built (crates/qiscus-webhook-gateway is not in this workspace yet), so no row";

/// How the gateway's rows read.
const GATEWAY_NOTE: &str = "gateway: the gateway (replay guard off, as the examples; its \
     JSON access line per request on) in front of a minimal upstream, the axum example's \
     unverified route (it answers the receipt of the bytes it was forwarded: the contract \
     proves the forwarding exact), both on the receiver's CPU; its second row is that \
     upstream alone";

/// What the report says about the machine and the tools.
struct Machine {
    cpus: usize,
    model: String,
    kernel: String,
    load: String,
    /// The load average once measured (empty before).
    load_end: String,
    tools: Vec<String>,
}

fn machine(python: &str) -> Machine {
    let express = peers::pinned("node", "package.json", "express").unwrap_or_default();
    let uvicorn = peers::pinned("python", "requirements.txt", "uvicorn").unwrap_or_default();
    Machine {
        cpus: machine::cpus(),
        model: machine::cpu_model(),
        kernel: machine::first_word("/proc/sys/kernel/osrelease"),
        load: machine::first_word("/proc/loadavg"),
        load_end: String::new(),
        tools: vec![
            machine::first_line("rustc", &["--version"]),
            machine::wrk_version(),
            format!(
                "Node {} (Express {express})",
                machine::first_line("node", &["--version"])
            ),
            format!(
                "{} (uvicorn {uvicorn}, uvloop, httptools)",
                machine::first_line(python, &["--version"])
            ),
        ],
    }
}

impl Machine {
    fn line(&self) -> String {
        let end = if self.load_end.is_empty() {
            String::new()
        } else {
            format!(", {} at the end", self.load_end)
        };
        format!(
            "{} vCPU {}, Linux {}, load average {} at the start{end}",
            self.cpus, self.model, self.kernel, self.load
        )
    }
}

/// How the load ran, one sentence.
fn method(settings: Settings, pinning: Pinning) -> String {
    let pinned = match (pinning.load, pinning.receiver) {
        (Some(load), Some(receiver)) => {
            format!("wrk pinned to CPU {load} and the receiver to CPU {receiver} (taskset)")
        }
        _ => "no CPU pinning (fewer than two CPUs, or no taskset)".to_owned(),
    };
    let rounds = match settings.rounds {
        1 => format!("{} s per row", settings.duration.as_secs_f64()),
        n => format!(
            "{n} rounds of {} s per row, interleaved (each figure the median of its rounds)",
            settings.duration.as_secs_f64()
        ),
    };
    format!(
        "wrk, 1 thread, {CONNECTIONS} keep-alive connections, {rounds}, after a {} s warm-up; \
         {pinned}; {} builds",
        settings.warmup.as_secs_f64(),
        if settings.release { "release" } else { "debug" },
    )
}

/// The BENCHMARKS.md section of a full run.
fn section(rows: &[Row], machine: &Machine, method: &str) -> String {
    let sizes: Vec<String> = SIZES.iter().map(|&size| size_label(size)).collect();
    let mut out = format!(
        "{heading}\n\n\
         What a user choosing how to receive Qiscus webhooks asks: how many verified webhooks \
         per second, at what latency, does a real receiver take over a socket, against what \
         they would write instead, and what does verification cost on top of the same route \
         unverified? Every receiver answers the same contract (`POST /webhook` -> \
         `{{\"bytes\",\"sha256\"}}` of the raw body after verification; `POST /unverified`: the \
         same handler without it, a baseline only), under the same load, in one run:\n\n\
         ```sh\ncargo xtask bench receivers\n```\n\n\
         - Receivers: our four examples (examples/) and the gateway (crates/qiscus-webhook-gateway), \
         release builds, and two peers written the way their ecosystems' documentation recommends \
         (bench/peers/, installed from npm and PyPI at pinned versions): Express with \
         `express.raw` and `crypto.timingSafeEqual`, and a bare ASGI app on uvicorn with \
         `hmac.compare_digest`. Each runs alone on its CPU while measured (the others idle).\n\
         - Load: {method}. Bodies: a Qiscus `post_comment_mobile` event padded to {sizes} \
         (the same bytes, pre-signed, every request), one configured token. \
         p50/p99: wrk's latency percentiles (closed loop: each connection sends its next \
         request when the answer arrives).\n\
         - Machine: {machine}.\n\
         - Tools: {tools}.\n\n\
         ![Receivers side by side: req/s and p99 per receiver and body size](docs/receivers.svg)\n\n",
        heading = report::HEADING,
        sizes = sizes.join(" and "),
        machine = machine.line(),
        tools = machine.tools.join(", "),
    );
    out.push_str(&report::table(rows));
    out.push('\n');
    out.push_str(&report::ratios(rows));
    out.push_str(&format!("\n{}.\n", ROCKET_NOTE.replacen('*', "\\*", 1)));
    if rows.iter().any(|row| row.receiver == "gateway") {
        out.push_str(&format!("\n{GATEWAY_NOTE}.\n"));
    } else {
        out.push_str(&format!("\n{GATEWAY_MISSING}.\n"));
    }
    out.push_str(
        "\nReading it: `vs axum` is each row's req/s over our axum receiver's (verified) at \
         the same size; every ratio pairs the rounds (a row's round r with the other row's \
         round r) and gives their median. The \"added\" column is the CPU time verification \
         adds per request on the receiver's one core; compare it with the core alone in the \
         first section (the HMAC-SHA256 of the body). Absolute figures depend on what else \
         the machine runs (the load average above): on this 2-core machine busy with other \
         builds (load 4 and more) the same receivers measured 3 to 6 times lower; compare \
         rows of one run.\n",
    );
    report::wrap_markdown(&out, 96)
}

/// Runs `cargo xtask bench receivers [--quick]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let settings = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => FULL,
        ["--quick"] => QUICK,
        _ => return Err("usage: cargo xtask bench receivers [--quick]".into()),
    };
    let started = Instant::now();
    for (program, arg, install) in [
        (
            "wrk",
            "-v",
            "apt-get install -y wrk (or: cargo xtask provision)",
        ),
        ("node", "--version", "apt-get install -y nodejs npm"),
        ("npm", "--version", "apt-get install -y nodejs npm"),
        (
            "python3",
            "--version",
            "apt-get install -y python3 python3-venv",
        ),
    ] {
        if !have(program, arg) {
            return Err(format!("bench receivers needs {program}: {install}"));
        }
    }
    let gateway = gateway_committed();
    let profile = build(settings, gateway)?;
    let dir = step::target_dir().join("bench-receivers");
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let node = peers::node(&dir.join("peers"))?;
    let python = peers::python(&dir.join("peers"))?;
    let python_program = python.argv.first().cloned().unwrap_or_default();
    let mut machine = machine(&python_program);
    let pinning = pinning();

    let token = random_token()?;
    let bodies = SIZES
        .iter()
        .map(|&size| {
            let bytes = qiscus_body(size)?;
            let path = dir.join(format!("body-{size}.json"));
            std::fs::write(&path, &bytes)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            Ok(Body {
                size,
                signature: sign(&token, &bytes),
                bytes,
                path,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;

    let mut receivers: Vec<Receiver> = EXAMPLES
        .iter()
        .map(|&(example, name)| Receiver {
            name,
            ours: true,
            kind: Kind::Example(example),
            // examples/rocket.rs turns HTTP/1 keep-alive off (Rocket 0.5 has no idle timeout
            // to bound it): each request there pays for a new connection.
            closes: example == "rocket",
        })
        .collect();
    if gateway {
        receivers.push(Receiver {
            name: "gateway",
            ours: true,
            kind: Kind::Gateway,
            closes: false,
        });
    }
    receivers.push(Receiver {
        name: "Express (Node)",
        ours: false,
        kind: Kind::Peer(node),
        closes: false,
    });
    receivers.push(Receiver {
        name: "uvicorn (Python)",
        ours: false,
        kind: Kind::Peer(python),
        closes: false,
    });

    let method = method(settings, pinning);
    println!("bench receivers: {method}");
    println!("bench receivers: {}", machine.line());
    let mut failures = Vec::new();
    // Every receiver runs for the whole measurement (pinned to the same CPU; the idle ones
    // take nothing), so that the rounds can interleave them.
    let mut running = Vec::new();
    for receiver in &receivers {
        running.push(start(receiver, &profile, &token, pinning.receiver, &dir)?);
    }
    // Per receiver and size, its verified route then its unverified one, one after the other:
    // the pairs the ratios compare are measured seconds apart.
    let mut cases: Vec<Case<'_>> = Vec::new();
    for run in &running {
        for body in &bodies {
            for (route, target) in [
                (Route::Verified, run.verified),
                (Route::Unverified, run.unverified),
            ] {
                cases.push(Case {
                    receiver: run.receiver,
                    route,
                    target,
                    body,
                    rounds: Vec::new(),
                });
            }
        }
    }
    let mut failed = vec![false; cases.len()];
    for (n, case) in cases.iter().enumerate() {
        if let Err(error) = case.contract(&token) {
            failures.push(format!("{}: the contract: {error}", case.name()));
            failed[n] = true;
            continue;
        }
        if let Err(error) = case.run(&case.load(settings.warmup, false, pinning, &dir)) {
            failures.push(format!("{}: warm-up: {error}", case.name()));
            failed[n] = true;
        }
    }
    for round in 0..settings.rounds {
        // Each round starts further down the list, so no row always runs first or last.
        let offset = round * cases.len() / settings.rounds.max(1);
        for step in 0..cases.len() {
            let n = (offset + step) % cases.len();
            if failed[n] {
                continue;
            }
            let case = &cases[n];
            let load = case.load(settings.duration, settings.quick, pinning, &dir);
            match case.run(&load) {
                Ok(m) => {
                    println!(
                        "bench receivers: round {}/{}: {:<30} {:>9} req/s, p50 {}, p99 {}{}",
                        round + 1,
                        settings.rounds,
                        case.name(),
                        report::thousands(m.rate()),
                        report::millis(m.p50),
                        report::millis(m.p99),
                        if settings.quick {
                            format!(", {} responses checked", m.checked)
                        } else {
                            String::new()
                        },
                    );
                    cases[n].rounds.push(m);
                }
                Err(error) => {
                    failures.push(format!("{}: {error}", case.name()));
                    failed[n] = true;
                }
            }
        }
    }
    let mut rows = Vec::new();
    for receiver in &receivers {
        for route in [Route::Verified, Route::Unverified] {
            let of_row: Vec<&Case<'_>> = cases
                .iter()
                .filter(|case| case.receiver.name == receiver.name && case.route == route)
                .collect();
            let measured: Vec<Measured> = of_row
                .iter()
                .filter_map(|case| median(&case.rounds))
                .collect();
            let rates: Vec<Vec<f64>> = of_row
                .iter()
                .map(|case| case.rounds.iter().map(Measured::rate).collect())
                .collect();
            if let (Ok(measured), Ok(rates)) = (
                <[Measured; 2]>::try_from(measured),
                <[Vec<f64>; 2]>::try_from(rates),
            ) {
                rows.push(Row {
                    receiver: receiver.name,
                    ours: receiver.ours,
                    route,
                    unverified: receiver.unverified(),
                    measured,
                    rates,
                });
            }
        }
    }
    drop(cases);
    // Another process that ran meanwhile shows here (the start's figure does not see it).
    machine.load_end = std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    for run in running {
        // The gateway before its upstream.
        drop(run.others);
        for example in run.examples {
            if let Err(error) = example.terminate() {
                println!(
                    "bench receivers: {}: did not stop cleanly: {error}",
                    run.receiver.name
                );
            }
        }
    }
    println!("\n{}", report::table(&rows));
    println!("{}", report::ratios(&rows));
    println!("{ROCKET_NOTE}");
    println!(
        "{}",
        if gateway {
            GATEWAY_NOTE
        } else {
            GATEWAY_MISSING
        }
    );
    if !failures.is_empty() {
        return Err(format!(
            "bench receivers: {} failed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ));
    }
    if settings.quick {
        println!(
            "bench receivers --quick: every receiver answered the contract under load ({} rows, {})",
            rows.len(),
            step::seconds(started.elapsed())
        );
        return Ok(());
    }
    let svg = step::root().join("docs/receivers.svg");
    chart::draw(
        &svg,
        &rows,
        "Qiscus webhook receivers over loopback: verified and unverified",
        &format!(
            "cargo xtask bench receivers: {method}. {}. rocket*: no keep-alive (new connection per request).",
            machine.line()
        ),
    )?;
    let benchmarks = step::root().join("BENCHMARKS.md");
    let doc = std::fs::read_to_string(&benchmarks)
        .map_err(|error| format!("{}: {error}", benchmarks.display()))?;
    let updated = report::replace_section(&doc, &section(&rows, &machine, &method));
    std::fs::write(&benchmarks, updated)
        .map_err(|error| format!("{}: {error}", benchmarks.display()))?;
    println!(
        "bench receivers: wrote {} and the section \"Receivers side by side\" of {} ({})",
        svg.display(),
        benchmarks.display(),
        step::seconds(started.elapsed())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_is_qiscus_json_of_exactly_its_size() {
        for size in SIZES {
            let body = qiscus_body(size).unwrap();
            assert_eq!(body.len(), size);
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(event["type"], "post_comment_mobile");
            let text = event["payload"]["message"]["text"].as_str().unwrap();
            assert!(
                text.starts_with("simulasi") && text.ends_with('x'),
                "{text}"
            );
        }
        // The 2 KiB body is the full fixture, lengthened.
        let full = qiscus_body(2048).unwrap();
        assert!(full.ends_with(br#""type":"post_comment_mobile"}"#));
        assert!(qiscus_body(SMALL_EVENT.len() - 1).is_err());
    }

    #[test]
    fn the_allowed_cpus_are_read_from_the_kernel_list() {
        assert_eq!(cpu_list("0-1\n"), [0, 1]);
        assert_eq!(cpu_list("0,2-3"), [0, 2, 3]);
        assert_eq!(cpu_list("3"), [3]);
        assert_eq!(cpu_list(""), Vec::<usize>::new());
    }

    #[test]
    fn each_figure_is_the_median_of_its_rounds_and_errors_add_up() {
        let round = |requests: u64, p50_us: u64, p99_us: u64, io_errors: u64| Measured {
            requests,
            seconds: 1.0,
            p50: Duration::from_micros(p50_us),
            p99: Duration::from_micros(p99_us),
            connect_errors: 0,
            io_errors,
            timeouts: 0,
            non_2xx: 0,
            checked: requests,
            bad: 0,
        };
        // The second round was slowed by a neighbour: none of the medians is its.
        let rounds = [
            round(20_000, 500, 2_000, 1),
            round(9_000, 2_000, 90_000, 2),
            round(21_000, 480, 2_100, 3),
        ];
        let median = median(&rounds).unwrap();
        assert!((median.rate() - 20_000.0).abs() < 1e-9);
        assert_eq!(median.p50, Duration::from_micros(500));
        assert_eq!(median.p99, Duration::from_micros(2_100));
        assert_eq!((median.io_errors, median.checked), (6, 50_000));
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&rounds[..1]), Some(rounds[0]));
    }

    #[test]
    fn the_method_says_how_the_load_ran() {
        let pinned = Pinning {
            load: Some(0),
            receiver: Some(1),
        };
        let line = method(FULL, pinned);
        assert!(
            line.contains(
                "32 keep-alive connections, 5 rounds of 3 s per row, interleaved (each figure \
                 the median of its rounds), after a 2 s warm-up;"
            ),
            "{line}"
        );
        assert!(
            line.contains("wrk pinned to CPU 0 and the receiver to CPU 1")
                && line.ends_with("release builds"),
            "{line}"
        );
        let unpinned = method(
            QUICK,
            Pinning {
                load: None,
                receiver: None,
            },
        );
        assert!(
            unpinned.contains("no CPU pinning") && unpinned.ends_with("debug builds"),
            "{unpinned}"
        );
    }
}
