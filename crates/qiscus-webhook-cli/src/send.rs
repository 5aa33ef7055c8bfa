//! `send`: POST a signed (or deliberately badly signed) body, as Qiscus would, and report the
//! answer, also one that comes before the body is sent in full.

use std::path::Path;

use qiscus_webhook::{SIGNATURE_HEADER, Verifier};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::cli::SendArgs;
use crate::exit::{CliError, Outcome};
use crate::http1::{self, Exchanged, Options, Request, proxy};
use crate::input::Input;
use crate::target::Target;
use crate::{output, token};

/// What goes in the QISCUS-SDK-SIGNATURE field.
enum Signature {
    /// `--no-signature`: no field.
    None,
    /// `--signature`: this value, as given.
    Given(String),
    /// The signature of the body (before `--tamper`).
    Computed(Verifier),
}

pub fn run(args: &SendArgs) -> Result<Outcome, CliError> {
    // Everything that can be wrong with the command line before reading standard input.
    let target = Target::parse(&args.url).map_err(|error| CliError::new(error.to_string()))?;
    let proxy = proxy::for_host(&target.host, |name| std::env::var(name).ok())
        .map_err(|error| CliError::new(error.to_string()))?;
    let extra_roots = match &args.ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    let signature = if args.no_signature {
        Signature::None
    } else if let Some(value) = &args.signature {
        if value.contains(['\r', '\n', '\0']) {
            return Err(CliError::new(
                "--signature cannot contain CR, LF or NUL (they would end the header field)",
            ));
        }
        Signature::Given(value.clone())
    } else {
        // The token first: a missing token should not wait for standard input.
        Signature::Computed(Verifier::new(token::signing_token(&args.token)?))
    };

    let mut body = Input::open(args.input.as_deref())?.read_to_end()?;
    let signature = match signature {
        Signature::None => None,
        Signature::Given(value) => Some(value),
        Signature::Computed(verifier) => Some(verifier.sign(&body).to_string()),
    };
    if args.tamper {
        tamper(&mut body);
    }

    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (
            "User-Agent".to_owned(),
            concat!("qiscus-webhook/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
    ];
    if let Some(signature) = signature {
        headers.push((SIGNATURE_HEADER.to_owned(), signature));
    }
    headers.extend(
        args.headers
            .iter()
            .map(|header| (header.name.clone(), header.value.clone())),
    );

    let request = Request {
        target: &target,
        headers: &headers,
        body: &body,
        chunked: args.chunked,
    };
    let options = Options {
        timeout_seconds: args.timeout,
        proxy,
        extra_roots,
    };
    let exchanged = http1::send(&request, options)
        .map_err(|error| CliError::new(format!("{}: {error}", target.authority)))?;
    report(&exchanged)
}

/// Flips the lowest bit of the last byte; an empty body gets one space appended instead.
fn tamper(body: &mut Vec<u8>) {
    match body.last_mut() {
        Some(last) => *last ^= 1,
        None => body.push(b' '),
    }
}

/// The CA certificates of a PEM file, each checked as a trust anchor.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, CliError> {
    let name = path.display();
    let pem = std::fs::read(path)
        .map_err(|error| CliError::new(format!("cannot read {name}: {error}")))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| CliError::new(format!("{name} is not a PEM file: {error}")))?;
    if certificates.is_empty() {
        return Err(CliError::new(format!(
            "{name} has no certificate (expected PEM: -----BEGIN CERTIFICATE-----)"
        )));
    }
    for (index, certificate) in certificates.iter().enumerate() {
        http1::check_root(certificate.clone()).map_err(|error| {
            CliError::new(format!(
                "{name}: certificate {} cannot be trusted as a CA: {error}",
                index + 1
            ))
        })?;
    }
    Ok(certificates)
}

/// The status line (`HTTP/1.1 413 Payload Too Large`), then the body as received, then a
/// newline unless the body is empty or already ends with one. An answer that came before the
/// body was sent in full gets a note on stderr.
fn report(exchanged: &Exchanged) -> Result<Outcome, CliError> {
    let response = &exchanged.response;
    output::line(&format!(
        "HTTP/1.{} {}{}",
        response.minor_version,
        response.status,
        http1::reason(response.status)
    ))?;
    output::bytes(&response.body)?;
    if response.body.last().is_some_and(|&byte| byte != b'\n') {
        output::bytes(b"\n")?;
    }
    if let Some(early) = exchanged.early {
        output::note_line(&format!(
            "the server answered before the body was sent in full ({} of {} bytes written)",
            early.body_written, early.body_length
        ));
    }
    Ok(if (200..300).contains(&response.status) {
        Outcome::Success
    } else {
        Outcome::Rejected
    })
}

#[cfg(test)]
mod tests {
    use super::tamper;

    #[test]
    fn tamper_flips_the_lowest_bit_of_the_last_byte() {
        let mut body = b"{}".to_vec();
        tamper(&mut body);
        assert_eq!(body, b"{|");
    }

    #[test]
    fn tamper_appends_a_space_to_an_empty_body() {
        let mut body = Vec::new();
        tamper(&mut body);
        assert_eq!(body, b" ");
    }
}
