//! `qiscus-webhook-gateway`: see the crate's README.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use qiscus_webhook_gateway::{Cli, Command, Settings, log, run, shutdown_signal};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_options(&cli.options, |name| std::env::var_os(name)) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if cli.command == Some(Command::Check) {
        println!("configuration ok\n{}", settings.summary());
        return ExitCode::SUCCESS;
    }
    if let Err(error) = log::init() {
        eprintln!("error: cannot install the logger: {error}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(settings, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(target: "qiscus_webhook_gateway", error = %error, "cannot start");
            ExitCode::FAILURE
        }
    };
    log::flush();
    code
}
