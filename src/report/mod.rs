//! Report files written after a run: `run.json`, `junit.xml` and `coverage.xml` merged from the
//! sessions' declared files, the coverage gate, and `forge report` (see `docs/reports.md`).

pub mod coverage;
mod error;
pub mod junit;
mod merge;
mod run_json;
pub mod sanitize;
pub mod xml;

pub use error::ReportError;
pub use merge::merge_command;
pub use run_json::write_run_json;

use std::path::Path;
use std::time::SystemTime;

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
    /// Why the coverage gate failed (exit 1), e.g. "line coverage 79.50% is below fail-under 80%
    /// by 0.50 points".
    pub gate_failure: Option<String>,
    /// Reports that could not be read or written; the run still ends with its summary.
    pub problems: Vec<ReportError>,
    /// The merged junit.xml's counts, set by `forge report` only (a run prints its sessions).
    pub tests: Option<TestCounts>,
}

/// Testcase counts of a JUnit report, recomputed from its testcases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TestCounts {
    /// `<testcase>` elements.
    pub tests: usize,
    /// Testcases with `<failure>`.
    pub failures: usize,
    /// Testcases with `<error>`.
    pub errors: usize,
    /// Testcases with `<skipped>`.
    pub skipped: usize,
}

/// The file names forge writes in a reports directory.
pub const JUNIT_FILE: &str = "junit.xml";
/// See [`JUNIT_FILE`].
pub const COVERAGE_FILE: &str = "coverage.xml";
/// See [`JUNIT_FILE`].
pub const RUN_FILE: &str = "run.json";

/// Writes every report of a run (run.json, junit.xml, coverage.xml) into the reports directory,
/// whatever the sessions' statuses (failed and interrupted runs included). A report that cannot
/// be written is recorded in [`ReportSummary::problems`]; the others are still written. When no
/// session that ran declared coverage, a `coverage.xml` left by an earlier run is removed so the
/// directory describes this run only.
pub fn write_reports(input: &ReportInput<'_>) -> ReportSummary {
    let mut summary = ReportSummary::default();
    if let Err(error) = write_run_json(input.reports_dir, input.run) {
        summary.problems.push(error);
    }
    let (report, problems) = junit::run_report(input.run);
    summary.problems.extend(problems);
    if let Err(error) = junit::write_junit(&report, &input.reports_dir.join(JUNIT_FILE)) {
        summary.problems.push(error);
    }
    let (coverage, problems) = coverage::collect_run(input.run, input.root);
    summary.problems.extend(problems);
    let coverage_path = input.reports_dir.join(COVERAGE_FILE);
    match coverage {
        Some(coverage) => {
            let total = write_coverage(&coverage, input.root, &coverage_path, &mut summary.problems);
            if total.valid == 0 {
                // Declared coverage that measured nothing (a wrong `--cov=`) is no data, not 100%.
                summary.problems.push(ReportError::EmptyCoverage);
            } else {
                summary.coverage = Some(total);
                summary.gate_failure = gate(summary.coverage, input.fail_under);
            }
        }
        None => {
            let _ = std::fs::remove_file(&coverage_path);
        }
    }
    summary
}

/// Writes `coverage` as Cobertura to `path` (a problem on failure) and returns its total.
fn write_coverage(
    coverage: &coverage::Coverage,
    root: &Path,
    path: &Path,
    problems: &mut Vec<ReportError>,
) -> CoverageTotal {
    let timestamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis();
    if let Err(error) = write_atomically(path, coverage::cobertura_xml(coverage, root, timestamp).as_bytes()) {
        problems.push(error);
    }
    let (covered, valid) = coverage.line_counts();
    CoverageTotal { covered, valid }
}

/// The coverage gate: a message when `total` is below `fail_under` percent, saying by how much.
pub fn gate(total: Option<CoverageTotal>, fail_under: Option<f64>) -> Option<String> {
    let (total, fail_under) = (total?, fail_under?);
    let percent = total.percent();
    if percent >= fail_under {
        return None;
    }
    let short = fail_under - percent;
    let by = if short < 0.01 { "less than 0.01 points".to_owned() } else { format!("{short:.2} points") };
    Some(format!("line coverage {percent:.2}% is below fail-under {fail_under}% by {by}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_says_by_how_much() {
        let total = Some(CoverageTotal { covered: 795, valid: 1000 });
        assert_eq!(
            gate(total, Some(80.0)).as_deref(),
            Some("line coverage 79.50% is below fail-under 80% by 0.50 points")
        );
        assert_eq!(gate(total, Some(79.5)), None);
        assert_eq!(gate(total, None), None);
        assert_eq!(gate(None, Some(80.0)), None);
        let close = Some(CoverageTotal { covered: 79_999, valid: 100_000 });
        assert!(gate(close, Some(80.0)).is_some_and(|message| message.ends_with("by less than 0.01 points")));
    }
}
