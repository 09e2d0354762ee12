//! Report files written after a run: `run.json` now; `junit.xml` and `coverage.xml` merged from
//! the sessions' declared files.

mod error;
mod run_json;

pub use error::ReportError;
pub use run_json::write_run_json;

use std::path::Path;

use crate::runner::RunOutcome;

/// What the report writer needs from a finished run.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Project root: coverage paths are made relative to it.
    pub root: &'a Path,
    /// Where reports go.
    pub reports_dir: &'a Path,
    /// `[coverage] fail-under`, in percent of lines.
    pub fail_under: Option<f64>,
    /// The run.
    pub run: &'a RunOutcome,
}

/// Merged line coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageTotal {
    /// Lines with at least one hit.
    pub covered: u64,
    /// Lines that could be hit.
    pub valid: u64,
}

impl CoverageTotal {
    /// Covered lines in percent (100 when there are no valid lines).
    pub fn percent(&self) -> f64 {
        if self.valid == 0 { 100.0 } else { self.covered as f64 * 100.0 / self.valid as f64 }
    }
}

/// What writing the reports found.
#[derive(Debug, Default)]
pub struct ReportSummary {
    /// Merged coverage, when any session declared coverage files.
    pub coverage: Option<CoverageTotal>,
    /// Why the coverage gate failed (exit 1), e.g. "line coverage 79.50% is 0.50 below fail-under 80%".
    pub gate_failure: Option<String>,
    /// Reports that could not be read or written; the run still ends with its summary.
    pub problems: Vec<ReportError>,
}

/// Writes every report of a run (run.json, junit.xml, coverage.xml) into the reports directory.
/// A report that cannot be written is recorded in [`ReportSummary::problems`]; the others are
/// still written.
pub fn write_reports(input: &ReportInput<'_>) -> ReportSummary {
    let mut summary = ReportSummary::default();
    if let Err(error) = write_run_json(input.reports_dir, input.run) {
        summary.problems.push(error);
    }
    summary
}

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
