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
mod load;
mod peers;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::conformance::Expect;
use qiscus_webhook_testkit::process::Example;
use qiscus_webhook_testkit::{SignedRequest, fixtures, raw_receipt, sign, wire};

use crate::step;
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
    rounds: 3,
    duration: Duration::from_secs(4),
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
}

struct Receiver {
    name: &'static str,
    ours: bool,
    kind: Kind,
    /// It closes each connection after its answer (no keep-alive), as shipped.
    closes: bool,
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
struct Pinning {
    load: Option<usize>,
    receiver: Option<usize>,
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

fn pinning() -> Pinning {
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

/// Builds the examples (release for a measurement, debug for the smoke: CI has them) and
/// returns where their binaries are.
fn build(settings: Settings) -> Result<PathBuf, String> {
    let mut args = vec!["build", "--quiet", "-p", "qiscus-webhook-examples"];
    if settings.release {
        args.push("--release");
    }
    for (example, _) in EXAMPLES {
        args.extend(["--example", example]);
    }
    let profile = if settings.release { "release" } else { "debug" };
    println!("bench receivers: building the receiver examples ({profile}) ...");
    step::cargo(&args, &[])?;
    Ok(step::target_dir().join(profile).join("examples"))
}

/// Starts `receiver` with `token`, pinned to `cpu`.
fn start(
    receiver: &Receiver,
    binaries: &Path,
    token: &str,
    cpu: Option<usize>,
) -> Result<Example, String> {
    let mut command = match &receiver.kind {
        Kind::Example(example) => {
            let binary = binaries.join(example);
            let mut command = match cpu {
                Some(cpu) => {
                    let mut command = Command::new("taskset");
                    command.args(["-c", &cpu.to_string()]).arg(binary);
                    command
                }
                None => Command::new(binary),
            };
            // Quiet (no log line per request), no replay guard: the examples' defaults, made
            // explicit so that a developer's environment cannot change what is measured.
            command
                .env("RUST_LOG", "warn")
                .env("ROCKET_CLI_COLORS", "false")
                .env("QISCUS_WEBHOOK_REPLAY", "off")
                .env_remove("QISCUS_WEBHOOK_PREVIOUS_TOKEN")
                .env_remove("QISCUS_WEBHOOK_BODY_LIMIT");
            command
        }
        Kind::Peer(peer) => peer.command(cpu),
    };
    command.env("QISCUS_WEBHOOK_TOKEN", token);
    Example::start(command).map_err(|error| format!("start {}: {error}", receiver.name))
}

/// The contract, once per route and size before any load: the receipt of the body, and 401
/// `signature_mismatch` to a forged signature on the verified route.
fn contract(example: &Example, token: &str, bodies: &[Body]) -> Result<(), String> {
    for body in bodies {
        for route in [Route::Verified, Route::Unverified] {
            let request = SignedRequest::new(token, body.bytes.clone()).to_spec(route.path());
            let reply = wire::exchange_blocking(example.addr(), &request)
                .map_err(|error| format!("{} {}: {error}", route.path(), body.size))?;
            Expect::Accepted(raw_receipt(&body.bytes))
                .check(reply.status, &reply.body)
                .map_err(|error| format!("{} with {} bytes: {error}", route.path(), body.size))?;
        }
    }
    let bytes = bodies
        .first()
        .map(|body| body.bytes.clone())
        .unwrap_or_default();
    let forged = SignedRequest::new(token, bytes)
        .tampered()
        .to_spec("/webhook");
    let reply = wire::exchange_blocking(example.addr(), &forged)
        .map_err(|error| format!("forged signature: {error}"))?;
    Expect::Rejected {
        status: 401,
        code: "signature_mismatch",
    }
    .check(reply.status, &reply.body)
    .map_err(|error| format!("forged signature: {error}"))
}

/// One row's load: a receiver's route at one body size, and what each round measured.
struct Case<'a> {
    receiver: &'a Receiver,
    example: &'a Example,
    route: Route,
    body: &'a Body,
    rounds: Vec<Measured>,
}

impl Case<'_> {
    fn name(&self) -> String {
        format!(
            "{} {} {}",
            self.receiver.name,
            self.route.name(),
            size_label(self.body.size)
        )
    }

