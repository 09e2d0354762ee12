//! forge's integration tests: the real binary, real uv, real Python, in temporary projects.

mod support;

mod bad_config;
mod cli;
mod reports;
mod dag;
mod faults;
mod real_projects;
mod terminal;
mod venv;
