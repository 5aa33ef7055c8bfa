//! `sign`: the signature of a body, as Qiscus would send it.

use qiscus_webhook::Verifier;

use crate::cli::SignArgs;
use crate::exit::{CliError, Outcome};
use crate::input::Input;
use crate::{output, token};

pub fn run(args: &SignArgs) -> Result<Outcome, CliError> {
    // The token first: a missing token should not wait for standard input.
    let verifier = Verifier::new(token::signing_token(&args.token)?);
    let body = Input::open(args.input.as_deref())?.read_to_end()?;
    output::line(&verifier.sign(&body).to_string())?;
    Ok(Outcome::Success)
}
