//! The proxy from the environment, as ureq (send's former HTTP client) took it: the first of
//! ALL_PROXY, HTTPS_PROXY, HTTP_PROXY that is set (upper case first, then lower case), for
//! every URL, unless NO_PROXY lists the host.

use std::fmt;

use http::Uri;

/// Where to open a CONNECT tunnel. Its `Debug` leaves the credentials out.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The variable it came from, for error messages.
    pub variable: &'static str,
    pub host: String,
    pub port: u16,
    /// `Proxy-Authorization: Basic ...`'s value, from `user:password@` in the proxy URL.
    pub authorization: Option<String>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("variable", &self.variable)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A proxy variable that cannot be used: named, never quoted (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    Invalid(&'static str),
    /// A scheme other than http (https and SOCKS proxies are not supported).
    Unsupported(&'static str, String),
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(variable) => {
                write!(f, "{variable} is not a proxy URL such as http://proxy:3128")
            }
            Self::Unsupported(variable, scheme) => write!(
                f,
                "{variable} is a {scheme}:// proxy: send supports http:// proxies only \
                 (unset {variable}, or list the host in NO_PROXY)"
            ),
        }
    }
}

const VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// The proxy for `host`, from the environment through `lookup`; `None` for a direct
/// connection.
pub fn for_host(
    host: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, ProxyError> {
    let Some((variable, value)) = VARIABLES.iter().find_map(|&variable| {
        lookup(variable)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (variable, value))
    }) else {
        return Ok(None);
    };
    let no_proxy = lookup("NO_PROXY").or_else(|| lookup("no_proxy"));
    if no_proxy.is_some_and(|list| bypasses(&list, host)) {
        return Ok(None);
    }
    parse(variable, value.trim()).map(Some)
}

/// Whether the NO_PROXY `list` names `host`: `*` names every host; `example.com`,
/// `.example.com` and `*.example.com` name example.com and its subdomains (as curl does).
fn bypasses(list: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let domain = entry
            .trim_start_matches('*')
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !domain.is_empty()
            && (host == domain
                || host
                    .strip_suffix(&domain)
                    .is_some_and(|start| start.ends_with('.')))
    })
}

fn parse(variable: &'static str, value: &str) -> Result<Proxy, ProxyError> {
    // A bare host:port is an http proxy, as everyone reads these variables.
    let url = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let uri: Uri = url.parse().map_err(|_| ProxyError::Invalid(variable))?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http") => {}
        Some(other) => return Err(ProxyError::Unsupported(variable, other.to_owned())),
        None => return Err(ProxyError::Invalid(variable)),
    }
    let authority = uri.authority().ok_or(ProxyError::Invalid(variable))?;
    let authorization = authority
        .as_str()
        .rsplit_once('@')
        .map(|(credentials, _)| format!("Basic {}", base64(&percent_decode(credentials))));
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(ProxyError::Invalid(variable));
    }
    Ok(Proxy {
        variable,
        host: host.to_owned(),
        port: authority.port_u16().unwrap_or(80),
        authorization,
    })
}

/// `%XX` decoded (userinfo in a URL is percent-encoded); anything else as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    decoded
}

/// Standard base64 with padding (RFC 4648), for Basic credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &byte)| n | u32::from(byte) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                encoded.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::{Proxy, ProxyError, base64, bypasses, for_host};

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn base64_of_rfc4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output, "{input:?}");
        }
    }

    #[test]
    fn the_first_variable_set_wins() {
        let proxy = for_host(
            "example.com",
            env(&[
                ("HTTP_PROXY", "http://second:1"),
                ("https_proxy", "first:3128"),
            ]),
        );
        assert_eq!(
            proxy,
            Ok(Some(Proxy {
                variable: "https_proxy",
                host: "first".to_owned(),
                port: 3128,
                authorization: None,
            }))
        );
        assert_eq!(for_host("example.com", env(&[("ALL_PROXY", "")])), Ok(None));
        assert_eq!(for_host("example.com", env(&[])), Ok(None));
    }

    #[test]
    fn credentials_become_basic_authorization() {
        let proxy = for_host(
            "h",
            env(&[("ALL_PROXY", "http://us%3Aer:p%40ss@[::1]:8080")]),
        )
        .expect("valid")
        .expect("a proxy");
        assert_eq!((proxy.host.as_str(), proxy.port), ("::1", 8080));
        assert_eq!(
            proxy.authorization.as_deref(),
            Some(format!("Basic {}", base64(b"us:er:p@ss")).as_str())
        );
        assert!(!format!("{proxy:?}").contains(&base64(b"us:er:p@ss")));
    }

    #[test]
    fn no_proxy_names_hosts_and_domains() {
        for host in [
            "localhost",
            "example.com",
            "api.example.com",
            "API.Example.COM.",
        ] {
            assert!(
                bypasses("127.0.0.1, localhost ,example.com", host)
                    || bypasses(".example.com", host),
                "{host}"
            );
        }
        assert!(bypasses("*.example.com", "a.example.com"));
        assert!(bypasses("*", "anything"));
        assert!(!bypasses("example.com", "notexample.com"));
        assert!(!bypasses("", "example.com"));
        assert_eq!(
            for_host(
                "localhost",
                env(&[("HTTP_PROXY", "p:1"), ("no_proxy", "localhost")])
            ),
            Ok(None)
        );
    }

    #[test]
    fn unsupported_proxies_are_named_not_quoted() {
        let error = for_host("h", env(&[("ALL_PROXY", "socks5://user:secret@p:1080")]))
            .expect_err("socks is not supported");
        assert_eq!(
            error,
            ProxyError::Unsupported("ALL_PROXY", "socks5".to_owned())
        );
        assert!(!error.to_string().contains("secret"));
        assert_eq!(
            for_host("h", env(&[("HTTP_PROXY", "http://")])),
            Err(ProxyError::Invalid("HTTP_PROXY"))
        );
    }
}
