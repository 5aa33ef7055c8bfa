//! The command line: clap types only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use qiscus_webhook::DEFAULT_BODY_LIMIT;

/// Sign, verify and send Qiscus webhook bodies (the QISCUS-SDK-SIGNATURE header), and print
/// sample events.
///
/// The signature is the lowercase hex HMAC-SHA256 of the raw body, keyed with the webhook
/// signature token from the Qiscus dashboard. The token comes from --token, else --token-file,
/// else the QISCUS_WEBHOOK_TOKEN environment variable; it is never printed.
///
/// Exit codes: 0 success, 1 rejected (signature does not verify, non-2xx response),
/// 2 usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "qiscus-webhook", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the signature of a body: lowercase hex, one line.
    ///
    /// The signature is HMAC-SHA256 over the bytes exactly as read: no trimming, no newline
    /// handling, no JSON re-serialisation.
    Sign(SignArgs),
    /// Check a signature against a body; prints `valid (token N)` or the error code.
    ///
    /// The signature goes through the same grammar as a QISCUS-SDK-SIGNATURE header value.
    /// Exit 0 and `valid (token N)` on stdout (N: index of the matching token, 0 = first
    /// given); exit 1 and the error code on stdout (signature_mismatch, malformed_signature,
    /// body_too_large), with an explanation on stderr; exit 2 on usage or I/O errors.
    Verify(VerifyArgs),
    /// POST a signed body to a URL; prints the status line and the response body.
    ///
    /// Sends Content-Type: application/json and QISCUS-SDK-SIGNATURE. An answer that comes
    /// before the body is sent in full (a 413 or a 401 from a receiver that does not wait) is
    /// read and printed like any other. Redirects are not followed; ALL_PROXY, HTTPS_PROXY,
    /// HTTP_PROXY and NO_PROXY are honoured (http:// proxies, with CONNECT). Exit 0 on a 2xx
    /// status, 1 on any other status (still printed), 2 on usage or connection errors.
    Send(SendArgs),
    /// Print a realistic, deterministic Qiscus event (compact JSON, sorted keys, Go escaping).
    ///
    /// Ready to pipe into `sign` or `send`: no trailing newline unless stdout is a terminal.
    Sample(SampleArgs),
    /// Print a shell completion script for qiscus-webhook.
    ///
    /// bash: `qiscus-webhook completions bash > ~/.local/share/bash-completion/completions/qiscus-webhook`;
    /// zsh: `qiscus-webhook completions zsh > ~/.zfunc/_qiscus-webhook` (with ~/.zfunc in
    /// fpath); fish: `qiscus-webhook completions fish > ~/.config/fish/completions/qiscus-webhook.fish`.
    Completions(CompletionsArgs),
}

/// One token, for signing.
#[derive(Debug, Args)]
pub struct SigningToken {
    /// The webhook signature token. Other users can see command lines (ps): prefer --token-file
    /// or QISCUS_WEBHOOK_TOKEN.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,

    /// Read the token from a file: its bytes without the one final line ending (LF or CRLF).
    /// Without --token and --token-file: QISCUS_WEBHOOK_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Use the token exactly as given. Without it, a token with leading or trailing whitespace
    /// (a newline kept from a file or a secret store, say) is refused;
    /// QISCUS_WEBHOOK_TOKEN_VERBATIM=1 does the same for the environment.
    #[arg(long)]
    pub verbatim_token: bool,
}

/// One or more accepted tokens, for verifying (the first given is token 0).
#[derive(Debug, Args)]
pub struct VerifyingTokens {
    /// An accepted token; repeat for several (at most 4). Other users can see command lines
    /// (ps): prefer --token-file or the environment.
    #[arg(long = "token", value_name = "TOKEN", conflicts_with = "token_files")]
    pub tokens: Vec<String>,

    /// Read an accepted token from a file (its bytes without the one final line ending, LF or
    /// CRLF); repeat for several. Without --token and --token-file: QISCUS_WEBHOOK_TOKEN, then
    /// QISCUS_WEBHOOK_PREVIOUS_TOKEN if set.
    #[arg(long = "token-file", value_name = "PATH")]
    pub token_files: Vec<PathBuf>,

    /// Use the tokens exactly as given. Without it, a token with leading or trailing
    /// whitespace (a newline kept from a file or a secret store, say) is refused;
    /// QISCUS_WEBHOOK_TOKEN_VERBATIM=1 does the same for the environment.
    #[arg(long)]
    pub verbatim_token: bool,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub token: SigningToken,

