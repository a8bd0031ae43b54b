//! `probity`: the command-line entry point. Parses flags, loads configuration and runs a
//! command; exit codes are 0 for success, 1 for a failed operation, 2 for usage or
//! configuration errors.

mod assurance_cli;
mod audit_cli;
mod bundle;
mod calendar_cli;
mod catalog_cli;
mod cli;
mod config;
mod forward_cli;
mod governance_cli;
mod notify_cli;
mod oscal_cli;
mod oscal_export;
mod output;
mod privacy_cli;
mod privacy_consent_cli;
mod privacy_records_cli;
mod report_cli;
mod retention_cli;
mod serve;
mod sla_cli;
mod support_cli;
mod wiring;
mod witness;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    if let Some(code) = cli::rego_child(&args) {
        return code;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(cli::run(args))
}
