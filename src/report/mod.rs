//! Report files: `run.json`, `junit.xml`, `coverage.xml`, `report.html` and `history.jsonl` for a
//! run and for `forge report` (see `docs/reports.md`).
//!
//! One sequence serves both: the reports of a directory are first assembled in memory
//! ([`Reports`]: from a run's outcome, or merged from other directories), then written together
//! under the directory's lock ([`write_reports`]), which returns what they say ([`Merged`]: test
//! counts, coverage total, gate verdict, problems) for the summary and later outputs.

mod assemble;
pub mod coverage;
mod error;
mod failures;
mod from_run;
pub mod history;
pub mod html;
pub mod junit;
mod merge;
mod merged;
pub mod model;
pub mod sanitize;
mod write;
pub mod xml;

pub use assemble::{CoverageReport, Reports};
pub use error::{InputError, ReportError};
pub use failures::FailedTest;
pub use from_run::{ReportInput, from_outcome, write_run};
pub use html::{HTML_FILE, RerunCommand};
pub use merge::{check_inputs, merge_dirs};
pub use merged::{CoverageTotal, Merged, TestCounts, gate};
pub use model::RunReport;
pub use write::{ReportsLock, WriteOptions, write_atomically, write_reports, write_reports_holding};

use std::path::Path;

use crate::input_file::{REPORT_FILE_LIMIT, read_regular};

/// The file names forge writes in a reports directory.
pub const JUNIT_FILE: &str = "junit.xml";
/// See [`JUNIT_FILE`].
pub const COVERAGE_FILE: &str = "coverage.xml";
/// See [`JUNIT_FILE`].
pub const RUN_FILE: &str = "run.json";
/// The lock file taken while a reports directory is written (kept: removing a lock file races).
pub const LOCK_FILE: &str = ".forge-reports.lock";

/// Reads a report file forge did not write: `Ok(None)` when it does not exist.
///
/// # Errors
/// [`ReportError::Unreadable`]: not a regular file, over [`REPORT_FILE_LIMIT`], or unreadable.
pub fn read_input(path: &Path) -> Result<Option<Vec<u8>>, ReportError> {
    match read_regular(path, REPORT_FILE_LIMIT) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(source) => Err(ReportError::Unreadable { path: path.to_path_buf(), source }),
    }
}
