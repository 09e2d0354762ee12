//! forge's integration tests: the real binary, real uv, real Python, in temporary projects.

mod support;

mod bad_config;
mod cli;
mod dag;
mod exit_status;
mod faults;
mod real_projects;
mod reports;
mod signals;
mod terminal;
mod venv;