    /// The load for `duration`, every answer checked when `check`.
    fn load(&self, duration: Duration, check: bool, pinning: Pinning, scripts: &Path) -> Load {
        Load {
            base: format!("http://{}", self.example.addr()),
            path: self.route.path().to_owned(),
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

/// Why the gateway has no row, while it has none: not committed yet, or not started by this
/// bench yet.
fn gateway_missing() -> Option<&'static str> {
    let manifest = "crates/qiscus-webhook-gateway/Cargo.toml";
    let committed = Command::new("git")
        .current_dir(step::root())
        .args(["ls-files", "--error-unmatch", manifest])
        .output()
        .is_ok_and(|output| output.status.success());
    Some(if committed {
        "gateway: not measured yet (bench receivers does not start it yet), so no row"
    } else {
        "gateway: not built (crates/qiscus-webhook-gateway is not in this workspace yet), so no row"
    })
}

/// What the report says about the machine and the tools.
struct Machine {
    cpus: usize,
    model: String,
    kernel: String,
    load: String,
    tools: Vec<String>,
}

/// The first line `program args` prints (stdout, else stderr), trimmed.
fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|output| {
            let out = if output.stdout.is_empty() {
                output.stderr
            } else {
                output.stdout
            };
            String::from_utf8_lossy(&out)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|_| format!("{program}: not found"))
}

fn machine(python: &str) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown CPU".to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map(|text| {
                text.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default()
    };
    let wrk = first_line("wrk", &["-v"]);
    let wrk = wrk.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let express = peers::pinned("node", "package.json", "express").unwrap_or_default();
    let uvicorn = peers::pinned("python", "requirements.txt", "uvicorn").unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        model,
        kernel: read("/proc/sys/kernel/osrelease"),
        load: read("/proc/loadavg"),
        tools: vec![
            first_line("rustc", &["--version"]),
            wrk,
            format!(
                "Node {} (Express {express})",
                first_line("node", &["--version"])
            ),
            format!(
                "{} (uvicorn {uvicorn}, uvloop, httptools)",
                first_line(python, &["--version"])
            ),
        ],
    }
}

impl Machine {
    fn line(&self) -> String {
        format!(
            "{} vCPU {}, Linux {}, load average {} at the start",
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
         - Receivers: our four examples (examples/, release builds) and two peers written the \
         way their ecosystems' documentation recommends (bench/peers/, installed from npm and \
         PyPI at pinned versions): Express with `express.raw` and `crypto.timingSafeEqual`, and \
         a bare ASGI app on uvicorn with `hmac.compare_digest`.\n\
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
    if let Some(missing) = gateway_missing() {
        out.push_str(&format!("\nThe {missing}.\n"));
    }
    out.push_str(
        "\nReading it: `vs axum` is each row's req/s over our axum receiver's (verified) at \
         the same size. The \"added\" column is the CPU time verification adds per request on \
         the receiver's one core; compare it with the core alone in the first section (an \
         HMAC-SHA256 of the body). Figures on a shared 2-core machine move by 10-20% between \
         runs; the ratios within one run move less.\n",
    );
    out
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
    let binaries = build(settings)?;
    let dir = step::target_dir().join("bench-receivers");
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let node = peers::node(&dir.join("peers"))?;
    let python = peers::python(&dir.join("peers"))?;
    let python_program = python.argv.first().cloned().unwrap_or_default();
    let machine = machine(&python_program);
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
        let example = start(receiver, &binaries, &token, pinning.receiver)?;
        match contract(&example, &token, &bodies) {
            Ok(()) => running.push((receiver, example)),
            Err(error) => failures.push(format!("{}: the contract: {error}", receiver.name)),
        }
    }
    let mut cases: Vec<Case<'_>> = Vec::new();
    for (receiver, example) in &running {
        for route in [Route::Verified, Route::Unverified] {
            for body in &bodies {
                cases.push(Case {
                    receiver,
                    example,
                    route,
                    body,
                    rounds: Vec::new(),
                });
            }
        }
    }
    let mut failed = vec![false; cases.len()];
    for (n, case) in cases.iter().enumerate() {
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
    for chunk in cases.chunks(SIZES.len()) {
        let measured: Vec<Measured> = chunk
            .iter()
            .filter_map(|case| median(&case.rounds))
            .collect();
        if let (Some(first), Ok(measured)) = (chunk.first(), <[Measured; 2]>::try_from(measured)) {
            rows.push(Row {
                receiver: first.receiver.name,
                ours: first.receiver.ours,
                route: first.route,
                measured,
            });
        }
    }
    drop(cases);
    for (receiver, example) in running {
        if let Err(error) = example.terminate() {
            println!(
                "bench receivers: {}: did not stop cleanly: {error}",
                receiver.name
            );
        }
    }
    let gateway = gateway_missing();
    println!("\n{}", report::table(&rows));
    println!("{}", report::ratios(&rows));
    println!("{ROCKET_NOTE}");
    if let Some(missing) = gateway {
        println!("{missing}");
    }
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
                "32 keep-alive connections, 3 rounds of 4 s per row, interleaved (each figure \
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
