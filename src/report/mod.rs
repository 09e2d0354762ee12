//! Report files written after a run: `run.json` now; `junit.xml` and `coverage.xml` merged from
//! the sessions' declared files.

mod error;
mod run_json;

pub use error::ReportError;
pub use run_json::write_run_json;

use std::path::Path;

/// Writes `bytes` to `path` through a temporary file and a rename, so a concurrent reader (or a
/// second forge) never sees a half-written report.
///
/// # Errors
/// [`ReportError::Write`] naming the path.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let write = || -> std::io::Result<()> {
        let directory = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory)?;
        let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|source| ReportError::Write { path: path.to_path_buf(), source })
}

/// `forge report`: merges the report directories of several runs.
///
/// # Errors
/// Reading or writing a report failed.
pub fn merge_command(_args: &crate::cli::ReportArgs) -> Result<crate::error::ExitStatus, crate::error::Error> {
    Err(crate::error::Error::Usage { message: "`forge report` is not available yet".into(), hint: None })
}
