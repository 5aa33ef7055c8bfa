//! Where `send` posts to: the URL, parsed into what the exchange needs, with an error that says
//! what to change.

use std::fmt;

use http::Uri;

/// http or https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// The host to resolve and, for https, to verify the certificate for: a name, an IPv4
    /// address, or an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
    /// `host[:port]` as written in the URL (IPv6 in brackets): the Host field, the CONNECT
    /// target, and how errors name the server.
    pub authority: String,
    /// What follows the authority, `/` if nothing does; the fragment is dropped (never sent).
    pub path_and_query: String,
}

/// Why a URL cannot be posted to. Quotes the URL (it is the user's own argument, and a token
/// does not belong in it), never anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// No `scheme://` at all (`127.0.0.1:3000/webhook`).
    NoScheme(String),
    /// A scheme other than http and https.
    UnsupportedScheme(String),
    /// `user:password@` in the URL.
    Credentials,
    /// Not a URL `http::Uri` accepts, or one without a host or with a port over 65535: the
    /// URL quoted, or "the URL" when it has an `@`.
    Invalid(String),
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoScheme(url) => write!(
                f,
                "{url:?} has no scheme: add http:// or https:// (e.g. http://{url})"
            ),
            Self::UnsupportedScheme(scheme) => write!(
                f,
                "the URL's scheme is {scheme:?}: send posts to http:// or https:// URLs only"
            ),
            Self::Credentials => f.write_str(
                "user:password@ in the URL is not sent: give the credentials with --header \
                 (e.g. --header 'Authorization: Basic ...')",
            ),
            Self::Invalid(url) => write!(
                f,
                "{url} is not a valid URL (expected e.g. http://127.0.0.1:3000/webhook)"
            ),
        }
    }
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, TargetError> {
        let Some((scheme, _)) = url.split_once("://") else {
            return Err(TargetError::NoScheme(url.to_owned()));
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(TargetError::UnsupportedScheme(scheme.to_owned())),
        };
        // The fragment is the client's own business: not part of the request.
        let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
        // A URL with `@` may hold a password: not quoted back.
        let invalid = || {
            TargetError::Invalid(if url.contains('@') {
                "the URL".to_owned()
            } else {
                format!("{url:?}")
            })
        };
        let uri: Uri = without_fragment.parse().map_err(|_| invalid())?;
        let authority = uri.authority().ok_or_else(invalid)?;
        if authority.as_str().contains('@') {
            return Err(TargetError::Credentials);
        }
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(invalid());
        }
        // An empty path is `/` (RFC 9112, 3.2.1), also before a query.
        let path_and_query = match uri.path_and_query().map(|path| path.as_str()) {
            None | Some("") => "/".to_owned(),
            Some(query) if query.starts_with('?') => format!("/{query}"),
            Some(path) => path.to_owned(),
        };
        // `http::Uri` takes any digits as a port (and then has none): only 0..=65535 are.
        // Without userinfo, the authority is the host and then `:port` if any.
        let port = match authority.as_str()[authority.host().len()..].strip_prefix(':') {
            None | Some("") => scheme.default_port(),
            Some(port) => port.parse().map_err(|_| invalid())?,
        };
        Ok(Self {
            scheme,
            host: host.to_owned(),
            port,
            authority: authority.as_str().to_owned(),
            path_and_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Scheme, Target, TargetError};

    #[test]
    fn parses_http_and_https_urls() {
        let target = Target::parse("http://127.0.0.1:3000/webhook?x=1#top").expect("valid");
        assert_eq!(
            target,
            Target {
                scheme: Scheme::Http,
                host: "127.0.0.1".to_owned(),
                port: 3000,
                authority: "127.0.0.1:3000".to_owned(),
                path_and_query: "/webhook?x=1".to_owned(),
            }
        );
        let target = Target::parse("HTTPS://Example.com").expect("valid");
        assert_eq!(target.scheme, Scheme::Https);
        assert_eq!((target.port, target.path_and_query.as_str()), (443, "/"));
        let target = Target::parse("http://h?x=1").expect("valid");
        assert_eq!(target.path_and_query, "/?x=1");
        let target = Target::parse("http://[::1]:8080/w").expect("valid");
        assert_eq!(
            (target.host.as_str(), target.authority.as_str(), target.port),
            ("::1", "[::1]:8080", 8080)
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            Target::parse("127.0.0.1:3000/webhook"),
            Err(TargetError::NoScheme("127.0.0.1:3000/webhook".to_owned()))
        );
        assert!(
            Target::parse("localhost:3000")
                .expect_err("no scheme")
                .to_string()
                .contains("add http:// or https://")
        );
        assert_eq!(
            Target::parse("ftp://host/"),
            Err(TargetError::UnsupportedScheme("ftp".to_owned()))
        );
        assert_eq!(
            Target::parse("http://user:pw@host/"),
            Err(TargetError::Credentials)
        );
        assert!(matches!(
            Target::parse("http:///webhook"),
            Err(TargetError::Invalid(_))
        ));
        assert!(matches!(
            Target::parse("http://host:99999/"),
            Err(TargetError::Invalid(_))
        ));
        let error = Target::parse("http://user:s3cret@bad host/").expect_err("invalid");
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
