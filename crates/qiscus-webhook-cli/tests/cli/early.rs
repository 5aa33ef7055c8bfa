//! Answers that come before the body is sent in full, and connections that end without one.

use crate::support::{Receiver, TOKEN, assert_one_error_line, qiscus_webhook, stderr, stdout};

/// Far more than a socket buffer holds: the receiver closes while the CLI is still writing.
const LARGE: usize = 20 * 1024 * 1024;

fn large_body() -> Vec<u8> {
    let mut body = vec![b' '; LARGE];
    body[0] = b'{';
    body[LARGE - 1] = b'}';
    body
}

#[test]
fn an_early_413_is_reported_ten_times_in_a_row() {
    let body = large_body();
    for (round, chunked) in (0..10).map(|round| (round, round % 2 == 1)) {
        let receiver = Receiver::early("413 Payload Too Large", r#"{"error":"body_too_large"}"#);
        let mut command = qiscus_webhook();
        command.args(["send", "--token", TOKEN, &receiver.url]);
        if chunked {
            command.arg("--chunked");
        }
        let output = command.write_stdin(body.clone()).output().expect("runs");
        let request = receiver.recorded();
        assert_eq!(request.request_line, "POST /webhook HTTP/1.1");
        assert_eq!(output.status.code(), Some(1), "round {round}: {output:?}");
        assert_eq!(
            stdout(&output),
            "HTTP/1.1 413 Payload Too Large\n{\"error\":\"body_too_large\"}\n",
            "round {round}"
        );
        let stderr = stderr(&output);
        assert!(
            stderr.starts_with("note: the server answered before the body was sent in full (")
                && stderr.ends_with(&format!(" of {LARGE} bytes written)\n")),
            "round {round}: {stderr:?}"
        );
    }
}

#[test]
fn an_early_401_without_a_signature_is_reported() {
    let receiver = Receiver::early("401 Unauthorized", r#"{"error":"missing_signature"}"#);
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(large_body())
        .output()
        .expect("runs");
    let request = receiver.recorded();
    assert!(request.header("qiscus-sdk-signature").is_empty());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        stdout(&output),
        "HTTP/1.1 401 Unauthorized\n{\"error\":\"missing_signature\"}\n"
    );
}

#[test]
fn a_close_without_an_answer_says_how_far_the_body_got() {
    // Reads a little and hangs up, answering nothing.
    let receiver = Receiver::serve(|mut stream| {
        let mut some = vec![0; 1024];
        std::io::Read::read_exact(&mut stream, &mut some).expect("the request starts");
        crate::support::Recorded {
            request_line: String::new(),
            headers: Vec::new(),
            body: some,
        }
    });
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(large_body())
        .output()
        .expect("runs");
    receiver.recorded();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains("the server closed the connection after ")
            && stderr.contains(&format!(
                " of {LARGE} body bytes were written, without an answer"
            )),
        "{stderr}"
    );
}

#[test]
fn a_close_after_the_whole_request_without_an_answer() {
    let receiver = Receiver::raw(b"");
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(&b"{}"[..])
        .output()
        .expect("runs");
    receiver.recorded();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    assert!(
        stderr(&output).contains("the server closed the connection without an answer"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_answer_that_is_not_http_is_named() {
    let receiver = Receiver::raw(b"SSH-2.0-OpenSSH_9.6\r\n");
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(&b"{}"[..])
        .output()
        .expect("runs");
    receiver.recorded();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    assert!(
        stderr(&output).contains("the answer is not HTTP/1.1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_timeout_names_the_flag_its_value_and_the_step() {
    let receiver = Receiver::silent();
    let output = qiscus_webhook()
        .args(["send", "--no-signature", "--timeout", "1", &receiver.url])
        .write_stdin(&b"{}"[..])
        .output()
        .expect("runs");
    let received = receiver.recorded();
    assert!(received.body.ends_with(b"\r\n\r\n{}"));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains(
            "timed out after 1 s (--timeout) while waiting for the answer (the request was sent in full)"
        ),
        "{stderr}"
    );
}
