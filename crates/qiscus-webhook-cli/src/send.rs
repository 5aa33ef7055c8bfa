//! `send`: POST a signed (or deliberately badly signed) body, as Qiscus would.

use std::io::Read;
use std::time::Duration;

use qiscus_webhook::{SIGNATURE_HEADER, Verifier};
use ureq::http::Response;
use ureq::{Agent, Body, SendBody};

use crate::cli::SendArgs;
use crate::exit::{CliError, Outcome};
use crate::input::Input;
use crate::{output, token};

pub fn run(args: &SendArgs) -> Result<Outcome, CliError> {
    // The token first: a missing token should not wait for standard input.
    let verifier = if args.no_signature {
        None
    } else {
        Some(Verifier::new(token::signing_token(&args.token)?))
    };
    let mut body = Input::open(args.input.as_deref())?.read_to_end()?;
    let signature = verifier.map(|verifier| verifier.sign(&body).to_string());
    if args.tamper {
        tamper(&mut body);
    }

    let mut request = agent(args.timeout)
        .post(&args.url)
        .header("Content-Type", "application/json");
    if let Some(signature) = &signature {
        request = request.header(SIGNATURE_HEADER, signature);
    }
    let sent = if args.chunked {
        // A reader has no known length: ureq sends it chunked, without Content-Length.
        request.send(SendBody::from_reader(&mut body.as_slice()))
    } else {
        request.send(body.as_slice())
    };
    let response =
        sent.map_err(|error| CliError::new(format!("cannot send to {}: {error}", args.url)))?;

    let success = response.status().is_success();
    print_response(response)?;
    Ok(if success {
        Outcome::Success
    } else {
        Outcome::Rejected
    })
}

/// Every status is an answer to print (no status as error), redirects are not followed (a
/// webhook sender does not), proxies come from the usual environment variables.
fn agent(timeout_seconds: u64) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(timeout_seconds)))
        .build()
        .into()
}

/// Flips the lowest bit of the last byte; an empty body gets one space appended instead.
fn tamper(body: &mut Vec<u8>) {
    match body.last_mut() {
        Some(last) => *last ^= 1,
        None => body.push(b' '),
    }
}

/// The status line (`HTTP/1.1 200 OK`), then the body as received, then a newline unless the
/// body is empty or already ends with one.
fn print_response(response: Response<Body>) -> Result<(), CliError> {
    let status = response.status();
    let reason = status
        .canonical_reason()
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default();
    output::line(&format!(
        "{:?} {}{reason}",
        response.version(),
        status.as_str()
    ))?;

    let mut reader = response.into_body().into_reader();
    let mut buf = vec![0; 16 * 1024];
    let mut last = None;
    loop {
        let read = match reader.read(&mut buf) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(CliError::new(format!(
                    "cannot read the response body: {error}"
                )));
            }
        };
        if read == 0 {
            break;
        }
        output::bytes(&buf[..read])?;
        last = buf[..read].last().copied();
    }
    if last.is_some_and(|byte| byte != b'\n') {
        output::bytes(b"\n")?;
    }
    Ok(())
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
