//! forge: a task runner for Python projects. A `sessions.toml` declares sessions; forge plans them
//! as a DAG, runs them in parallel in fingerprinted `uv` virtualenvs, and writes JUnit, Cobertura
//! and JSON reports.
//!
//! The pipeline is `cli → settings → config → plan → runner → reporter`; [`run`] wires it.

#![warn(missing_docs)]

pub mod cache;
pub mod changes;
pub mod cli;
pub mod config;
pub mod error;
pub mod init;
pub mod input_file;
pub mod output_file;
pub mod plan;
pub mod report;
pub mod reporter;
pub mod runner;
pub mod settings;
pub mod venv;

mod app;
mod commands;
mod watch;

use std::process::ExitCode;

/// Runs forge with `args` (the program name first, as `std::env::args_os()` gives them) and
/// returns its exit status (see [`error::ExitStatus`]). Usage errors from clap print its message
/// and give 2; `--help` and `--version` give 0.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::Parser;
    init_tracing();
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) if error.kind() == clap::error::ErrorKind::InvalidValue => {
            // One line, the possible values on it: `error: invalid value 'bogus' for '--ci <CI>'
            // [possible values: auto, github, gitlab, none]`.
            let text = error.render().to_string();
            let line: Vec<&str> =
                text.lines().map(str::trim).take_while(|line| !line.starts_with("For more")).collect();
            eprintln!("{}", line.join(" ").trim());
            return ExitCode::from(error::ExitStatus::Usage.code());
        }
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { error::ExitStatus::Usage.code() } else { 0 });
        }
    };
    let status = match app::run(cli) {
        Ok(status) => status,
        Err(error) => {
            reporter::print_error(&error);
            error.exit_status()
        }
    };
    ExitCode::from(status.code())
}

/// Diagnostics for people asking why forge decided something (selection, env reuse, scheduling,
/// signals, child processes): tracing events on stderr when `FORGE_LOG` is set to an `EnvFilter`
/// directive (`FORGE_LOG=debug`, `FORGE_LOG=forge::venv=trace`). Unset, no subscriber is installed
/// and every event costs one relaxed atomic load.
fn init_tracing() {
    let Some(directive) = std::env::var_os("FORGE_LOG") else { return };
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing::level_filters::LevelFilter::WARN.into())
        .parse_lossy(directive.to_string_lossy());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(true)
        .without_time()
        .try_init();
}
