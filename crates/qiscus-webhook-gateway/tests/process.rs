//! The binary as an operator runs it: SIGTERM and the drain, the JSON access log (one line
//! per request, never a secret), `check` and its exit codes, token files.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use qiscus_webhook_testkit::conformance::{OTHER_TOKEN, PREVIOUS_TOKEN, TOKEN};
use qiscus_webhook_testkit::{raw_receipt, sign};
use serde_json::Value;
use support::{
    Behaviour, Gateway, Upstream, admin_get, base_env, command, fresh_event, post_signed, send,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_request_in_flight_then_exits_0() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    // Longer than the two checks below may take (2 s each), so that the request is still in
    // flight when they run, also on a loaded machine.
    upstream.script([Behaviour::Delay(Duration::from_secs(4))]);
    let body = fresh_event(30);
    let (addr, admin) = (gateway.addr, gateway.admin);
    let in_flight = tokio::spawn({
        let body = body.clone();
        async move { post_signed(addr, "/webhook", TOKEN, &body, &[]).await }
    });
    upstream.wait_for(1).await;
    gateway.sigterm();

    // Draining: not ready, and no new connection is accepted.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let ready = admin_get(admin, "/readyz").await;
        if ready.status == 503 {
            assert_eq!(ready.text(), r#"{"status":"draining"}"#);
            break;
        }
        assert!(Instant::now() < deadline, "/readyz still {}", ready.status);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections still accepted while draining"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The request in flight gets its answer.
    let reply = in_flight.await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&reply.body).unwrap(),
        raw_receipt(&body)
    );

    let exited = gateway.wait();
    assert_eq!(exited.status.code(), Some(0), "{:#?}", exited.stderr);
    assert_eq!(exited.stdout.len(), 1, "{:#?}", exited.stdout);
    let line: Value = serde_json::from_str(&exited.stdout[0]).unwrap();
    assert_eq!(
        (line["outcome"].as_str(), line["status"].as_u64()),
        (Some("forwarded"), Some(200))
    );
    let said = |message: &str| exited.stderr.iter().any(|line| line.contains(message));
    assert!(said("draining") && said("stopped"), "{:#?}", exited.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drain_timeout_cuts_what_is_left_and_still_exits_0() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[("QISCUS_GATEWAY_DRAIN_TIMEOUT", "1")]);
    upstream.script([Behaviour::Delay(Duration::from_secs(8))]);
    let addr = gateway.addr;
    let stuck = tokio::spawn(async move {
        let body = fresh_event(31);
        let signature = sign(TOKEN, &body);
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let request = http::Request::post("/webhook")
            .header("host", addr.to_string())
            .header("qiscus-sdk-signature", signature)
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .unwrap();
        sender
            .send_request(request)
            .await
            .map(|response| response.status())
    });
    upstream.wait_for(1).await;
    let started = Instant::now();
    let exited = gateway.terminate();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(exited.status.code(), Some(0));
    assert!(
        exited
            .stderr
            .iter()
            .any(|line| line.contains("the drain timeout passed")),
        "{:#?}",
        exited.stderr
    );
    // The client's connection was cut, without an answer.
    assert!(stuck.await.unwrap().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_json_line_per_request_with_its_fields_and_never_a_secret() {
    let upstream = Upstream::start().await;
    let gateway = Gateway::start(&upstream.url(), &[]);
    let marker = "the-body-text-that-must-never-be-logged";
    let body = |id: u64| {
        String::from_utf8(fresh_event(id))
            .unwrap()
            .replace("hello", marker)
            .into_bytes()
    };
    let (first, previous, forged) = (body(40), body(41), body(42));
    let mut signatures = vec![
        sign(TOKEN, &first),
        sign(PREVIOUS_TOKEN, &previous),
        sign(OTHER_TOKEN, &forged),
        sign(TOKEN, &forged),
        sign(PREVIOUS_TOKEN, &forged),
    ];
    let sent = [
        post_signed(gateway.addr, "/webhook?secret-query=1", TOKEN, &first, &[]).await,
        post_signed(gateway.addr, "/webhook", TOKEN, &first, &[]).await,
        post_signed(gateway.addr, "/hooks/two", PREVIOUS_TOKEN, &previous, &[]).await,
        post_signed(gateway.addr, "/webhook", OTHER_TOKEN, &forged, &[]).await,
        send(
            gateway.addr,
            "POST",
            "/webhook",
            &[("qiscus-sdk-signature", "sha256=abc")],
            forged.clone(),
        )
        .await,
        send(gateway.addr, "GET", "/webhook", &[], "").await,
    ];
    let statuses: Vec<u16> = sent.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [200, 200, 200, 401, 401, 405]);

    let lines = gateway.wait_for_stdout_lines(sent.len());
    let exited = gateway.terminate();
    assert_eq!(exited.status.code(), Some(0));
    assert_eq!(exited.stdout, lines, "nothing but request lines on stdout");
    assert_eq!(lines.len(), sent.len(), "{lines:#?}");
    let lines: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let field = |index: usize, name: &str| lines[index][name].clone();

    let expected = [
        ("forwarded", 200, Some(0), "/webhook"),
        ("duplicate", 200, Some(0), "/webhook"),
        ("forwarded", 200, Some(1), "/hooks/two"),
        ("signature_mismatch", 401, None, "/webhook"),
        ("malformed_signature", 401, None, "/webhook"),
        ("method_not_allowed", 405, None, "/webhook"),
    ];
    for (index, (outcome, status, token_index, path)) in expected.into_iter().enumerate() {
        assert_eq!(field(index, "outcome"), outcome, "{:?}", lines[index]);
        assert_eq!(field(index, "status"), status, "{:?}", lines[index]);
        assert_eq!(
            field(index, "token_index").as_u64(),
            token_index,
            "{:?}",
            lines[index]
        );
        assert_eq!(field(index, "path"), path, "{:?}", lines[index]);
        assert_eq!(field(index, "level"), "INFO");
        assert!(field(index, "latency_us").is_u64(), "{:?}", lines[index]);
        assert!(field(index, "timestamp").is_string(), "{:?}", lines[index]);
    }
    // Bytes: the whole body when verified; what the core read when refused (the mismatch
    // was read whole, the malformed header refused before any byte).
    assert_eq!(field(0, "bytes"), first.len());
    assert_eq!(field(3, "bytes"), forged.len());
    assert_eq!(field(4, "bytes"), 0);
    assert!(field(5, "bytes").is_null());
    // The upstream's side, on forwarded requests only.
    assert_eq!(
        (field(0, "upstream_status"), field(0, "attempts")),
        (200.into(), 1.into())
    );
    assert!(field(0, "upstream_us").is_u64());
    assert!(field(1, "upstream_status").is_null() && field(3, "attempts").is_null());
    // The delivery key (a hash): the same for the delivery and its duplicate.
    let key = field(0, "idempotency_key");
    assert_eq!(key.as_str().map(str::len), Some(64));
    assert_eq!(field(1, "idempotency_key"), key);
    assert_eq!(
        upstream.received()[0].values("idempotency-key"),
        [key.as_str().unwrap()]
    );

    // Never a token, a signature, body text or the query, on either stream.
    signatures.push("sha256=abc".into());
    let everything = [exited.stdout.join("\n"), exited.stderr.join("\n")].join("\n");
    let lower = everything.to_ascii_lowercase();
    for secret in [TOKEN, PREVIOUS_TOKEN, OTHER_TOKEN, marker, "secret-query"]
        .into_iter()
        .map(str::to_owned)
        .chain(signatures)
    {
        assert!(
            !lower.contains(&secret.to_ascii_lowercase()),
            "{secret} logged:\n{everything}"
        );
    }
}

