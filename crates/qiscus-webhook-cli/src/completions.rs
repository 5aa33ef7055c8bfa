//! `completions`: the shell completion script, generated from the same clap definition that
//! parses the command line (so it cannot drift from it).

use clap::CommandFactory;
use clap_complete::{Generator, shells};

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::exit::{CliError, Outcome};
use crate::output;

pub fn run(args: &CompletionsArgs) -> Result<Outcome, CliError> {
    let script = match args.shell {
        Shell::Bash => script(shells::Bash),
        Shell::Zsh => script(shells::Zsh),
        Shell::Fish => script(shells::Fish),
    };
    output::bytes(&script)?;
    Ok(Outcome::Success)
}

fn script(shell: impl Generator) -> Vec<u8> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    script
}
