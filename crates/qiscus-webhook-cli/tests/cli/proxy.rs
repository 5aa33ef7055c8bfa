//! The proxy from the environment: a CONNECT tunnel through an http proxy, NO_PROXY, and
//! proxies send cannot use.

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;

use crate::support::{
    Receiver, TOKEN, assert_one_error_line, qiscus_webhook, read_head, sign, stderr, stdout,
};

const BODY: &[u8] = br#"{"type":"post_comment_mobile"}"#;

/// A one-connection CONNECT proxy: records the CONNECT request, opens the tunnel, then copies
/// bytes both ways until either side closes.
fn connect_proxy() -> Receiver {
    Receiver::serve(|client: TcpStream| {
        let mut reader = BufReader::new(client.try_clone().expect("clone"));
        let recorded = read_head(&mut reader);
        let target = recorded
            .request_line
            .strip_prefix("CONNECT ")
            .and_then(|rest| rest.strip_suffix(" HTTP/1.1"))
            .expect("a CONNECT request")
            .to_owned();
        let server = TcpStream::connect(&target).expect("the target listens");
        let mut client_write = client.try_clone().expect("clone");
        client_write
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .expect("answer CONNECT");
        let mut server_read = server.try_clone().expect("clone");
        let back = thread::spawn(move || {
            let _ = std::io::copy(&mut server_read, &mut client_write);
            let _ = client_write.shutdown(Shutdown::Write);
        });
        let mut server_write = server;
        // What the BufReader holds already, then the rest.
        let _ = std::io::copy(&mut reader, &mut server_write);
        let _ = server_write.shutdown(Shutdown::Write);
        back.join().expect("copy back");
        recorded
    })
}

fn proxy_address(proxy: &Receiver) -> String {
    proxy
        .url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/webhook"))
        .expect("http://ADDR/webhook")
        .to_owned()
}

#[test]
fn https_proxy_variable_tunnels_with_connect_and_basic_credentials() {
    let receiver = Receiver::start("200 OK", r#"{"ok":true}"#);
    let proxy = connect_proxy();
    let output = qiscus_webhook()
        .env(
            "HTTPS_PROXY",
            format!("http://us%40er:p%3Ass@{}", proxy_address(&proxy)),
        )
        .args(["send", "--token", TOKEN, &receiver.url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let tunnel = proxy.recorded();
    let request = receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "HTTP/1.1 200 OK\n{\"ok\":true}\n");
    // The tunnel goes to the receiver's address, its Host field.
    let target = request.header("host")[0];
    assert_eq!(tunnel.request_line, format!("CONNECT {target} HTTP/1.1"));
    // "us@er:p:ss" in base64.
    assert_eq!(
        tunnel.header("proxy-authorization"),
        ["Basic dXNAZXI6cDpzcw=="]
    );
    assert_eq!(request.body, BODY);
    assert_eq!(request.header("qiscus-sdk-signature"), [sign(TOKEN, BODY)]);
}

#[test]
fn no_proxy_connects_directly() {
    let receiver = Receiver::start("200 OK", "{}");
    let output = qiscus_webhook()
        // Nothing listens there: using it would fail.
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "example.com, 127.0.0.1")
        .args(["send", "--no-signature", &receiver.url])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    receiver.recorded();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn an_unreachable_proxy_is_named_with_its_variable() {
    let output = qiscus_webhook()
        .env("http_proxy", "127.0.0.1:9")
        .args(["send", "--no-signature", "http://127.0.0.1:8/webhook"])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains("cannot connect to 127.0.0.1:9 (http_proxy)"),
        "{stderr}"
    );
}

#[test]
fn a_refusing_proxy_says_its_status() {
    let proxy = Receiver::early(
        "407 Proxy Authentication Required",
        r#"{"error":"who are you"}"#,
    );
    let output = qiscus_webhook()
        .env("ALL_PROXY", format!("http://{}", proxy_address(&proxy)))
        .args(["send", "--no-signature", "http://example.invalid/webhook"])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let tunnel = proxy.recorded();
    assert_eq!(tunnel.request_line, "CONNECT example.invalid:80 HTTP/1.1");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    assert!(
        stderr(&output).contains("refused the tunnel: 407 Proxy Authentication Required"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_socks_proxy_is_refused_without_quoting_it() {
    let output = qiscus_webhook()
        .env("ALL_PROXY", "socks5://user:s3cret@127.0.0.1:1080")
        .args(["send", "--no-signature", "http://127.0.0.1:8/webhook"])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output);
    let stderr = stderr(&output);
    assert!(
        stderr.contains("ALL_PROXY is a socks5:// proxy"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn an_https_url_tunnels_too() {
    // The tunnel is opened before TLS: the proxy sees CONNECT, then bytes it cannot read.
    let proxy = Receiver::early("403 Forbidden", "{}");
    let output = qiscus_webhook()
        .env("HTTPS_PROXY", format!("http://{}", proxy_address(&proxy)))
        .args(["send", "--no-signature", "https://[::1]/webhook"])
        .write_stdin(BODY)
        .output()
        .expect("runs");
    let tunnel = proxy.recorded();
    assert_eq!(tunnel.request_line, "CONNECT [::1]:443 HTTP/1.1");
    assert_eq!(tunnel.header("host"), ["[::1]:443"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
