//! Errors at the report boundary: files that cannot be read, parsed or written (a run still ends
//! with its summary; exit 1), and `forge report` inputs that are not report directories (exit 2).

use std::path::PathBuf;

use crate::input_file::{InputFileError, REPORT_FILE_LIMIT};

/// A report problem. Each names its path; the other reports are still written.
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
    /// A report left by an earlier run, which this one does not produce, could not be removed.
    #[error("cannot remove the earlier run's report {}: {source}", path.display())]
    Remove {
        /// The stale report.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The reports directory's lock could not be taken; the reports were written without it.
    #[error("cannot lock the reports directory with {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A declared or input report is not a regular file of bounded size, or cannot be opened;
    /// it is left out of the merge.
    #[error("cannot read report {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why it was not read.
        source: InputFileError,
    },
    /// A declared or input report could not be parsed; it is left out of the merge.
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
    /// The coverage files hold no measurable line: no data, which is never 100%.
    #[error("the coverage files measure no line, and no data is never 100% ({})", list(files))]
    EmptyCoverage {
        /// The files read.
        files: Vec<PathBuf>,
    },
    /// A session that succeeded did not write a coverage file it declared.
    #[error("session {session} succeeded but did not write its declared coverage file {}", path.display())]
    CoverageNotWritten {
        /// The session instance.
        session: String,
        /// The declared file.
        path: PathBuf,
    },
    /// Any other report problem, already phrased.
    #[error("{message}")]
    Message {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },
}

impl crate::error::Hint for ReportError {
    fn hint(&self) -> Option<String> {
        match self {
            ReportError::Write { .. } | ReportError::Remove { .. } | ReportError::Lock { .. } => {
                Some("check that the reports directory is writable (or pass --reports-dir)".into())
            }
            ReportError::Unreadable { source: InputFileError::TooLarge { .. }, .. } => Some(format!(
                "forge reads report files of at most {} MiB; check what wrote this one",
                REPORT_FILE_LIMIT / (1024 * 1024)
            )),
            ReportError::Unreadable { source: InputFileError::NotRegular { .. }, .. } => {
                Some("forge reads reports only from regular files; make the tool write a file there".into())
            }
            ReportError::Unreadable { .. } => None,
            ReportError::Read { path, .. } if path.extension().is_some_and(|extension| extension == "json") => {
                Some("pass the run.json a forge run wrote, unchanged".into())
            }
            ReportError::Read { .. } => Some(
                "JUnit files must be XML with a <testsuites> or <testsuite> root; coverage files Cobertura XML or LCOV"
                    .into(),
            ),
            ReportError::NoCoverageData { .. } | ReportError::CoverageNotWritten { .. } => Some(
                "make the session write the file its `coverage` entry names, e.g. `pytest --cov --cov-report=xml:{reports}/coverage-{python}.xml`".into(),
            ),
            ReportError::Message { hint, .. } => hint.clone(),
            ReportError::EmptyCoverage { .. } => {
                Some("check what the coverage tool measured (pytest-cov: `--cov=PACKAGE` names your code)".into())
            }
        }
    }
}

/// A `forge report` input that is not a report directory: a usage error, nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The input does not exist.
    #[error("report directory {} does not exist", dir.display())]
    Missing {
        /// The input as given.
        dir: PathBuf,
    },
    /// The input is a file, not a directory.
    #[error("report directory {} is not a directory", dir.display())]
    NotADirectory {
        /// The input as given.
        dir: PathBuf,
    },
    /// The directory holds none of the files forge writes.
    #[error("{} holds no forge report (junit.xml, coverage.xml or run.json)", dir.display())]
    NoReport {
        /// The input as given.
        dir: PathBuf,
    },
    /// Two inputs are the same directory (compared canonically): merging it twice would count
    /// its tests and coverage twice.
    #[error("report directory {} is given twice (as {} and {})", canonical.display(), first.display(), second.display())]
    GivenTwice {
        /// The earlier input as given.
        first: PathBuf,
        /// The later input as given.
        second: PathBuf,
        /// The directory both name.
        canonical: PathBuf,
    },
}

impl crate::error::Hint for InputError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            InputError::GivenTwice { .. } => "pass each report directory once".into(),
            _ => "pass the reports directories that earlier forge runs wrote (--reports-dir, default .forge/reports)"
                .into(),
        })
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
}
