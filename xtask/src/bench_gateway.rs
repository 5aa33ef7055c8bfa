//! `cargo xtask bench gateway [--quick]`: what the gateway adds to a request's latency, against
//! what nginx `proxy_pass` (no verification) adds, in front of the same upstream, in one run.
//!
//! Four paths, each under the same wrk load (bench receivers' driver, `load.rs`): the upstream
//! alone (the gateway crate's `bench_upstream` example: `200 {}` after reading the body), nginx
//! in front of it (a generated config: one worker, keep-alive to the upstream, an access log
//! line per request), and the gateway in front of it with the replay guard off and with its
//! default memory store (HMAC, replay claim and commit, a JSON access line per request).
//! Every request carries a different 2 KiB Qiscus-like body (no event time), signed in
//! advance: the replay guard sees no duplicate (`QISCUS_WEBHOOK_MAX_AGE=1` lets a body come
//! back after a second, by which time its entry has expired), so every request is verified,
//! claimed, forwarded and committed.
//!
//! Added latency = the path's median (or p99) minus the upstream alone's, at the same load;
//! the ratio is the gateway's added latency over nginx's. Two loads: 1 connection (the cost of
//! one request, unloaded) and 32 connections (saturated: throughput). On two CPUs or more, wrk
//! runs on one and every server on another (taskset). The full run prints the table and writes
//! it to BENCHMARKS.md ("Gateway against nginx"); `--quick` is a short check, nothing written.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::{SignedRequest, sign, wire};

use crate::bench_receivers::load::{self, Load, Measured};
use crate::bench_receivers::{Pinning, pinning};
use crate::{machine, provision, step};

/// The size of every body.
const BODY_SIZE: usize = 2048;
/// How many distinct signed bodies the load cycles through: far more than a second's worth
/// of requests, so that no body comes back while the guard still remembers it.
const BODIES: usize = 100_000;
/// The loads: open keep-alive connections.
const LEVELS: [u32; 2] = [1, 32];
/// The section of BENCHMARKS.md this bench writes.
const HEADING: &str = "## Gateway against nginx";
/// The aim of issue 16: the gateway's added latency at most this many times nginx's.
const AIM: f64 = 1.5;

/// How long each phase lasts.
#[derive(Debug, Clone, Copy)]
struct Settings {
    warmup: Duration,
    rounds: usize,
    duration: Duration,
    quick: bool,
}

const FULL: Settings = Settings {
    warmup: Duration::from_secs(2),
    rounds: 5,
    duration: Duration::from_secs(4),
    quick: false,
};

const QUICK: Settings = Settings {
    warmup: Duration::from_secs(1),
    rounds: 1,
    duration: Duration::from_secs(2),
    quick: true,
};

/// The parts of every body around its 8-digit id: `prefix + id + suffix` is [`BODY_SIZE`]
/// bytes of Qiscus-like JSON with no event time (so the replay guard checks no freshness).
fn template() -> (String, String) {
    let prefix = r#"{"payload":{"from":{"email":"jarjit@domain.com","id":155549,"name":"Jarjit"},"message":{"id_str":""#;
    let text = r#"","text":""#;
    let tail =
        r#"","type":"text"},"room":{"id":37537,"type":"single"}},"type":"post_comment_mobile"}"#;
    let padding = BODY_SIZE - prefix.len() - 8 - text.len() - tail.len();
    (
        prefix.to_owned(),
        format!("{text}{}{tail}", "x".repeat(padding)),
    )
}

fn body(id: usize) -> Vec<u8> {
    let (prefix, suffix) = template();
    format!("{prefix}{id:08}{suffix}").into_bytes()
}

