//! forge's integration tests: the real binary, real uv, real Python, in temporary projects.

mod support;

mod bad_config;
mod ci_output;
mod cli;
mod completions;
mod dag;
mod env_dirs;
mod exit_status;
mod faults;
mod hardening;
mod interpreters;
mod real_projects;
mod reports;
mod schema;
mod settings;
mod ship;
mod signals;
mod terminal;
mod venv;
