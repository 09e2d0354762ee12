//! `forge schema`: prints the JSON Schema of sessions.toml (`config::json_schema`), the text the
//! repository carries as `sessions.schema.json`.

use crate::config;
use crate::error::{Error, ExitStatus};

/// Runs `forge schema`. Exit status 0; it reads no file.
///
/// # Errors
/// Standard output cannot be written (exit 3).
pub fn run() -> Result<ExitStatus, Error> {
    super::print_document(config::json_schema().as_bytes())
}
