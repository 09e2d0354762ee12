//! Errors at the report boundary: files that cannot be read, parsed or written.

use std::path::PathBuf;

/// A report problem. Writing failures name the path; the run's summary is still printed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report file could not be written.
    #[error("cannot write report {}: {source}", path.display())]
    Write {
        /// The report's path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Any other report problem, already phrased (also used to re-raise an error for display).
    #[error("{message}")]
    Message {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
}

impl ReportError {
    /// The `hint:` line, if any.
    pub fn hint(&self) -> Option<String> {
        match self {
            ReportError::Write { .. } => Some("check that the reports directory is writable (or pass --reports-dir)".into()),
            ReportError::Message { hint, .. } => hint.clone(),
        }
    }
}