/// `check` with `env` and `args`: its exit code, stdout and stderr.
fn check(env: &[(String, String)], args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let output = command(env, &all).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A gateway's environment.
type Env = Vec<(String, String)>;

fn with(mut env: Env, name: &str, value: &str) -> Env {
    env.retain(|(existing, _)| existing != name);
    env.push((name.to_owned(), value.to_owned()));
    env
}

fn without(mut env: Env, name: &str) -> Env {
    env.retain(|(existing, _)| existing != name);
    env
}

/// A file in a fresh temporary directory.
fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "qiscus-webhook-gateway-test-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn check_accepts_a_valid_configuration_and_shows_no_secret() {
    let env = with(
        base_env("http://127.0.0.1:3000/qiscus/"),
        "QISCUS_WEBHOOK_REPLAY",
        "redis://:hunter2@127.0.0.1:1/2",
    );
    // A flag wins over its variable; nothing is connected to (no Redis on port 1).
    let (code, stdout, stderr) = check(
        &env,
        &["--listen", "127.0.0.1:8181", "--upstream-retries", "4"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("configuration ok\n"), "{stdout}");
    for line in [
        "upstream: http://127.0.0.1:3000/qiscus",
        "listen: 127.0.0.1:8181",
        "admin listen: 127.0.0.1:0",
        "tokens: 2",
        "body limit: 1048576 bytes",
        "body timeout: 30 s",
        "replay: redis://***@127.0.0.1:1/2",
        "max age: 300 s",
        "upstream timeout: 10 s",
        "upstream retries: 4",
        "drain timeout: 30 s",
    ] {
        assert!(
            stdout.lines().any(|shown| shown == line),
            "{line}:\n{stdout}"
        );
    }
    for secret in [TOKEN, PREVIOUS_TOKEN, "hunter2"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret}"
        );
    }

    // The default replay store is memory.
    let (code, stdout, _) = check(&base_env("http://127.0.0.1:3000"), &[]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("\nreplay: memory\n"), "{stdout}");
    let (_, stdout, _) = check(
        &with(base_env("http://h"), "QISCUS_WEBHOOK_REPLAY", "off"),
        &[],
    );
    assert!(stdout.contains("\nreplay: off\n"), "{stdout}");
}

