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
    /// A declared or input report could not be read or parsed; it is left out of the merge.
    #[error("cannot read report {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Sessions declared coverage files but none of them held data (never 100%).
    #[error("coverage is declared but no coverage data was found (missing: {})", list(missing))]
    NoCoverageData {
        /// The declared files that do not exist.
        missing: Vec<PathBuf>,
    },
    /// The declared coverage files hold no measurable line.
    #[error("coverage is declared but its files measure no line")]
    EmptyCoverage,
    /// A session that succeeded did not write a coverage file it declared.
    #[error("session {session} succeeded but did not write its declared coverage file {}", path.display())]
    CoverageNotWritten {
        /// The session instance.
        session: String,
        /// The declared file.
        path: PathBuf,
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
            ReportError::Read { .. } => Some("JUnit files must be XML with a <testsuites> or <testsuite> root; coverage files Cobertura XML or LCOV".into()),
            ReportError::NoCoverageData { .. } | ReportError::CoverageNotWritten { .. } => Some(
                "make the session write the file its `coverage` entry names, e.g. `pytest --cov --cov-report=xml:{reports}/coverage-{python}.xml`".into(),
            ),
            ReportError::Message { hint, .. } => hint.clone(),
            ReportError::EmptyCoverage => {
                Some("check what the coverage tool measured (pytest-cov: `--cov=PACKAGE` names your code)".into())
            }
        }
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
}
