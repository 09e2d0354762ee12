//! Subcommands other than running sessions, as glue between the command line and the library.

pub mod completions;
pub mod init;
pub mod report;
pub mod schema;

use std::io::Write as _;

use anyhow::Context as _;

use crate::error::{Error, ExitStatus};

/// Writes a generated document (a schema, a completion script) to stdout. A reader that closed
/// the pipe early (`forge schema | head`) is not an error; any other write failure is (exit 3),
/// so `forge schema > /dev/full` does not pass for success.
fn print_document(text: &[u8]) -> Result<ExitStatus, Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("cannot write to standard output")?
        }
        _ => Ok(ExitStatus::Success),
    }
}