#[test]
fn check_refuses_what_is_wrong_with_one_line_and_exit_code_2() {
    let base = || base_env("http://127.0.0.1:3000");
    let cases: Vec<(Env, Vec<&str>, &str)> = vec![
        (
            without(base(), "QISCUS_GATEWAY_UPSTREAM"),
            vec![],
            "--upstream (or QISCUS_GATEWAY_UPSTREAM) is required",
        ),
        (
            with(base(), "QISCUS_GATEWAY_UPSTREAM", "ftp://backend"),
            vec![],
            "the scheme must be http or https",
        ),
        (
            with(base(), "QISCUS_GATEWAY_UPSTREAM", "backend:3000"),
            vec![],
            "--upstream (QISCUS_GATEWAY_UPSTREAM):",
        ),
        (
            with(base(), "QISCUS_GATEWAY_UPSTREAM", "http://user:pw@backend"),
            vec![],
            "user information",
        ),
        (
            with(base(), "QISCUS_GATEWAY_UPSTREAM", "http://backend/?a=1"),
            vec![],
            "a base URL has no query",
        ),
        (
            without(base(), "QISCUS_WEBHOOK_TOKEN"),
            vec![],
            "QISCUS_WEBHOOK_TOKEN is not set",
        ),
        (
            with(
                base(),
                "QISCUS_WEBHOOK_TOKEN",
                "conformance-current-token\n",
            ),
            vec![],
            "QISCUS_WEBHOOK_TOKEN has leading or trailing whitespace",
        ),
        (
            with(base(), "QISCUS_WEBHOOK_PREVIOUS_TOKEN", " x"),
            vec![],
            "QISCUS_WEBHOOK_PREVIOUS_TOKEN has leading or trailing whitespace",
        ),
        (
            with(base(), "QISCUS_WEBHOOK_BODY_LIMIT", "1MB"),
            vec![],
            "QISCUS_WEBHOOK_BODY_LIMIT must be a whole number",
        ),
        (
            with(base(), "QISCUS_WEBHOOK_BODY_TIMEOUT", "0"),
            vec![],
            "QISCUS_WEBHOOK_BODY_TIMEOUT must be a whole number",
        ),
        (
            with(base(), "QISCUS_WEBHOOK_REPLAY", "disk"),
            vec![],
            "QISCUS_WEBHOOK_REPLAY must be",
        ),
        (
            with(base(), "QISCUS_WEBHOOK_MAX_AGE", "0"),
            vec![],
            "QISCUS_WEBHOOK_MAX_AGE must be",
        ),
        (
            base(),
            vec!["--upstream-timeout", "0"],
            "--upstream-timeout (QISCUS_GATEWAY_UPSTREAM_TIMEOUT) must be at least 1",
        ),
        (
            base(),
            vec!["--upstream-retries", "11"],
            "must be at most 10",
        ),
        (
            base(),
            vec![
                "--listen",
                "127.0.0.1:9000",
                "--admin-listen",
                "127.0.0.1:9000",
            ],
            "must differ",
        ),
        (
            base(),
            vec!["--previous-token-file", "/nonexistent"],
            "needs --token-file",
        ),
    ];
    for (env, args, message) in cases {
        let (code, stdout, stderr) = check(&env, &args);
        assert_eq!(code, Some(2), "{message}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(message),
            "{message}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            !stderr.contains(TOKEN) && !stderr.contains("pw@"),
            "{stderr}"
        );
    }
    // What clap refuses (a flag's syntax) is exit code 2 too.
    let (code, _, stderr) = check(&base(), &["--listen", "localhost"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--listen"), "{stderr}");
}

#[test]
fn token_files_follow_the_configuration_rule() {
    let env = without(
        without(base_env("http://127.0.0.1:3000"), "QISCUS_WEBHOOK_TOKEN"),
        "QISCUS_WEBHOOK_PREVIOUS_TOKEN",
    );
    let good = temp_file("good", format!("{TOKEN}\n").as_bytes());
    let previous = temp_file("previous", format!("{PREVIOUS_TOKEN}\r\n").as_bytes());
    let good = good.to_str().unwrap();
    let previous = previous.to_str().unwrap();
    let (code, stdout, stderr) = check(
        &env,
        &["--token-file", good, "--previous-token-file", previous],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\ntokens: 2\n"), "{stdout}");
    // The variable works as the flag does.
    let (code, _, stderr) = check(&with(env.clone(), "QISCUS_GATEWAY_TOKEN_FILE", good), &[]);
    assert_eq!(code, Some(0), "{stderr}");

    let blank_line = temp_file("blank-line", format!("{TOKEN}\n\n").as_bytes());
    let empty = temp_file("empty", b"\n");
    let binary = temp_file("binary", b"\xff\xfe\n");
    let refused = [
        (
            blank_line.to_str().unwrap(),
            "has leading or trailing whitespace beyond its final line ending",
        ),
        (empty.to_str().unwrap(), "is empty"),
        (binary.to_str().unwrap(), "is not UTF-8"),
        (
            "/nonexistent/token",
            "cannot read token file /nonexistent/token",
        ),
    ];
    for (path, message) in refused {
        let (code, _, stderr) = check(&env, &["--token-file", path]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(message) && stderr.contains("token file"),
            "{stderr}"
        );
        assert!(!stderr.contains(TOKEN), "{stderr}");
    }
    // With QISCUS_WEBHOOK_TOKEN_VERBATIM=1 the content is kept exactly (its one final newline
    // still goes).
    let verbatim = with(env.clone(), "QISCUS_WEBHOOK_TOKEN_VERBATIM", "1");
    let (code, _, stderr) = check(&verbatim, &["--token-file", blank_line.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    // A file and the variable both: which counts would be a guess.
    let both = with(env, "QISCUS_WEBHOOK_TOKEN", TOKEN);
    let (code, _, stderr) = check(&both, &["--token-file", good]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "--token-file (QISCUS_GATEWAY_TOKEN_FILE) and QISCUS_WEBHOOK_TOKEN are both set"
        ),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_verifies_without_its_final_newline() {
    let upstream = Upstream::start().await;
    let file = temp_file("serve", format!("{TOKEN}\n").as_bytes());
    let env = without(
        without(base_env(&upstream.url()), "QISCUS_WEBHOOK_TOKEN"),
        "QISCUS_WEBHOOK_PREVIOUS_TOKEN",
    );
    let gateway = Gateway::spawn(command(&env, &["--token-file", file.to_str().unwrap()]));
    let reply = post_signed(gateway.addr, "/webhook", TOKEN, &fresh_event(50), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let with_newline = format!("{TOKEN}\n");
    let reply = post_signed(
        gateway.addr,
        "/webhook",
        &with_newline,
        &fresh_event(51),
        &[],
    )
    .await;
    assert_eq!(reply.status, 401);
}
