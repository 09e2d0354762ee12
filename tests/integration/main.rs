//! forge's integration tests: the real binary, real uv, real Python, in temporary projects.

mod support;

mod bad_config;
mod cli;
mod dag;
mod faults;
mod hardening;
mod real_projects;
mod reports;
mod settings;
mod terminal;
mod venv;
