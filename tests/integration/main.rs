//! forge's integration tests: the real binary, real uv, real Python, in temporary projects.

mod nginx;
mod support;

mod bad_config;
mod cache;
mod changed;
mod ci_output;
mod cli;
mod completions;
mod composition;
mod dag;
mod env_dirs;
mod exit_status;
mod faults;
mod hardening;
mod html_report;
mod interpreters;
mod last_failed;
mod locked;
mod matrix;
mod real_projects;
mod remote_cache;
mod reports;
mod robust_example;
mod schema;
mod settings;
mod ship;
mod signals;
mod terminal;
mod venv;
mod watch;
mod working_directory;