    /// The body: a file, or - for standard input (the default).
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signature, as it would appear in the QISCUS-SDK-SIGNATURE header (64 hex digits,
    /// either case, optional spaces or tabs around).
    #[arg(long, short = 's', value_name = "SIG")]
    pub signature: String,

    #[command(flatten)]
    pub tokens: VerifyingTokens,

    /// Refuse a body longer than this many bytes (body_too_large).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,

    /// The body: a file, or - for standard input (the default).
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Where to POST, e.g. http://127.0.0.1:3000/webhook (http or https).
    #[arg(value_name = "URL")]
    pub url: String,

    /// The body: a file, or - for standard input (the default).
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,

    #[command(flatten)]
    pub token: SigningToken,

    /// After signing, flip the lowest bit of the body's last byte (an empty body gets one space
    /// appended instead), so the signature no longer matches.
    #[arg(long, conflicts_with_all = ["no_signature", "signature"])]
    pub tamper: bool,

    /// Send no QISCUS-SDK-SIGNATURE header (no token needed).
    #[arg(long)]
    pub no_signature: bool,

    /// Send this QISCUS-SDK-SIGNATURE value, exactly as given, instead of the computed one (no
    /// token needed): any text, to try a malformed or mismatched signature.
    #[arg(
        long,
        value_name = "VALUE",
        conflicts_with_all = ["no_signature", "token", "token_file"]
    )]
    pub signature: Option<String>,

    /// Add a header field, after the others, as given (NAME:VALUE; spaces around VALUE are
    /// dropped); repeat for several. A second QISCUS-SDK-SIGNATURE makes a duplicate.
    /// Host, Content-Length, Transfer-Encoding and Connection are send's own.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE", value_parser = parse_header)]
    pub headers: Vec<Header>,

    /// Send the body with Transfer-Encoding: chunked instead of Content-Length.
    #[arg(long)]
    pub chunked: bool,

    /// Also trust the CA certificates of this PEM file for https (a local test CA, such as
    /// mkcert's rootCA.pem), besides the Mozilla roots.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// Give up after this many seconds (at least 1), from connecting to the end of the answer.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30,
        value_parser = parse_timeout
    )]
    pub timeout: u64,
}

/// A header field given with `send --header`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The fields `send` writes itself: giving them again would change how the request is framed
/// or routed, not what a receiver is tested with.
const OWN_HEADERS: [&str; 4] = ["host", "content-length", "transfer-encoding", "connection"];

/// `NAME:VALUE`: a token for NAME (RFC 9110), any text without CR, LF or NUL for VALUE, spaces
/// and tabs around it dropped.
fn parse_header(text: &str) -> Result<Header, String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err("expected NAME:VALUE, such as QISCUS-SDK-SIGNATURE:abc".to_owned());
    };
    if name.is_empty() {
        return Err("the header name is empty".to_owned());
    }
    if let Some(bad) = name.chars().find(|&c| !is_token_char(c)) {
        return Err(format!(
            "{bad:?} cannot be in a header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        ));
    }
    if OWN_HEADERS.iter().any(|own| name.eq_ignore_ascii_case(own)) {
        return Err(format!(
            "{name} is written by send itself (use --chunked for Transfer-Encoding)"
        ));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err("a header value cannot contain CR, LF or NUL".to_owned());
    }
    Ok(Header {
        name: name.to_owned(),
        value: value.trim_matches([' ', '\t']).to_owned(),
    })
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Whole seconds, at least 1: 0 would give up before connecting.
fn parse_timeout(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("the timeout must be at least 1 second".to_owned()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err("expected a whole number of seconds, such as 30".to_owned()),
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: Shell,
}

/// The shells `completions` prints a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The event type.
    #[arg(long = "type", value_name = "TYPE", value_enum, default_value_t = EventType::PostCommentMobile)]
    pub event_type: EventType,

    /// The message text.
    #[arg(long, value_name = "TEXT", default_value = "Hello & welcome <3")]
    pub text: String,
}

/// The event types Qiscus is known to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventType {
    /// A comment posted from a client SDK.
    #[value(name = "post_comment_mobile")]
    PostCommentMobile,
    /// A comment posted through the REST API.
    #[value(name = "post_comment_rest")]
    PostCommentRest,
}

impl EventType {
    /// The `type` field's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PostCommentMobile => "post_comment_mobile",
            Self::PostCommentRest => "post_comment_rest",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn header_values_keep_everything_but_the_spaces_around() {
        let header = super::parse_header("X-Test: a:b  c \t").expect("valid");
        assert_eq!(
            header,
            super::Header {
                name: "X-Test".to_owned(),
                value: "a:b  c".to_owned()
            }
        );
        let empty = super::parse_header("X-Empty:").expect("valid");
        assert_eq!(empty.value, "");
    }

    #[test]
    fn header_names_are_tokens() {
        for bad in ["", " X", "X Y", "X(", "é"] {
            assert!(super::parse_header(&format!("{bad}:v")).is_err(), "{bad:?}");
        }
        assert!(super::parse_header("no colon").is_err());
        assert!(super::parse_header("X:a\rb").is_err());
        assert!(super::parse_header("content-LENGTH:1").is_err());
    }

    #[test]
    fn the_timeout_is_at_least_one_second() {
        assert_eq!(super::parse_timeout("1"), Ok(1));
        assert!(super::parse_timeout("0").is_err());
        assert!(super::parse_timeout("-1").is_err());
        assert!(super::parse_timeout("1.5").is_err());
    }
}
