//! forge: a task runner for Python projects. A `sessions.toml` declares sessions; forge plans them
//! as a DAG, runs them in parallel in fingerprinted `uv` virtualenvs, and writes JUnit, Cobertura
//! and JSON reports.
//!
//! The pipeline is `cli → settings → config → plan → runner → reporter`; [`run`] wires it.

#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod error;
pub mod input_file;
pub mod plan;
pub mod report;
pub mod reporter;
pub mod runner;
pub mod settings;
pub mod venv;

mod app;
mod commands;

use std::process::ExitCode;

/// Runs forge with the process's arguments and returns its exit status (see [`error::ExitStatus`]).
pub fn run() -> ExitCode {
    use clap::Parser;
    let cli = cli::Cli::parse();
    let status = match app::run(cli) {
        Ok(status) => status,
        Err(error) => {
            reporter::print_error(&error);
            error.exit_status()
        }
    };
    ExitCode::from(status.code())
}
