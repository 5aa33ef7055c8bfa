//! https: against a TLS receiver whose certificate a test CA signed (tests/cli/tls/, trusted
//! with --ca-file), and against a plain http port.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::support::{
    Receiver, Recorded, TOKEN, TempFile, assert_one_error_line, qiscus_webhook, read_head,
    response, sign, stderr, stdout,
};

const BODY: &[u8] = br#"{"type":"post_comment_mobile"}"#;

fn tls_file(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/tls")).join(name)
}

fn server_config() -> Arc<ServerConfig> {
    let chain = CertificateDer::pem_file_iter(tls_file("server.pem"))
        .expect("server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("server.pem parses");
    let key = PrivateKeyDer::from_pem_file(tls_file("server.key")).expect("server.key");
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("default versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a valid certificate and key");
    Arc::new(config)
}

/// A TLS receiver on 127.0.0.1 for one request: with `early`, it answers from the head and
/// closes without reading the body; else it reads the body (Content-Length) first.
fn tls_receiver(status_line: &'static str, body: &'static str, early: bool) -> (String, Receiver) {
    let config = server_config();
    let receiver = Receiver::serve(move |tcp: TcpStream| {
        let tls = ServerConnection::new(config).expect("a server connection");
        let mut stream = BufReader::new(StreamOwned::new(tls, tcp));
        let mut recorded = read_head(&mut stream);
        if !early {
            let length: usize = recorded
                .header("content-length")
                .first()
                .map_or(0, |value| value.parse().expect("a numeric Content-Length"));
            let mut request_body = vec![0; length];
            stream
                .read_exact(&mut request_body)
                .expect("the whole body");
            recorded.body = request_body;
        }
        let mut stream = stream.into_inner();
        stream
            .write_all(response(status_line, body).as_bytes())
            .expect("write the response");
        stream.conn.send_close_notify();
        let _ = stream.flush();
        recorded
    });
    let url = receiver.url.replace("http://", "https://");
    (url, receiver)
}

#[test]
fn https_with_a_ca_file_sends_and_reads_the_answer() {
    for host in ["127.0.0.1", "localhost"] {
        let (url, receiver) = tls_receiver("200 OK", r#"{"ok":true}"#, false);
        let url = url.replace("127.0.0.1", host);
        let output = qiscus_webhook()
            .args(["send", "--token", TOKEN, "--ca-file"])
            .arg(tls_file("ca.pem"))
            .arg(&url)
            .write_stdin(BODY)
            .output()
            .expect("runs");
        let Recorded { body, .. } = receiver.recorded();
        assert_eq!(output.status.code(), Some(0), "{host}: {output:?}");
        assert_eq!(stdout(&output), "HTTP/1.1 200 OK\n{\"ok\":true}\n");
        assert_eq!(body, BODY);
    }
}

#[test]
fn https_signature_and_header_go_through_tls() {
    let (url, receiver) = tls_receiver("200 OK", "{}", false);
    let output = qiscus_webhook()
        .args([
            "send",
            "--token",
            TOKEN,
            "--header",
            "X-Extra: yes",
            "--ca-file",
        ])
        .arg(tls_file("ca.pem"))
        .arg(&url)
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, BODY)]);
    assert_eq!(request.header("x-extra"), ["yes"]);
}

#[test]
fn https_early_413_is_reported() {
    let body = vec![b' '; 20 * 1024 * 1024];
    for round in 0..3 {
        let (url, receiver) = tls_receiver(
            "413 Payload Too Large",
            r#"{"error":"body_too_large"}"#,
            true,
        );
        let output = qiscus_webhook()
            .args(["send", "--token", TOKEN, "--ca-file"])
            .arg(tls_file("ca.pem"))
            .arg(&url)
            .write_stdin(body.clone())
            .output()
            .expect("runs");
        receiver.recorded();
        assert_eq!(output.status.code(), Some(1), "round {round}: {output:?}");
        assert_eq!(
            stdout(&output),
            "HTTP/1.1 413 Payload Too Large\n{\"error\":\"body_too_large\"}\n"
        );
    }
}

#[test]
fn an_unknown_issuer_points_to_ca_file() {
    let config = server_config();
    // The handshake fails on the client's side: the server only sees it end.
    let receiver = Receiver::serve(move |mut tcp: TcpStream| {
        let mut tls = ServerConnection::new(config).expect("a server connection");
        let ended = tls.complete_io(&mut tcp);
        assert!(ended.is_err(), "the client refused the certificate");
        Recorded {
            request_line: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    });
    let url = receiver.url.replace("http://", "https://");
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    receiver.recorded();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(stderr.contains("invalid peer certificate"), "{stderr}");
    assert!(stderr.contains("--ca-file"), "{stderr}");
}

#[test]
fn https_to_a_plain_http_port_says_so() {
    // What a plain http server answers to a TLS ClientHello.
    let receiver = Receiver::raw(
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let url = receiver.url.replace("http://", "https://");
    let output = qiscus_webhook()
        .args(["send", "--no-signature", &url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let hello = receiver.recorded().body;
    assert_eq!(
        hello.first(),
        Some(&0x16),
        "a TLS handshake record was sent"
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    let http_url = url.replace("https://", "http://");
    assert!(
        stderr.contains(&format!(
            "the server did not answer TLS: is it plain http? try {http_url}"
        )),
        "{stderr}"
    );
}

#[test]
fn a_bad_ca_file_is_refused_before_sending() {
    for (contents, expected) in [
        (&b"not a certificate"[..], "has no certificate"),
        (
            &b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"[..],
            "cannot be trusted as a CA",
        ),
    ] {
        let file = TempFile::new(contents);
        let output = qiscus_webhook()
            .args(["send", "--no-signature", "--ca-file"])
            .arg(file.path())
            .arg("https://127.0.0.1:9/")
            .write_stdin(BODY)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert_one_error_line(&output);
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    let output = qiscus_webhook()
        .args(["send", "--no-signature", "--ca-file", "/nonexistent/ca.pem"])
        .arg("https://127.0.0.1:9/")
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read /nonexistent/ca.pem"));
}
