//! `verify`: a signature against a body, under one or more accepted tokens.

use qiscus_webhook::{Error, Token, Verified, Verifier, drive};

use crate::cli::VerifyArgs;
use crate::exit::{CliError, Outcome};
use crate::input::Input;
use crate::{output, token};

pub fn run(args: &VerifyArgs) -> Result<Outcome, CliError> {
    let tokens = token::verifying_tokens(&args.tokens)?;
    let verifier = verifier(tokens)?.with_body_limit(args.body_limit);
    let mut input = Input::open(args.input.as_deref())?;
    match check(&verifier, &args.signature, &mut input)? {
        Ok(verified) => {
            output::line(&format!("valid (token {})", verified.token_index()))?;
            Ok(Outcome::Success)
        }
        Err(error) => {
            output::line(error.code())?;
            output::error_line(&explain(&error, &verifier));
            Ok(Outcome::Rejected)
        }
    }
}

fn verifier(tokens: Vec<Token>) -> Result<Verifier, CliError> {
    let mut tokens = tokens.into_iter();
    let primary = tokens
        .next()
        .ok_or_else(|| CliError::new("no token given"))?;
    tokens.try_fold(Verifier::new(primary), |verifier, token| {
        verifier
            .also_accept(token)
            .map_err(|error| CliError::new(error.to_string()))
    })
}

/// The core's request flow, through its drive loop (`drive::read`, so that the outcome is
/// reported as a server's is: one `tracing` event, printed with `RUST_LOG`): the signature
/// grammar (as for a header value), then the body, streamed and counted (a body over the limit
/// is refused without being held in memory), then the constant-time comparison. The outer
/// error is an I/O error (exit 2), the inner one the verdict (exit 1).
fn check(
    verifier: &Verifier,
    signature: &str,
    input: &mut Input,
) -> Result<Result<Verified, Error>, CliError> {
    let started = verifier.begin_request([signature.as_bytes()], None, None);
    match drive::read(started, &mut *input) {
        Ok(((), verified)) => Ok(Ok(verified)),
        // The input could not be read: not a verdict on the signature.
        Err(refused) if refused.error() == Error::BodyUnreadable => {
            let cause = std::error::Error::source(&refused)
                .map_or_else(|| refused.to_string(), ToString::to_string);
            Err(input.error(&cause))
        }
        Err(refused) => Ok(Err(refused.error())),
    }
}

/// A human explanation for standard error; never the signature nor what it should have been.
fn explain(error: &Error, verifier: &Verifier) -> String {
    match error {
        Error::MalformedSignature(why) => format!("malformed signature: {why}"),
        Error::SignatureMismatch => format!(
            "the signature does not match the body under any of the {} token(s) given",
            verifier.token_count()
        ),
        Error::BodyTooLarge => format!(
            "the body is longer than the limit of {} bytes (see --body-limit)",
            verifier.body_limit()
        ),
        other => other.to_string(),
    }
}
