//! Subcommands other than running sessions, as glue between the command line and the library.

pub mod report;