/// The Lua appended to the load's script: a different body and signature per request, read
/// from `signatures` (one line per id).
fn request_lua(signatures: &Path) -> String {
    let (prefix, suffix) = template();
    format!(
        "local signatures = {{}}\n\
         for line in io.lines({path:?}) do signatures[#signatures + 1] = line end\n\
         local prefix, suffix = {prefix:?}, {suffix:?}\n\
         local count, sent = #signatures, 0\n\
         function request()\n\
         \x20 local id = sent % count\n\
         \x20 sent = sent + 1\n\
         \x20 wrk.headers[\"qiscus-sdk-signature\"] = signatures[id + 1]\n\
         \x20 return wrk.format(nil, nil, nil, prefix .. string.format(\"%08d\", id) .. suffix)\n\
         end\n",
        path = signatures.to_string_lossy(),
    )
}

/// A server this bench started: killed (and reaped) when dropped.
struct Server {
    name: &'static str,
    addr: SocketAddr,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
fn free_port() -> Result<SocketAddr, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))
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

/// Starts `command`, output to `dir/<name>.out` and `.err`, and waits until `addr` accepts
/// connections.
fn start(
    name: &'static str,
    mut command: Command,
    addr: SocketAddr,
    dir: &Path,
) -> Result<Server, String> {
    let file = |suffix: &str| {
        std::fs::File::create(dir.join(format!("{name}.{suffix}")))
            .map_err(|error| format!("{name}: {error}"))
    };
    let child = command
        .stdin(Stdio::null())
        .stdout(file("out")?)
        .stderr(file("err")?)
        .spawn()
        .map_err(|error| format!("cannot start {name}: {error}"))?;
    let mut server = Server { name, addr, child };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let err = std::fs::read_to_string(dir.join(format!("{name}.err"))).unwrap_or_default();
            return Err(format!("{name} exited at start ({status}): {err}"));
        }
        if Instant::now() > deadline {
            return Err(format!("{name} does not listen on {addr} after 20 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// nginx's configuration: one worker, everything in `dir`, `proxy_pass` to the upstream over
/// kept-alive connections, one access log line per request, buffered and written within
/// 50 ms (as the gateway writes its JSON lines).
fn nginx_config(dir: &Path, listen: SocketAddr, upstream: SocketAddr) -> String {
    let dir = dir.display();
    format!(
        "daemon off;\n\
         worker_processes 1;\n\
         pid {dir}/nginx.pid;\n\
         error_log {dir}/nginx-error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20 access_log {dir}/nginx-access.log combined buffer=64k flush=50ms;\n\
         \x20 client_body_temp_path {dir}/nginx-body;\n\
         \x20 proxy_temp_path {dir}/nginx-proxy;\n\
         \x20 fastcgi_temp_path {dir}/nginx-fastcgi;\n\
         \x20 uwsgi_temp_path {dir}/nginx-uwsgi;\n\
         \x20 scgi_temp_path {dir}/nginx-scgi;\n\
         \x20 upstream backend {{ server {upstream}; keepalive 64; }}\n\
         \x20 server {{\n\
         \x20   listen {listen};\n\
         \x20   location / {{\n\
         \x20     proxy_pass http://backend;\n\
         \x20     proxy_http_version 1.1;\n\
         \x20     proxy_set_header Connection \"\";\n\
         \x20   }}\n\
         \x20 }}\n\
         }}\n"
    )
}

fn nginx_program() -> String {
    if Command::new("sh")
        .args(["-c", "command -v nginx"])
        .output()
        .is_ok_and(|output| output.status.success())
    {
        "nginx".to_owned()
    } else {
        "/usr/sbin/nginx".to_owned()
    }
}

/// A fresh random token.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    let mut urandom =
        std::fs::File::open("/dev/urandom").map_err(|error| format!("/dev/urandom: {error}"))?;
    std::io::Read::read_exact(&mut urandom, &mut bytes).map_err(|error| error.to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// One request through `server` before any load: 200 to a signed body, and (through the
/// gateway) 401 to a forged one, so that what is measured really verifies.
fn contract(server: &Server, token: &str, verifies: bool) -> Result<(), String> {
    let signed = SignedRequest::new(token, body(BODIES + 1)).to_spec("/webhook");
    let reply = wire::exchange_blocking(server.addr, &signed)
        .map_err(|error| format!("{}: {error}", server.name))?;
    if reply.status != 200 {
        return Err(format!(
            "{}: a signed body got {}",
            server.name, reply.status
        ));
    }
    if verifies {
        let forged = SignedRequest::new("not-the-token", body(BODIES + 2)).to_spec("/webhook");
        let reply = wire::exchange_blocking(server.addr, &forged)
            .map_err(|error| format!("{}: {error}", server.name))?;
        if reply.status != 401 {
            return Err(format!(
                "{}: a forged body got {}",
                server.name, reply.status
            ));
        }
    }
    Ok(())
}

/// One measured figure of a path at a load.
#[derive(Debug, Clone, Copy)]
struct Figure {
    rate: f64,
    p50_us: f64,
    p99_us: f64,
    /// CPU time the servers (the upstream, and the proxy in front of it) spent per request.
    cpu_us: f64,
    /// How far apart the rounds' p99 were (max - min): the noise of the tail.
    p99_spread_us: f64,
}

/// One round of a path: what wrk measured, and the servers' CPU per request.
#[derive(Debug, Clone, Copy)]
struct Round {
    measured: Measured,
    cpu_us: f64,
}

/// The median of each figure over the rounds, and the spread of their p99.
fn median(rounds: &[Round]) -> Figure {
    let middle = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(0.0)
    };
    let p99s: Vec<f64> = rounds
        .iter()
        .map(|r| r.measured.p99.as_secs_f64() * 1e6)
        .collect();
    let spread = p99s.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - p99s.iter().copied().fold(f64::INFINITY, f64::min);
    Figure {
        rate: middle(rounds.iter().map(|r| r.measured.rate()).collect()),
        p50_us: middle(
            rounds
                .iter()
                .map(|r| r.measured.p50.as_secs_f64() * 1e6)
                .collect(),
        ),
        p99_us: middle(p99s),
        cpu_us: middle(rounds.iter().map(|r| r.cpu_us).collect()),
        p99_spread_us: if spread.is_finite() { spread } else { 0.0 },
    }
}

/// The CPU time (user and system, in clock ticks of 10 ms, Linux's `USER_HZ`) of `pid` and
/// of its child processes (nginx's worker), from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let own = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // After the command's `)`: field 3 (state) first, utime and stime at 14 and 15.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    own + children
        .split_whitespace()
        .filter_map(|child| child.parse().ok())
        .map(cpu_ticks)
        .sum::<u64>()
}

/// Microseconds per clock tick of [`cpu_ticks`].
const TICK_US: f64 = 10_000.0;

/// The paths, in table order: their name and whether they verify.
const PATHS: [(&str, bool); 4] = [
    ("upstream alone", false),
    ("nginx proxy_pass", false),
    ("gateway, replay off", true),
    ("gateway, replay memory", true),
];

/// The table: per load, each path's req/s, p50, p99, added p50/p99, and the ratio to nginx's.
fn table(figures: &[[Figure; 4]; 2]) -> String {
    let mut out = String::from(
        "| connections | path | req/s | p50 | p99 | servers' CPU per request | added p50 | added p99 | added, vs nginx (p50 / p99) |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (level, row) in LEVELS.iter().zip(figures) {
        let direct = row[0];
        let nginx = (row[1].p50_us - direct.p50_us, row[1].p99_us - direct.p99_us);
        for (index, ((name, _), figure)) in PATHS.iter().zip(row).enumerate() {
            let added = (figure.p50_us - direct.p50_us, figure.p99_us - direct.p99_us);
            let (added_text, ratio) = match index {
                0 => ("-".to_owned(), "-".to_owned()),
                _ => (
                    format!("{:+.0} µs | {:+.0} µs", added.0, added.1),
                    format!("{} / {}", ratio(added.0, nginx.0), ratio(added.1, nginx.1)),
                ),
            };
            let added_text = if index == 0 {
                format!("{added_text} | -")
            } else {
                added_text
            };
            let _ = writeln!(
                out,
                "| {level} | {name} | {:.0} | {:.0} µs | {:.0} µs | {:.0} µs | {added_text} | {ratio} |",
                figure.rate, figure.p50_us, figure.p99_us, figure.cpu_us
            );
        }
    }
    out
}

/// `ours / theirs` as `1.23x` (`n/a` when nginx added nothing measurable).
fn ratio(ours: f64, theirs: f64) -> String {
    if theirs <= 0.0 {
        "n/a".to_owned()
    } else {
        format!("{:.2}x", ours / theirs)
    }
}

/// `doc` with this bench's section ([`HEADING`]) replaced, or appended.
fn replace_section(doc: &str, section: &str) -> String {
    machine::replace_section(doc, HEADING, section)
}

fn machine() -> String {
    format!(
        "{} vCPU {}, Linux {}, load average {} at the start; {}, {}, {}",
        machine::cpus(),
        machine::cpu_model(),
        machine::first_word("/proc/sys/kernel/osrelease"),
        machine::first_word("/proc/loadavg"),
        machine::first_line("rustc", &["--version"]),
        machine::first_line(&nginx_program(), &["-v"]).replace("nginx version: ", ""),
        machine::wrk_version(),
    )
}

/// The verdict against the aim, per gateway row and load.
fn verdict(figures: &[[Figure; 4]; 2]) -> String {
    let mut lines = Vec::new();
    for (level, row) in LEVELS.iter().zip(figures) {
        let direct = row[0];
        let nginx = (
            row[1].p50_us - direct.p50_us,
            row[1].p99_us - direct.p99_us,
            row[1].cpu_us - direct.cpu_us,
        );
        // The tail is measurable only where nginx's added p99 stands out of the rounds' own
        // spread (other processes on the machine move p99 by more than a proxy adds).
        let noise = direct.p99_spread_us.max(row[1].p99_spread_us);
        for index in [2, 3] {
            let added = (
                row[index].p50_us - direct.p50_us,
                row[index].p99_us - direct.p99_us,
                row[index].cpu_us - direct.cpu_us,
            );
            let within = |ours: f64, theirs: f64| theirs > 0.0 && ours <= AIM * theirs;
            let p50 = format!(
                "p50 {} of nginx's added latency ({})",
                ratio(added.0, nginx.0),
                if within(added.0, nginx.0) {
                    "within the aim"
                } else {
                    "not within the aim"
                },
            );
            let p99 = if nginx.1 > noise {
                format!(
                    "p99 {} ({})",
                    ratio(added.1, nginx.1),
                    if within(added.1, nginx.1) {
                        "within the aim"
                    } else {
                        "not within the aim"
                    },
                )
            } else {
                format!(
                    "p99 not comparable: nginx's added p99 ({:+.0} µs) is within the rounds' p99 \
                     spread ({noise:.0} µs)",
                    nginx.1
                )
            };
            lines.push(format!(
                "- {} at {level} connection{}: {p50}; {p99}; servers' CPU per request {:+.1} µs \
                 against nginx's {:+.1} µs ({}). Aim: at most {AIM}x.",
                PATHS[index].0,
                if *level == 1 { "" } else { "s" },
                added.2,
                nginx.2,
                ratio(added.2, nginx.2),
            ));
        }
    }
    lines.join("\n")
}

fn section(figures: &[[Figure; 4]; 2], method: &str, machine: &str) -> String {
    format!(
        "{HEADING}\n\n\
         What a team putting the gateway in front of its backend asks: what does it add to each \
         webhook, compared with the reverse proxy they would put there anyway? The same upstream \
         (the gateway crate's `bench_upstream` example: `200 {{}}` after reading the body) \
         alone, behind nginx `proxy_pass` (no verification), and behind the gateway (HMAC of \
         the raw body, replay check and commit, a JSON access line per request), in one run:\n\n\
         ```sh\ncargo xtask bench gateway\n```\n\n\
         - Load: {method}.\n\
         - Bodies: 2 KiB Qiscus-like JSON, a different one per request ({BODIES} signed in \
           advance, cycled), so that the replay guard admits, claims and commits every one \
           (no event time in them, `QISCUS_WEBHOOK_MAX_AGE=1`: a body comes back long after \
           its entry expired).\n\
         - nginx: one worker, keep-alive connections to the upstream (`keepalive 64`, HTTP/1.1), \
           an access log line per request to a file, buffered (`buffer=64k flush=50ms`), as the \
           gateway buffers its JSON access lines (stdout, to a file here) for at most 50 ms.\n\
         - Added latency: the path's p50 (p99) minus the upstream alone's at the same load; the \
           ratio is the gateway's added latency over nginx's. Servers' CPU per request: the user \
           and system time of the upstream and the proxy (from /proc, 10 ms ticks) over the \
           requests answered; what a proxy adds to it is its own cost per request.\n\
         - Machine: {machine}.\n\n\
         {}\n\
         {}\n\n\
         {WHERE}\n",
        table(figures),
        verdict(figures),
    )
}

/// Where the gateway's time goes, as profiled (perf call graphs, `perf stat` task-clock per
/// request, A/B builds on the 2-vCPU machine of the table): the part of the section a run does
/// not measure.
const WHERE: &str = "Where the gateway's added time goes: it is CPU per request (the servers' CPU \
column), not waiting, and half of it is the kernel's. A call-graph profile at 32 connections \
(`perf record -g -F 1500 -p PID`, 5 s of wrk load, replay off, a frame-pointer build with line \
tables) puts 49% of the gateway's samples under its `writev` calls (the loopback TCP send, which \
also runs the peer's receive path and wakes the peer), 37% in waking the peer alone; nginx, \
under the same load, spends 54% under `writev` but only 12.5% waking its peers. Both write the \
same two times per request: the wake-up is dearer for the gateway, most likely because at its \
lower rate wrk and the upstream are more often asleep when its answer arrives, and on a \
virtual machine waking an idle vCPU is a round trip through the hypervisor. The gateway's own code is 27% of its \
samples: the JSON access line 9% (tracing-subscriber), SHA-256 5%, then hyper's two HTTP/1 \
stacks (axum's server, hyper-util's pooled client) and about 4 µs for the task the forwarding \
runs in (kept: a client that hangs up does not cut the upstream's request short, so the replay \
claim records what the backend did). Already taken out: a `write` per access line (lines are \
buffered for at most 50 ms, as nginx's here), metric label lookups per request, Nagle's delay \
(TCP_NODELAY on both sides). So the 1.5x aim is out of reach by trimming user-space code alone: \
dropping the access line and the HMAC entirely would remove about 14% of the gateway's CPU.";

fn method(settings: Settings, pinning: Pinning) -> String {
    let pinned = match (pinning.load, pinning.receiver) {
        (Some(load), Some(servers)) => format!(
            "wrk pinned to CPU {load}, the upstream, nginx and the gateway to CPU {servers} \
             (taskset)"
        ),
        _ => "no CPU pinning (fewer than two CPUs, or no taskset)".to_owned(),
    };
    format!(
        "wrk, 1 thread, {} and {} keep-alive connections, {} rounds of {} s per path and load, \
         interleaved (each figure the median of its rounds), after a {} s warm-up; {pinned}; \
         release builds",
        LEVELS[0],
        LEVELS[1],
        settings.rounds,
        settings.duration.as_secs(),
        settings.warmup.as_secs(),
    )
}

/// Builds the gateway and the upstream (release) and returns the directory of the binaries.
fn build() -> Result<PathBuf, String> {
    println!("bench gateway: building the gateway and its upstream (release) ...");
    step::cargo(
        &[
            "build",
            "--quiet",
            "--release",
            "-p",
            "qiscus-webhook-gateway",
            "--bin",
            "qiscus-webhook-gateway",
            "--example",
            "bench_upstream",
        ],
        &[],
    )?;
    Ok(step::target_dir().join("release"))
}

pub fn run(args: &[String]) -> Result<(), String> {
    let settings = match args {
        [] => FULL,
        [quick] if quick == "--quick" => QUICK,
        _ => return Err("usage: cargo xtask bench gateway [--quick]".into()),
    };
    provision::ensure(provision::BENCH_GATEWAY)?;
    let started = Instant::now();
    let binaries = build()?;
    let dir = step::target_dir().join("bench-gateway");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let machine = machine();
    let pinning = pinning();

    let token = random_token()?;
    let signatures = dir.join("signatures.txt");
    let mut lines = String::with_capacity(BODIES * 65);
    for id in 0..BODIES {
        lines.push_str(&sign(&token, body(id)));
        lines.push('\n');
    }
    std::fs::write(&signatures, lines).map_err(|error| error.to_string())?;
    let first = dir.join("body.json");
    std::fs::write(&first, body(0)).map_err(|error| error.to_string())?;

    let upstream_addr = free_port()?;
    let mut upstream = pinned(binaries.join("examples/bench_upstream"), pinning.receiver);
    upstream.arg(upstream_addr.to_string());
    let upstream = start("upstream", upstream, upstream_addr, &dir)?;

    let nginx_addr = free_port()?;
    let config = dir.join("nginx.conf");
    std::fs::write(&config, nginx_config(&dir, nginx_addr, upstream_addr))
        .map_err(|error| error.to_string())?;
    let mut nginx = pinned(nginx_program(), pinning.receiver);
    nginx.arg("-p").arg(&dir).arg("-c").arg(&config);
    let nginx = start("nginx", nginx, nginx_addr, &dir)?;

    let gateway = |name: &'static str, replay: &str| -> Result<Server, String> {
        let (listen, admin) = (free_port()?, free_port()?);
        let mut command = pinned(binaries.join("qiscus-webhook-gateway"), pinning.receiver);
        // Exactly this configuration, whatever the developer's environment holds.
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("QISCUS_WEBHOOK_TOKEN", &token)
            .env("QISCUS_GATEWAY_UPSTREAM", format!("http://{upstream_addr}"))
            .env("QISCUS_GATEWAY_LISTEN", listen.to_string())
            .env("QISCUS_GATEWAY_ADMIN_LISTEN", admin.to_string())
            .env("QISCUS_WEBHOOK_REPLAY", replay)
            .env("QISCUS_WEBHOOK_MAX_AGE", "1");
        start(name, command, listen, &dir)
    };
    let off = gateway("gateway-replay-off", "off")?;
    let memory = gateway("gateway-replay-memory", "memory")?;
    let servers = [&upstream, &nginx, &off, &memory];
    for (server, (_, verifies)) in servers.iter().zip(PATHS) {
        contract(server, &token, verifies)?;
    }
    println!(
        "bench gateway: {} signed bodies of {BODY_SIZE} bytes; {}",
        BODIES,
        method(settings, pinning)
    );

    let lua = request_lua(&signatures);
    let measure = |server: &Server, connections: u32, duration: Duration| {
        let servers_cpu = || {
            let proxy = if server.addr == upstream.addr {
                0
            } else {
                cpu_ticks(server.child.id())
            };
            proxy + cpu_ticks(upstream.child.id())
        };
        let before = servers_cpu();
        let load = Load {
            base: format!("http://{}", server.addr),
            path: "/webhook".into(),
            body: first.clone(),
            signature: sign(&token, body(0)),
            connections,
            duration,
            cpu: pinning.load,
            check: None,
            script: dir.join(format!("{}-{connections}.lua", server.name)),
        };
        let measured = load::run_with(&load, &lua)?;
        let ticks = servers_cpu().saturating_sub(before);
        let cpu_us = ticks as f64 * TICK_US / measured.requests.max(1) as f64;
        match measured.failure(false, connections) {
            Some(failure) => Err(format!(
                "{} at {connections} connections: {failure}",
                server.name
            )),
            None => Ok(Round { measured, cpu_us }),
        }
    };
    let mut figures = [[Figure {
        rate: 0.0,
        p50_us: 0.0,
        p99_us: 0.0,
        cpu_us: 0.0,
        p99_spread_us: 0.0,
    }; 4]; 2];
    for (level_index, &connections) in LEVELS.iter().enumerate() {
        for server in servers {
            measure(server, connections, settings.warmup)?;
        }
        let mut rounds: [Vec<Round>; 4] = Default::default();
        for round in 0..settings.rounds {
            for (index, server) in servers.iter().enumerate() {
                let measured = measure(server, connections, settings.duration)?;
                println!(
                    "bench gateway: {connections} conn, round {}: {:<24} {:>8.0} req/s  p50 {:>6} µs  p99 {:>6} µs  CPU {:>5.1} µs/req",
                    round + 1,
                    PATHS[index].0,
                    measured.measured.rate(),
                    measured.measured.p50.as_micros(),
                    measured.measured.p99.as_micros(),
                    measured.cpu_us,
                );
                rounds[index].push(measured);
            }
        }
        for (index, measured) in rounds.iter().enumerate() {
            figures[level_index][index] = median(measured);
        }
    }
    drop((off, memory, nginx, upstream));
    println!("\n{}\n{}", table(&figures), verdict(&figures));
    if settings.quick {
        println!("bench gateway: --quick: nothing written");
        return Ok(());
    }
    let benchmarks = step::root().join("BENCHMARKS.md");
    let doc = std::fs::read_to_string(&benchmarks)
        .map_err(|error| format!("{}: {error}", benchmarks.display()))?;
    let updated = replace_section(
        &doc,
        &section(&figures, &method(settings, pinning), &machine),
    );
    std::fs::write(&benchmarks, updated)
        .map_err(|error| format!("{}: {error}", benchmarks.display()))?;
    println!(
        "bench gateway: wrote the section \"{}\" of {} ({})",
        HEADING.trim_start_matches("## "),
        benchmarks.display(),
        step::seconds(started.elapsed())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_is_json_of_exactly_the_size_and_has_no_event_time() {
        for id in [0, 7, BODIES - 1] {
            let body = body(id);
            assert_eq!(body.len(), BODY_SIZE);
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["payload"]["message"]["id_str"], format!("{id:08}"));
            let message = json["payload"]["message"].as_object().unwrap();
            for time in ["unix_nano_timestamp", "timestamp", "created_at"] {
                assert!(!message.contains_key(time), "{time}");
            }
        }
        assert_ne!(body(1), body(2));
    }

    #[test]
    fn the_request_lua_sends_each_id_with_its_signature() {
        let lua = request_lua(Path::new("/tmp/x/signatures.txt"));
        assert!(
            lua.contains(r#"io.lines("/tmp/x/signatures.txt")"#),
            "{lua}"
        );
        assert!(lua.contains("signatures[id + 1]"), "{lua}");
        assert!(lua.contains(r#"string.format("%08d", id)"#), "{lua}");
        let (prefix, suffix) = template();
        assert!(lua.contains(&format!("{prefix:?}")) && lua.contains(&format!("{suffix:?}")));
    }

    #[test]
    fn the_table_gives_added_latency_and_the_ratio_to_nginx() {
        let figure = |rate, p50_us, p99_us, cpu_us, p99_spread_us| Figure {
            rate,
            p50_us,
            p99_us,
            cpu_us,
            p99_spread_us,
        };
        let row = [
            figure(20_000.0, 40.0, 80.0, 10.0, 5.0),
            figure(15_000.0, 60.0, 120.0, 20.0, 5.0),
            figure(12_000.0, 70.0, 140.0, 25.0, 5.0),
            figure(11_000.0, 75.0, 150.0, 30.0, 5.0),
        ];
        let mut noisy = row;
        noisy[0].p99_spread_us = 900.0;
        let figures = [row, noisy];
        let table = table(&figures);
        for line in [
            "| 1 | upstream alone | 20000 | 40 µs | 80 µs | 10 µs | - | - | - |",
            "| 1 | nginx proxy_pass | 15000 | 60 µs | 120 µs | 20 µs | +20 µs | +40 µs | 1.00x / 1.00x |",
            "| 32 | gateway, replay off | 12000 | 70 µs | 140 µs | 25 µs | +30 µs | +60 µs | 1.50x / 1.50x |",
        ] {
            assert!(table.contains(line), "{line}:\n{table}");
        }
        let verdict = verdict(&figures);
        for line in [
            "- gateway, replay off at 1 connection: p50 1.50x of nginx's added latency (within \
             the aim); p99 1.50x (within the aim); servers' CPU per request +15.0 µs against \
             nginx's +10.0 µs (1.50x). Aim: at most 1.5x.",
            "- gateway, replay memory at 1 connection: p50 1.75x of nginx's added latency (not \
             within the aim); p99 1.75x (not within the aim)",
            "- gateway, replay memory at 32 connections: p50 1.75x of nginx's added latency (not \
             within the aim); p99 not comparable: nginx's added p99 (+40 µs) is within the \
             rounds' p99 spread (900 µs)",
        ] {
            assert!(verdict.contains(line), "{line}:\n{verdict}");
        }
    }

    #[test]
    fn the_median_and_the_spread_of_rounds() {
        let round = |p50_us: u64, p99_us: u64, cpu_us: f64| Round {
            measured: Measured {
                requests: 1000,
                seconds: 1.0,
                p50: Duration::from_micros(p50_us),
                p99: Duration::from_micros(p99_us),
                connect_errors: 0,
                io_errors: 0,
                timeouts: 0,
                non_2xx: 0,
                checked: 0,
                bad: 0,
            },
            cpu_us,
        };
        let figure = median(&[
            round(50, 300, 9.0),
            round(70, 100, 11.0),
            round(60, 200, 10.0),
        ]);
        assert_eq!(
            (figure.p50_us, figure.p99_us, figure.cpu_us),
            (60.0, 200.0, 10.0)
        );
        assert_eq!((figure.rate, figure.p99_spread_us), (1000.0, 200.0));
    }

    #[test]
    fn cpu_ticks_reads_this_process() {
        // Burn a little CPU, then read it back: at least it is read.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert_ne!(x, 1);
        assert!(cpu_ticks(std::process::id()) > 0);
        assert_eq!(cpu_ticks(u32::MAX), 0);
    }

    #[test]
    fn the_section_replaces_its_own_and_nothing_else() {
        let doc = "# B\n\n## A\n\na\n\n## Gateway against nginx\n\nold\n\n## C\n\nc\n";
        let new = replace_section(doc, "## Gateway against nginx\n\nnew\n");
        assert_eq!(
            new,
            "# B\n\n## A\n\na\n\n## Gateway against nginx\n\nnew\n\n## C\n\nc\n"
        );
        let appended = replace_section("# B\n", "## Gateway against nginx\n\nnew\n");
        assert_eq!(appended, "# B\n\n## Gateway against nginx\n\nnew\n");
    }

    #[test]
    fn nginx_proxies_to_the_upstream_over_kept_alive_connections() {
        let config = nginx_config(
            Path::new("/tmp/b"),
            "127.0.0.1:8001".parse().unwrap(),
            "127.0.0.1:8002".parse().unwrap(),
        );
        for line in [
            "daemon off;",
            "worker_processes 1;",
            "upstream backend { server 127.0.0.1:8002; keepalive 64; }",
            "listen 127.0.0.1:8001;",
            "proxy_pass http://backend;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
            "access_log /tmp/b/nginx-access.log combined buffer=64k flush=50ms;",
        ] {
            assert!(config.contains(line), "{line}:\n{config}");
        }
    }
}
